// A shard's mutex: glibc's adaptive mutex, which spins briefly on a taken
// lock before it sleeps. A command holds its shard for well under a
// microsecond; std::mutex (a plain futex) puts a thread that finds it taken
// to sleep at once, so the waiter pays a futex wait and a context switch and
// the holder a futex wake, several times longer than the wait itself.
// tierkv-keyspace-bench (1M keys, 64 shards as the server has, 2 threads,
// four alternating runs): GETs of one hot key went from 6.7-7.6M to
// 10.6-12.1M ops/s (one std::mutex run reached 16.4M), GETs over uniform
// keys from 2.0-2.7M to 2.5-3.0M. After its short spin it sleeps like
// std::mutex, so a long holder (FLUSHALL, EXEC) costs its waiters no CPU.
#pragma once

#include <pthread.h>

namespace tierkv::storage {

class ShardMutex {
public:
    ShardMutex() = default;
    ShardMutex(const ShardMutex&) = delete;
    ShardMutex& operator=(const ShardMutex&) = delete;
    ~ShardMutex() { pthread_mutex_destroy(&mutex_); }

    void lock() { pthread_mutex_lock(&mutex_); }
    bool try_lock() { return pthread_mutex_trylock(&mutex_) == 0; }
    void unlock() { pthread_mutex_unlock(&mutex_); }

private:
    pthread_mutex_t mutex_ = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP;
};

}  // namespace tierkv::storage
