// tierkv-bench's runner end to end against an in-process tierkv server:
// request counts, the ratio, cache-aside accounting checked against the
// keys the server ends up holding, --load, large pipelined values, RESP3,
// error replies and a refused connection.
#include <catch2/catch.hpp>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <unistd.h>

#include "client/bench/runner.h"
#include "client/bench/trace_writer.h"
#include "client/client.h"
#include "server/server.h"

using tierkv::bench::Distribution;
using tierkv::bench::Mode;
using tierkv::bench::Options;
using tierkv::bench::Ratio;
using tierkv::bench::RunResult;
using tierkv::bench::run_benchmark;
using tierkv::bench::run_load;
using tierkv::bench::share;
using tierkv::bench::Stats;
using tierkv::bench::TraceWriter;

namespace {

// A tierkv server on a free loopback port, for one test.
class LocalServer {
public:
    explicit LocalServer(std::string requirepass = "") {
        spdlog::set_level(spdlog::level::warn);
        tierkv::server::Config config;
        config.port = 0;
        config.threads = 1;
        config.requirepass = std::move(requirepass);
        server_ = std::make_unique<tierkv::server::Server>(config);
        if (auto error = server_->start()) FAIL("server did not start: " << *error);
    }

    std::uint16_t port() const { return server_->port(); }

    std::int64_t dbsize() const {
        tierkv::client::Client client;
        client.connect("127.0.0.1", port());
        return client.command({"DBSIZE"}).integer;
    }

private:
    std::unique_ptr<tierkv::server::Server> server_;
};

Options options_for(const LocalServer& server) {
    Options o;
    o.port = server.port();
    o.clients = 4;
    o.threads = 2;
    o.keys.keyspace = 100;
    return o;
}

std::string temp_path(const std::string& name) {
    return (std::filesystem::temp_directory_path() / (name + "." + std::to_string(getpid()))).string();
}

}  // namespace

TEST_CASE("bench runner: shares of requests and keys add up", "[bench]") {
    for (std::uint64_t total : {0ull, 1ull, 7ull, 100ull, 99991ull, 18446744073709551615ull}) {
        for (std::uint64_t clients : {1ull, 3ull, 50ull}) {
            std::uint64_t sum = 0;
            for (std::uint64_t c = 0; c < clients; ++c) sum += share(total, c, c + 1, clients);
            INFO(total << " over " << clients);
            CHECK(sum == total);
            CHECK(share(total, 0, clients, clients) == total);
        }
    }
}

TEST_CASE("bench runner: exact request counts and ratio in mixed mode", "[bench]") {
    LocalServer server;
    Options o = options_for(server);
    o.clients = 5;
    o.threads = 2;
    o.pipeline = 7;
    o.requests = 1001;
    o.ratio = Ratio{1, 3};
    const RunResult r = run_benchmark(o, nullptr, {});
    REQUIRE(r.error.empty());
    const Stats& s = r.stats;
    CHECK(s.ops == 1001);
    CHECK(s.errors() == 0);
    CHECK(s.gets + s.sets == 1001);
    // Each thread's requests go SET, GET, GET, GET, SET, ...
    CHECK(s.sets >= 250);
    CHECK(s.sets <= 252);
    CHECK(s.hits + s.misses == s.gets);
    CHECK(s.fills == 0);
    CHECK(s.latency_ns.count() == 1001);
    CHECK(s.latency_ns.max() > 0);
    CHECK(r.elapsed_s > 0);
    CHECK(server.dbsize() > 0);
}

TEST_CASE("bench runner: cache-aside fills every key it missed, and only those", "[bench]") {
    LocalServer server;
    Options o = options_for(server);
    // One connection without pipelining: no two lookups of a key race, so
    // each distinct key misses exactly once.
    o.clients = 1;
    o.threads = 1;
    o.requests = 3000;
    o.mode = Mode::kCacheAside;
    o.keys.keyspace = 1000;
    o.keys.distribution = Distribution{Distribution::kZipf, 0.9};
    const std::string path = temp_path("tierkv-bench-trace");
    std::string error;
    auto trace = TraceWriter::open(path, error);
    REQUIRE(trace);
    const RunResult r = run_benchmark(o, trace.get(), {});
    REQUIRE(r.error.empty());
    REQUIRE(trace->close().empty());

    std::ifstream in(path);
    std::set<std::string> distinct;
    std::size_t lines = 0;
    for (std::string line; std::getline(in, line); ++lines) {
        REQUIRE(line.starts_with("key:"));
        distinct.insert(line);
    }
    std::remove(path.c_str());

    const Stats& s = r.stats;
    CHECK(lines == 3000);
    CHECK(s.gets == 3000);
    CHECK(s.misses == distinct.size());
    CHECK(s.hits == 3000 - distinct.size());
    CHECK(s.fills == s.misses);
    CHECK(s.sets == s.fills);
    CHECK(s.ops == s.gets + s.sets);
    CHECK(s.errors() == 0);
    CHECK(server.dbsize() == static_cast<std::int64_t>(distinct.size()));
    // Zipf with s = 0.9 over 1000 keys: well under 1000 distinct keys.
    CHECK(distinct.size() < 900);
}

