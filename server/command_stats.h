// Per-command statistics for INFO commandstats, latencystats and errorstats.
//
// The hot path (record_call, once per command) touches only memory of the
// calling thread: each thread has its own block of counters, written with
// relaxed atomic loads and stores (no locked instructions) and summed by the
// reader. CONFIG RESETSTAT bumps a generation; a thread zeroes its block the
// next time it records, and readers skip blocks of an older generation.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace tierkv::server {

// Command durations in nanoseconds, log-linear buckets: exact below 16 ns,
// then 8 buckets per power of two (at most 1/8 relative error) up to ~18 min.
struct LatencyBuckets {
    static constexpr std::size_t kExact = 16;
    static constexpr std::size_t kPerOctave = 8;
    static constexpr std::size_t kOctaves = 37;  // 2^4 .. 2^40 ns
    static constexpr std::size_t kCount = kExact + kPerOctave * kOctaves;

    static std::size_t index(std::uint64_t ns);
    // The largest value that falls into bucket `index` (as HdrHistogram's
    // "highest equivalent value", which Redis prints).
    static std::uint64_t upper_bound(std::size_t index);
};

struct CommandTotals {
    std::uint64_t calls = 0;
    std::uint64_t nanos = 0;
    std::uint64_t rejected = 0;
    std::uint64_t failed = 0;
    std::array<std::uint64_t, LatencyBuckets::kCount> buckets{};

    // The duration at `percentile` (0..100) in nanoseconds; 0 when no calls.
    std::uint64_t percentile(double percentile) const;
};

class CommandStats {
public:
    // `slots`: how many commands (subcommands included) have an index.
    explicit CommandStats(std::size_t slots);
    ~CommandStats();
    CommandStats(const CommandStats&) = delete;
    CommandStats& operator=(const CommandStats&) = delete;

    // A call that ran for `nanos`; `failed` when it replied an error.
    void record_call(std::size_t slot, std::uint64_t nanos, bool failed);
    // A call refused before it ran (arity, authentication).
    void record_rejected(std::size_t slot);
    // An error reply, by its first word ("ERR", "WRONGTYPE"); slow path.
    void record_error(std::string_view error);

    // Totals per slot since the last reset; nullopt-like: calls, rejected and
    // failed all 0 means the command was not used.
    std::vector<CommandTotals> totals() const;
    std::map<std::string, std::uint64_t> errors() const;
    void reset();

private:
    struct Slot;
    struct Block;
    Block& my_block();
    Slot& slot(std::size_t index);

    const std::size_t slots_;
    const std::uint64_t id_;  // tells this instance's blocks apart in thread_local caches
    std::atomic<std::uint64_t> generation_{0};
    mutable std::mutex blocks_mutex_;
    std::vector<std::unique_ptr<Block>> blocks_;
    mutable std::mutex errors_mutex_;
    std::map<std::string, std::uint64_t> errors_;
};

}  // namespace tierkv::server
