// What tierkv-bench prints: the live progress line, and the summary as
// text, as one line (--quiet) or as JSON (--json).
#pragma once

#include <cstdint>
#include <string>

#include "client/bench/options.h"
#include "client/bench/runner.h"
#include "client/bench/stats.h"

namespace tierkv::bench {

// Throughput over the last interval; hit ratio and p99 over the whole run.
class ProgressLine {
public:
    std::string update(const Stats& so_far, double elapsed_s);

private:
    std::uint64_t last_ops_ = 0;
    double last_elapsed_s_ = 0;
};

std::string format_summary(const Options& options, const RunResult& result);
std::string format_one_line(const RunResult& result);
std::string format_json(const Options& options, const RunResult& result);

// Microseconds from the histogram's nanoseconds.
double to_us(std::uint64_t ns);

}  // namespace tierkv::bench
