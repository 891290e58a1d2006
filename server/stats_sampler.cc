#include "server/stats_sampler.h"

#include <algorithm>

namespace tierkv::server {

void StatsSampler::sample(std::int64_t now_ms, std::uint64_t commands, std::uint64_t net_input,
                          std::uint64_t net_output) {
    std::lock_guard guard(mutex_);
    const Totals now{now_ms, commands, net_input, net_output};
    if (!have_last_) {
        last_ = now;
        have_last_ = true;
        return;
    }
    const std::int64_t elapsed_ms = now_ms - last_.ms;
    if (elapsed_ms < 100) return;
    // Counters go down when CONFIG RESETSTAT clears them: count that as zero.
    auto per_sec = [elapsed_ms](std::uint64_t before, std::uint64_t after) {
        return after < before ? 0.0 : static_cast<double>(after - before) * 1000.0 / static_cast<double>(elapsed_ms);
    };
    samples_[next_slot_] = Rates{per_sec(last_.commands, commands), per_sec(last_.net_input, net_input) / 1024,
                                 per_sec(last_.net_output, net_output) / 1024};
    next_slot_ = (next_slot_ + 1) % kSamples;
    filled_ = std::min(filled_ + 1, kSamples);
    last_ = now;
}

Rates StatsSampler::rates() const {
    std::lock_guard guard(mutex_);
    Rates sum;
    if (filled_ == 0) return sum;
    for (std::size_t i = 0; i < filled_; ++i) {
        sum.ops_per_sec += samples_[i].ops_per_sec;
        sum.input_kbps += samples_[i].input_kbps;
        sum.output_kbps += samples_[i].output_kbps;
    }
    const auto n = static_cast<double>(filled_);
    return Rates{sum.ops_per_sec / n, sum.input_kbps / n, sum.output_kbps / n};
}

std::uint64_t StatsSampler::note_memory(std::uint64_t used_bytes) {
    std::lock_guard guard(mutex_);
    memory_peak_ = std::max(memory_peak_, used_bytes);
    return memory_peak_;
}

}  // namespace tierkv::server
