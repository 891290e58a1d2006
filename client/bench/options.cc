#include "client/bench/options.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <sstream>
#include <vector>

namespace tierkv::bench {
namespace {

std::optional<std::uint32_t> parse_u32(std::string_view text) {
    std::uint32_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

constexpr std::string_view kDescription =
    "tierkv-bench: a load generator for tierkv and other Redis-compatible servers.\n"
    "Sends GET and SET requests over many connections, with key distributions,\n"
    "and reports throughput, hit ratio and latency percentiles.";

}  // namespace

std::optional<Ratio> parse_ratio(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const auto sets = parse_u32(text.substr(0, colon));
    const auto gets = parse_u32(text.substr(colon + 1));
    if (!sets || !gets || (*sets == 0 && *gets == 0)) return std::nullopt;
    return Ratio{*sets, *gets};
}

std::optional<ValueSize> parse_value_size(std::string_view text) {
    const auto dash = text.find('-');
    const auto min = parse_u32(text.substr(0, dash));
    const auto max = dash == std::string_view::npos ? min : parse_u32(text.substr(dash + 1));
    if (!min || !max || *min > *max || *max > kMaxValueSize) return std::nullopt;
    return ValueSize{*min, *max};
}

std::string_view to_string(Mode mode) { return mode == Mode::kMixed ? "mixed" : "cache-aside"; }

ParsedOptions parse_options(std::span<const std::string> args) {
    Options o;
    CLI::App app{std::string(kDescription), "tierkv-bench"};
    app.option_defaults()->always_capture_default();

    app.add_option("--host,-H", o.host, "Server host name or address");
    app.add_option("--port,-p", o.port, "Server port")->check(CLI::Range(1, 65535));
    app.add_option("--clients,-c", o.clients, "Connections")->check(CLI::Range(1, 100000));
    app.add_option("--pipeline,-P", o.pipeline, "Requests in flight per connection")->check(CLI::Range(1, 100000));
    app.add_option("--threads,-t", o.threads, "Worker threads; the connections are spread over them")
        ->check(CLI::Range(1, 1024));
    std::uint64_t requests = 100000;
    double duration = 0;
    auto* requests_opt = app.add_option("--requests,-n", requests, "Requests to send in all")
                             ->check(CLI::Range(std::uint64_t{1}, UINT64_MAX));
    auto* duration_opt = app.add_option("--duration,-d", duration, "Run for this many seconds instead of -n")
                             ->check(CLI::Range(0.001, 1e7))
                             ->default_str("");
    requests_opt->excludes(duration_opt);
    std::string ratio = "1:10";
    auto* ratio_opt = app.add_option("--ratio", ratio, "SET:GET, e.g. 1:10 or 0:1 (--mode mixed)");
    std::string value_size = "32";
    app.add_option("--value-size", value_size, "SET value size in bytes: N or MIN-MAX (uniform)");
    app.add_option("--keyspace", o.keys.keyspace, "Number of distinct keys")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 48));
    app.add_option("--key-prefix", o.key_prefix, "Keys are this prefix followed by a number");
    std::string distribution = "uniform";
    app.add_option("--distribution", distribution, "Key distribution: uniform, zipf:<s> or sequential");
    app.add_option("--scan-fraction", o.keys.scan_fraction,
                   "Fraction of requests that walk the key space in order, as batch jobs do")
        ->check(CLI::Range(0.0, 1.0));
    std::string mode = "mixed";
    app.add_option("--mode", mode,
                   "mixed: GETs and SETs by --ratio; cache-aside: GET, and SET the key after a miss")
        ->check(CLI::IsMember({"mixed", "cache-aside"}));
    app.add_option("--seed", o.seed, "Seed for keys and value sizes (same seed, same key sequence)");
    app.add_flag("--json", o.json, "Print the summary as JSON on stdout");
    app.add_flag("--quiet,-q", o.quiet, "No progress line; a one-line summary");
    app.add_option("--trace-out", o.trace_out, "Write the key of every request to FILE, one per line");
    app.add_flag("--resp3", o.resp3, "Speak RESP3 (HELLO 3)");
    app.add_flag("--load", o.load, "First SET every key of the key space once (not measured)");
    app.add_option("--rate", o.rate,
                   "Requests per second in all (open loop: latency counts from when a request was due); "
                   "0 = as fast as possible")
        ->check(CLI::Range(0.0, 1e9));

    try {
        // CLI11 takes a vector of arguments last first.
        std::vector<std::string> reversed(args.rbegin(), args.rend());
        app.parse(reversed);
        auto fail = [](const std::string& message) { throw CLI::ValidationError(message); };
        if (duration_opt->count() > 0) {
            o.duration_s = duration;
        } else {
            o.requests = requests;
        }
        const auto parsed_ratio = parse_ratio(ratio);
        if (!parsed_ratio) fail("--ratio: expected SET:GET such as 1:10, not both 0, got '" + ratio + "'");
        o.ratio = *parsed_ratio;
        const auto parsed_size = parse_value_size(value_size);
        if (!parsed_size) {
            fail("--value-size: expected N or MIN-MAX with MIN <= MAX <= " + std::to_string(kMaxValueSize) +
                 ", got '" + value_size + "'");
        }
        o.value_size = *parsed_size;
        const auto parsed_distribution = parse_distribution(distribution);
        if (!parsed_distribution) {
            fail("--distribution: expected uniform, sequential or zipf:<s> with s > 0, got '" + distribution + "'");
        }
        o.keys.distribution = *parsed_distribution;
        o.mode = mode == "mixed" ? Mode::kMixed : Mode::kCacheAside;
        if (o.mode == Mode::kCacheAside && ratio_opt->count() > 0) {
            fail("--ratio applies to --mode mixed only: cache-aside sends a GET, and a SET after each miss");
        }
        o.threads = std::min(o.threads, o.clients);
    } catch (const CLI::ParseError& e) {
        std::ostringstream out;
        std::ostringstream err;
        const int code = app.exit(e, out, err);
        return ParsedOptions{std::nullopt, code == 0 ? 0 : kExitUsage, out.str() + err.str()};
    }
    return ParsedOptions{std::move(o), 0, {}};
}

}  // namespace tierkv::bench
