// The shard mutexes one command holds, unlocked when this goes away. Most
// commands name one key, so the first few are kept in place and taking a
// lock costs no heap allocation; the rest (MSET of many keys, FLUSHALL's
// every shard) go to a vector.
#pragma once

#include <array>
#include <cstddef>
#include <utility>
#include <vector>

#include "storage/shard_mutex.h"

namespace tierkv::storage {

class HeldMutexes {
public:
    HeldMutexes() = default;
    HeldMutexes(HeldMutexes&& other) noexcept
        : count_(std::exchange(other.count_, 0)), first_(other.first_), rest_(std::move(other.rest_)) {
        other.rest_.clear();
    }
    HeldMutexes& operator=(HeldMutexes&& other) noexcept {
        if (this != &other) {
            unlock_all();
            count_ = std::exchange(other.count_, 0);
            first_ = other.first_;
            rest_ = std::move(other.rest_);
            other.rest_.clear();
        }
        return *this;
    }
    HeldMutexes(const HeldMutexes&) = delete;
    HeldMutexes& operator=(const HeldMutexes&) = delete;
    ~HeldMutexes() { unlock_all(); }

    // Locks `mutex` (which this must not hold yet) and keeps it.
    void lock(ShardMutex& mutex) {
        mutex.lock();
        if (count_ < first_.size()) {
            first_[count_] = &mutex;
        } else {
            rest_.push_back(&mutex);
        }
        ++count_;
    }
    bool holds(const ShardMutex& mutex) const {
        for (std::size_t i = 0; i < count_; ++i) {
            if (at(i) == &mutex) return true;
        }
        return false;
    }
    std::size_t size() const { return count_; }

private:
    ShardMutex* at(std::size_t i) const { return i < first_.size() ? first_[i] : rest_[i - first_.size()]; }
    // In the reverse order of locking.
    void unlock_all() noexcept {
        while (count_ > 0) at(--count_)->unlock();
        rest_.clear();
    }

    std::size_t count_ = 0;
    std::array<ShardMutex*, 4> first_{};
    std::vector<ShardMutex*> rest_;
};

}  // namespace tierkv::storage
