// What a run measured: request counters and the latency histogram. Each
// worker thread keeps its own; they are merged for progress and summary.
#pragma once

#include <cstdint>
#include <optional>

#include "client/bench/histogram.h"

namespace tierkv::bench {

struct Stats {
    std::uint64_t ops = 0;    // replies received, of every kind
    std::uint64_t gets = 0;   // GET replies that were a value or nil
    std::uint64_t sets = 0;   // SET replies, cache-aside fills included
    std::uint64_t fills = 0;  // cache-aside SETs sent after a miss
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::uint64_t error_replies = 0;
    std::uint64_t connection_errors = 0;  // failed connects, resets, unparsable replies
    Histogram latency_ns;  // from a batch's write to each reply in it

    void merge(const Stats& other);

    std::uint64_t errors() const { return error_replies + connection_errors; }
    // hits / GETs, or nullopt before the first GET reply.
    std::optional<double> hit_ratio() const;
};

}  // namespace tierkv::bench
