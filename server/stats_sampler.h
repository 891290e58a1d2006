// Rates and peaks INFO reports that need a history: operations per second
// and network kbps over the last samples, and the memory peak. The
// housekeeping timer feeds it; INFO reads it from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>

namespace tierkv::server {

struct Rates {
    double ops_per_sec = 0;
    double input_kbps = 0;
    double output_kbps = 0;
};

class StatsSampler {
public:
    // Records the counters' totals at `now_ms`; samples closer than 100 ms
    // to the previous one are ignored, as Redis samples every 100 ms.
    void sample(std::int64_t now_ms, std::uint64_t commands, std::uint64_t net_input, std::uint64_t net_output);
    // The average rates over the recorded samples (Redis keeps 16).
    Rates rates() const;

    // Keeps the largest memory use seen; returns it.
    std::uint64_t note_memory(std::uint64_t used_bytes);

private:
    static constexpr std::size_t kSamples = 16;
    struct Totals {
        std::int64_t ms = 0;
        std::uint64_t commands = 0;
        std::uint64_t net_input = 0;
        std::uint64_t net_output = 0;
    };

    mutable std::mutex mutex_;
    Totals last_;
    bool have_last_ = false;
    std::array<Rates, kSamples> samples_{};
    std::size_t next_slot_ = 0;
    std::size_t filled_ = 0;
    std::uint64_t memory_peak_ = 0;
};

}  // namespace tierkv::server
