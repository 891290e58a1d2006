// Runs a benchmark: spreads the connections, the requests and the key
// space's cursors over the worker threads, starts them together once every
// connection is made, reports progress about once a second, and merges what
// the threads measured.
#pragma once

#include <functional>
#include <string>

#include "client/bench/options.h"
#include "client/bench/stats.h"
#include "client/bench/trace_writer.h"

namespace tierkv::bench {

struct RunResult {
    Stats stats;
    double elapsed_s = 0;       // first request to last reply
    std::string error;          // set if the run could not start
    std::string last_connection_error;
};

// Called on the calling thread with the stats so far (up to ~200 ms old).
using ProgressFn = std::function<void(const Stats& so_far, double elapsed_s)>;

// The measured run. `trace` may be null; `progress` may be empty.
RunResult run_benchmark(const Options& options, TraceWriter* trace, const ProgressFn& progress);

// --load: one SET of every key in the key space, split over the threads.
RunResult run_load(const Options& options, const ProgressFn& progress);

// The part of `total` that falls to the worker whose connections are
// [first, last) of `clients`: shares add up to `total` exactly.
std::uint64_t share(std::uint64_t total, std::uint64_t first, std::uint64_t last, std::uint64_t clients);

}  // namespace tierkv::bench
