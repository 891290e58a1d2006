// Brings entries back from the tier into memory in the background, while the
// server serves: after a start, the keys that were in memory at the last
// graceful shutdown, hottest first ("hot"), or every key ("all"); on
// TIERKV WARMUP, the keys matching a pattern. After a start it stops when
// memory is nearly full (90% of maxmemory), so warming up never makes
// anything get evicted; a TIERKV WARMUP goes on, the policy making room.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace tierkv::storage {

class Keyspace;

class Warmup {
public:
    enum class Source { kHot, kAll, kPattern };

    explicit Warmup(Keyspace& keyspace) : keyspace_(keyspace) {}
    ~Warmup();  // stops a running job and waits for it
    Warmup(const Warmup&) = delete;
    Warmup& operator=(const Warmup&) = delete;

    // Starts a job in the background; false when one is already running.
    bool start(Source source, std::size_t db = 0, std::string pattern = "*");
    void stop();

    struct Progress {
        bool running = false;
        std::string source;  // "hot", "all", "pattern", or "" before any job
        std::uint64_t loaded = 0;
        std::uint64_t total = 0;
        double seconds = 0;
        double eta_seconds = 0;
    };
    Progress progress() const;

private:
    void run(Source source, std::size_t db, std::string pattern);
    bool memory_full() const;

    Keyspace& keyspace_;
    std::thread worker_;
    std::atomic<bool> running_{false};
    std::atomic<bool> stop_{false};
    std::atomic<std::uint64_t> loaded_{0};
    std::atomic<std::uint64_t> total_{0};
    std::atomic<std::int64_t> started_ms_{0};
    std::atomic<std::int64_t> finished_ms_{0};
    mutable std::mutex source_mutex_;
    std::string source_;
};

}  // namespace tierkv::storage
