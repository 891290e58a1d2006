#include "client/bench/stats.h"

namespace tierkv::bench {

void Stats::merge(const Stats& other) {
    ops += other.ops;
    gets += other.gets;
    sets += other.sets;
    fills += other.fills;
    hits += other.hits;
    misses += other.misses;
    error_replies += other.error_replies;
    connection_errors += other.connection_errors;
    latency_ns.merge(other.latency_ns);
}

std::optional<double> Stats::hit_ratio() const {
    if (gets == 0) return std::nullopt;
    return static_cast<double>(hits) / static_cast<double>(gets);
}

}  // namespace tierkv::bench
