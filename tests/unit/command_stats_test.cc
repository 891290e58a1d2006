// Per-command counters (INFO commandstats / latencystats) and the slow log.
#include <catch2/catch.hpp>

#include <string_view>
#include <thread>
#include <vector>

#include "server/command_stats.h"
#include "server/slowlog.h"

using namespace tierkv::server;

TEST_CASE("latency buckets cover every value with at most 1/8 relative error") {
    std::size_t previous = 0;
    for (std::uint64_t ns : {0ull, 1ull, 15ull, 16ull, 17ull, 31ull, 32ull, 1000ull, 1001ull, 123456ull,
                             1'000'000'000ull, 1ull << 40}) {
        const std::size_t i = LatencyBuckets::index(ns);
        INFO("ns " << ns);
        CHECK(i >= previous);
        CHECK(i < LatencyBuckets::kCount);
        previous = i;
        const std::uint64_t upper = LatencyBuckets::upper_bound(i);
        CHECK(upper >= ns);
        CHECK(static_cast<double>(upper - ns) <= static_cast<double>(ns) / 8.0 + 1);
        if (i > 0) CHECK(LatencyBuckets::upper_bound(i - 1) < ns);
    }
    CHECK(LatencyBuckets::index(~0ull) == LatencyBuckets::kCount - 1);
    for (std::size_t i = 1; i < LatencyBuckets::kCount; ++i) {
        CHECK(LatencyBuckets::upper_bound(i) > LatencyBuckets::upper_bound(i - 1));
        CHECK(LatencyBuckets::index(LatencyBuckets::upper_bound(i)) == i);
    }
}

TEST_CASE("percentiles come from the buckets") {
    CommandTotals t;
    CHECK(t.percentile(50) == 0);
    for (int i = 0; i < 99; ++i) t.buckets[LatencyBuckets::index(1000)]++;
    t.buckets[LatencyBuckets::index(1'000'000)]++;
    CHECK(t.percentile(50) == LatencyBuckets::upper_bound(LatencyBuckets::index(1000)));
    CHECK(t.percentile(99) == LatencyBuckets::upper_bound(LatencyBuckets::index(1000)));
    CHECK(t.percentile(99.9) == LatencyBuckets::upper_bound(LatencyBuckets::index(1'000'000)));
}

TEST_CASE("command stats add up the threads and reset by generation") {
    CommandStats stats(4);
    auto work = [&] {
        for (int i = 0; i < 1000; ++i) stats.record_call(1, 500, i % 10 == 0);
        stats.record_rejected(2);
    };
    std::thread a(work), b(work);
    a.join();
    b.join();
    auto totals = stats.totals();
    CHECK(totals[1].calls == 2000);
    CHECK(totals[1].nanos == 2000 * 500);
    CHECK(totals[1].failed == 200);
    CHECK(totals[2].rejected == 2);
    CHECK(totals[0].calls == 0);
    CHECK(totals[1].percentile(50) >= 500);

    stats.record_error("-ERR unknown command 'x'\r\n");
    stats.record_error("WRONGTYPE Operation against a key");
    stats.record_error("-ERR syntax error\r\n");
    CHECK(stats.errors() == std::map<std::string, std::uint64_t>{{"ERR", 2}, {"WRONGTYPE", 1}});

    stats.reset();
    totals = stats.totals();
    CHECK(totals[1].calls == 0);  // the threads' blocks are stale: skipped
    CHECK(totals[2].rejected == 0);
    CHECK(stats.errors().empty());
    stats.record_call(3, 10, false);  // this thread's block starts over
    totals = stats.totals();
    CHECK(totals[3].calls == 1);
    CHECK(totals[1].calls == 0);
    stats.record_call(4, 10, false);  // out of range: ignored
}

TEST_CASE("slow log keeps arguments as Redis does") {
    std::vector<std::string_view> args = {"SET", "k", std::string_view("0123456789")};
    CHECK(SlowLog::kept_args(args) == std::vector<std::string>{"SET", "k", "0123456789"});

    const std::string long_value(200, 'x');
    args = {"SET", "k", long_value};
    CHECK(SlowLog::kept_args(args)[2] == std::string(128, 'x') + "... (72 more bytes)");

    std::vector<std::string> many;
    for (int i = 0; i < 40; ++i) many.push_back(std::string("a").append(std::to_string(i)));
    std::vector<std::string_view> many_views(many.begin(), many.end());
    auto kept = SlowLog::kept_args(many_views);
    REQUIRE(kept.size() == 32);
    CHECK(kept[30] == "a30");
    CHECK(kept[31] == "... (9 more arguments)");

    args = {"auth", "user", "pw"};
    CHECK(SlowLog::kept_args(args) == std::vector<std::string>{"auth", "(redacted)", "(redacted)"});
    args = {"HELLO", "3", "AUTH", "default", "pw", "SETNAME", "n"};
    CHECK(SlowLog::kept_args(args) ==
          std::vector<std::string>{"HELLO", "3", "AUTH", "(redacted)", "(redacted)", "SETNAME", "n"});
    args = {"config", "set", "maxclients", "5", "REQUIREPASS", "pw"};
    CHECK(SlowLog::kept_args(args) ==
          std::vector<std::string>{"config", "set", "maxclients", "5", "REQUIREPASS", "(redacted)"});
    args = {"ACL", "SETUSER", "alice", "on", ">pw"};
    CHECK(SlowLog::kept_args(args) ==
          std::vector<std::string>{"ACL", "SETUSER", "(redacted)", "(redacted)", "(redacted)"});
}

TEST_CASE("slow log is newest first, bounded, and ids go on after reset") {
    SlowLog log;
    for (int i = 0; i < 5; ++i) log.push(SlowLogEntry{.duration_us = i}, 3);
    CHECK(log.size() == 3);
    auto entries = log.newest(-1);
    REQUIRE(entries.size() == 3);
    CHECK(entries[0].id == 4);
    CHECK(entries[2].id == 2);
    CHECK(log.newest(1).size() == 1);
    CHECK(log.newest(0).empty());
    log.trim(1);
    CHECK(log.size() == 1);
    log.reset();
    CHECK(log.size() == 0);
    log.push(SlowLogEntry{}, 3);
    CHECK(log.newest(1)[0].id == 5);
    log.push(SlowLogEntry{}, 0);  // slowlog-max-len 0 keeps nothing
    CHECK(log.size() == 0);
}
