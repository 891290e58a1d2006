// tierkv-bench: a load generator for tierkv and other Redis-compatible
// servers. See client/bench/ for the parts; `tierkv-bench --help` for use.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "client/bench/options.h"
#include "client/bench/report.h"
#include "client/bench/runner.h"
#include "client/bench/trace_writer.h"

namespace {

constexpr int kExitFailed = 1;

int fail(const std::string& message) {
    std::fprintf(stderr, "tierkv-bench: %s\n", message.c_str());
    return kExitFailed;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace tierkv::bench;

    const std::vector<std::string> args(argv + 1, argv + argc);
    ParsedOptions parsed = parse_options(args);
    if (!parsed.options) {
        if (parsed.exit_code == 0) {
            std::fputs(parsed.message.c_str(), stdout);
        } else {
            std::fprintf(stderr, "tierkv-bench: %s", parsed.message.c_str());
        }
        return parsed.exit_code;
    }
    const Options& options = *parsed.options;

    std::unique_ptr<TraceWriter> trace;
    if (!options.trace_out.empty()) {
        std::string error;
        trace = TraceWriter::open(options.trace_out, error);
        if (!trace) return fail(error);
    }

    const bool live = !options.quiet && isatty(STDERR_FILENO);
    ProgressLine line;
    ProgressFn progress;
    if (live) {
        progress = [&line](const Stats& so_far, double elapsed_s) {
            // \x1b[K erases what a longer previous line left behind.
            std::fprintf(stderr, "\r%s\x1b[K", line.update(so_far, elapsed_s).c_str());
            std::fflush(stderr);
        };
    }
    auto end_progress = [live] {
        if (live) std::fputs("\r\x1b[K", stderr);
    };

    if (options.load) {
        const RunResult loaded = run_load(options, progress);
        end_progress();
        if (!loaded.error.empty()) return fail(loaded.error);
        if (!options.quiet) {
            std::fprintf(stderr, "loaded %llu keys in %.2f s (%llu errors)\n",
                         static_cast<unsigned long long>(loaded.stats.sets), loaded.elapsed_s,
                         static_cast<unsigned long long>(loaded.stats.errors()));
        }
        line = ProgressLine();
    }

    const RunResult result = run_benchmark(options, trace.get(), progress);
    end_progress();
    if (!result.error.empty()) return fail(result.error);
    if (trace) {
        if (const std::string error = trace->close(); !error.empty()) return fail(error);
    }

    std::string summary;
    if (options.json) {
        summary = format_json(options, result);
    } else if (options.quiet) {
        summary = format_one_line(result);
    } else {
        summary = format_summary(options, result);
    }
    std::fputs(summary.c_str(), stdout);
    if (result.stats.ops == 0) return fail("no request completed");
    return 0;
}