TEST_CASE("bench runner: --load sets every key once", "[bench]") {
    LocalServer server;
    Options o = options_for(server);
    o.clients = 5;
    o.threads = 2;
    o.pipeline = 8;
    o.keys.keyspace = 1237;
    const RunResult loaded = run_load(o, {});
    REQUIRE(loaded.error.empty());
    CHECK(loaded.stats.sets == 1237);
    CHECK(loaded.stats.errors() == 0);
    CHECK(server.dbsize() == 1237);

    // Then reads of the loaded key space all hit.
    o.ratio = Ratio{0, 1};
    o.requests = 500;
    const RunResult r = run_benchmark(o, nullptr, {});
    CHECK(r.stats.hits == 500);
}

TEST_CASE("bench runner: deep pipelines of large values", "[bench]") {
    LocalServer server;
    Options o = options_for(server);
    o.clients = 2;
    o.threads = 1;
    o.pipeline = 32;
    o.requests = 200;
    o.ratio = Ratio{1, 1};
    o.keys.keyspace = 1;  // every GET returns a large value
    o.value_size = {100000, 300000};
    const RunResult r = run_benchmark(o, nullptr, {});
    REQUIRE(r.error.empty());
    CHECK(r.stats.ops == 200);
    CHECK(r.stats.errors() == 0);
    CHECK(r.stats.hits + r.stats.misses == 100);
}

TEST_CASE("bench runner: RESP3", "[bench]") {
    LocalServer server;
    Options o = options_for(server);
    o.resp3 = true;
    o.requests = 400;
    o.keys.keyspace = 10;
    o.ratio = Ratio{1, 1};
    const RunResult r = run_benchmark(o, nullptr, {});
    REQUIRE(r.error.empty());
    CHECK(r.stats.ops == 400);
    CHECK(r.stats.errors() == 0);
    CHECK(r.stats.sets == 200);
}

TEST_CASE("bench runner: error replies are counted", "[bench]") {
    LocalServer server("secret");  // every command answers -NOAUTH
    Options o = options_for(server);
    o.requests = 300;
    const RunResult r = run_benchmark(o, nullptr, {});
    REQUIRE(r.error.empty());
    CHECK(r.stats.ops == 300);
    CHECK(r.stats.error_replies == 300);
    CHECK(r.stats.gets == 0);
    CHECK(r.stats.hit_ratio() == std::nullopt);
}

TEST_CASE("bench runner: a duration ends the run", "[bench]") {
    LocalServer server;
    Options o = options_for(server);
    o.requests.reset();
    o.duration_s = 0.3;
    int progress_calls = 0;
    const RunResult r = run_benchmark(o, nullptr, [&](const Stats&, double) { ++progress_calls; });
    REQUIRE(r.error.empty());
    CHECK(r.elapsed_s >= 0.3);
    CHECK(r.elapsed_s < 2.0);
    CHECK(r.stats.ops > 0);
    CHECK(r.stats.errors() == 0);
    CHECK(progress_calls == 0);  // progress comes once a second
}

TEST_CASE("bench runner: --rate paces the requests", "[bench]") {
    LocalServer server;
    Options o = options_for(server);
    o.requests = 60;
    o.rate = 200;  // 15 batches per connection, 20 ms apart
    const RunResult r = run_benchmark(o, nullptr, nullptr);
    REQUIRE(r.error.empty());
    CHECK(r.stats.ops == 60);
    // Never faster than the schedule (a lower bound only: a slow machine may take longer).
    CHECK(r.elapsed_s >= 14 * 0.02 - 0.005);
}

TEST_CASE("bench runner: a refused connection stops the run before it starts", "[bench]") {
    Options o;
    {
        LocalServer server;
        o.port = server.port();
    }  // nothing listens there now
    o.clients = 3;
    o.threads = 2;
    o.requests = 10;
    const RunResult r = run_benchmark(o, nullptr, {});
    CHECK(r.error.find("cannot connect to 127.0.0.1:" + std::to_string(o.port)) != std::string::npos);
    CHECK(r.stats.ops == 0);
}
