// tierkv-bench's command line: what to run, parsed and checked with CLI11.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "client/bench/key_chooser.h"

namespace tierkv::bench {

struct Ratio {
    std::uint32_t sets = 1;
    std::uint32_t gets = 10;
    friend bool operator==(const Ratio&, const Ratio&) = default;
};

struct ValueSize {
    std::uint32_t min = 32;
    std::uint32_t max = 32;
    friend bool operator==(const ValueSize&, const ValueSize&) = default;
};

enum class Mode { kMixed, kCacheAside };

struct Options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 6379;
    std::uint32_t clients = 50;
    std::uint32_t pipeline = 1;
    std::uint32_t threads = 1;  // never more than clients
    // Exactly one of the two is set; without either, 100000 requests.
    std::optional<std::uint64_t> requests;
    std::optional<double> duration_s;
    Ratio ratio;
    ValueSize value_size;
    std::string key_prefix = "key:";
    KeySpec keys{.keyspace = 100000};
    Mode mode = Mode::kMixed;
    std::uint64_t seed = 1;
    bool json = false;
    bool quiet = false;
    std::string trace_out;
    bool resp3 = false;
    bool load = false;
    // Requests per second in all, spread evenly over the connections; 0: as
    // fast as replies come back. With a rate, latency counts from when a
    // batch was due, so a server that falls behind is charged its queueing.
    double rate = 0;
};

// "SET:GET", e.g. "1:10" or "0:1"; not both zero.
std::optional<Ratio> parse_ratio(std::string_view text);
// "N" or "MIN-MAX", at most kMaxValueSize.
std::optional<ValueSize> parse_value_size(std::string_view text);
constexpr std::uint32_t kMaxValueSize = 64 * 1024 * 1024;

std::string_view to_string(Mode mode);

// Options to run with, or a message to print and the exit code: 0 for
// --help, kExitUsage for a bad command line.
struct ParsedOptions {
    std::optional<Options> options;
    int exit_code = 0;
    std::string message;
};
constexpr int kExitUsage = 2;

// `args` excludes the program name.
ParsedOptions parse_options(std::span<const std::string> args);

}  // namespace tierkv::bench
