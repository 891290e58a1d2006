// tierkv-bench's command line: defaults, every option, and the errors.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "client/bench/options.h"

using tierkv::bench::Distribution;
using tierkv::bench::kExitUsage;
using tierkv::bench::Mode;
using tierkv::bench::parse_options;
using tierkv::bench::ParsedOptions;
using tierkv::bench::Ratio;
using tierkv::bench::ValueSize;

namespace {

ParsedOptions parse(std::vector<std::string> args) { return parse_options(args); }

}  // namespace

TEST_CASE("bench options: defaults", "[bench]") {
    const ParsedOptions parsed = parse({});
    REQUIRE(parsed.options);
    const auto& o = *parsed.options;
    CHECK(o.host == "127.0.0.1");
    CHECK(o.port == 6379);
    CHECK(o.clients == 50);
    CHECK(o.pipeline == 1);
    CHECK(o.threads == 1);
    CHECK(o.requests == 100000u);
    CHECK_FALSE(o.duration_s);
    CHECK(o.ratio == Ratio{1, 10});
    CHECK(o.value_size == ValueSize{32, 32});
    CHECK(o.keys.keyspace == 100000);
    CHECK(o.key_prefix == "key:");
    CHECK(o.keys.distribution == Distribution{Distribution::kUniform});
    CHECK(o.keys.scan_fraction == 0);
    CHECK(o.mode == Mode::kMixed);
    CHECK_FALSE(o.json);
    CHECK_FALSE(o.quiet);
    CHECK(o.trace_out.empty());
    CHECK_FALSE(o.resp3);
    CHECK_FALSE(o.load);
    CHECK(o.rate == 0);
}

TEST_CASE("bench options: every option", "[bench]") {
    const ParsedOptions parsed =
        parse({"--host", "localhost", "--port", "7000", "-c", "8", "-P", "16", "--threads", "2", "--duration", "2.5",
               "--ratio", "0:1", "--value-size", "10-100", "--keyspace", "5000", "--key-prefix", "user:",
               "--distribution", "zipf:0.99", "--scan-fraction", "0.25", "--seed", "42", "--json", "--quiet",
               "--trace-out", "/tmp/keys.txt", "--resp3", "--load", "--rate", "5000"});
    REQUIRE(parsed.options);
    const auto& o = *parsed.options;
    CHECK(o.host == "localhost");
    CHECK(o.port == 7000);
    CHECK(o.clients == 8);
    CHECK(o.pipeline == 16);
    CHECK(o.threads == 2);
    CHECK_FALSE(o.requests);
    CHECK(o.duration_s == 2.5);
    CHECK(o.ratio == Ratio{0, 1});
    CHECK(o.value_size == ValueSize{10, 100});
    CHECK(o.keys.keyspace == 5000);
    CHECK(o.key_prefix == "user:");
    CHECK(o.keys.distribution == Distribution{Distribution::kZipf, 0.99});
    CHECK(o.keys.scan_fraction == 0.25);
    CHECK(o.seed == 42);
    CHECK(o.json);
    CHECK(o.quiet);
    CHECK(o.trace_out == "/tmp/keys.txt");
    CHECK(o.resp3);
    CHECK(o.load);
    CHECK(o.rate == 5000);

    const ParsedOptions other = parse({"-n", "123", "--mode", "cache-aside", "--distribution", "sequential"});
    REQUIRE(other.options);
    CHECK(other.options->requests == 123u);
    CHECK(other.options->mode == Mode::kCacheAside);
    CHECK(other.options->keys.distribution == Distribution{Distribution::kSequential});
}

TEST_CASE("bench options: no more threads than connections", "[bench]") {
    const ParsedOptions parsed = parse({"-c", "3", "--threads", "8"});
    REQUIRE(parsed.options);
    CHECK(parsed.options->threads == 3);
}

TEST_CASE("bench options: bad command lines exit non-zero with a message", "[bench]") {
    struct Case {
        std::vector<std::string> args;
        std::string mentions;
    };
    const std::vector<Case> cases = {
        {{"--ratio", "1"}, "--ratio"},
        {{"--ratio", "0:0"}, "--ratio"},
        {{"--ratio", "a:b"}, "--ratio"},
        {{"--ratio", "1:-2"}, "--ratio"},
        {{"--value-size", "100-10"}, "--value-size"},
        {{"--value-size", "abc"}, "--value-size"},
        {{"--value-size", "1-"}, "--value-size"},
        {{"--value-size", "999999999"}, "--value-size"},
        {{"--distribution", "zipf:0"}, "--distribution"},
        {{"--distribution", "normal"}, "--distribution"},
        {{"-n", "10", "--duration", "1"}, "--duration"},
        {{"-n", "0"}, "--requests"},
        {{"--duration", "0"}, "--duration"},
        {{"--mode", "cache-aside", "--ratio", "1:1"}, "--ratio"},
        {{"--mode", "write-through"}, "--mode"},
        {{"--clients", "0"}, "--clients"},
        {{"-P", "0"}, "--pipeline"},
        {{"--threads", "0"}, "--threads"},
        {{"--port", "70000"}, "--port"},
        {{"--port", "x"}, "--port"},
        {{"--keyspace", "0"}, "--keyspace"},
        {{"--scan-fraction", "1.5"}, "--scan-fraction"},
        {{"--scan-fraction", "-0.1"}, "--scan-fraction"},
        {{"--rate", "-1"}, "--rate"},
        {{"--no-such-option"}, "--no-such-option"},
        {{"--clients"}, "--clients"},
    };
    for (const Case& c : cases) {
        const ParsedOptions parsed = parse(c.args);
        INFO(c.args.front() << (c.args.size() > 1 ? " " + c.args[1] : "") << ": " << parsed.message);
        CHECK_FALSE(parsed.options);
        CHECK(parsed.exit_code == kExitUsage);
        CHECK(parsed.message.find(c.mentions) != std::string::npos);
    }
}

TEST_CASE("bench options: --help", "[bench]") {
    const ParsedOptions parsed = parse({"--help"});
    CHECK_FALSE(parsed.options);
    CHECK(parsed.exit_code == 0);
    CHECK(parsed.message.find("--distribution") != std::string::npos);
    CHECK(parsed.message.find("--trace-out") != std::string::npos);
}

TEST_CASE("bench options: ratio and value size syntax", "[bench]") {
    using tierkv::bench::parse_ratio;
    using tierkv::bench::parse_value_size;
    CHECK(parse_ratio("1:10") == Ratio{1, 10});
    CHECK(parse_ratio("3:0") == Ratio{3, 0});
    CHECK_FALSE(parse_ratio(":1"));
    CHECK_FALSE(parse_ratio("1:1:1"));
    CHECK(parse_value_size("7") == ValueSize{7, 7});
    CHECK(parse_value_size("0") == ValueSize{0, 0});
    CHECK(parse_value_size("5-5") == ValueSize{5, 5});
    CHECK(parse_value_size("1-1024") == ValueSize{1, 1024});
    CHECK_FALSE(parse_value_size("-5"));
    CHECK_FALSE(parse_value_size("1-2-3"));
    CHECK_FALSE(parse_value_size(" 5"));
}
