// storage/types/zset_value: order, ranks and ranges against a std::set
// model in both encodings, listpack -> skiplist conversions at the limits,
// and a heap count that matches the allocator.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "heap_meter.h"
#include "numbered.h"
#include "storage/types/zset_value.h"

using namespace tierkv::storage;
using tierkv::test::measure_heap;
using tierkv::test::numbered;

namespace {

using Model = std::set<std::pair<double, std::string>>;

std::vector<std::pair<double, std::string>> contents(const ZSetValue& z) {
    std::vector<std::pair<double, std::string>> out;
    z.for_each([&](std::string_view m, double s) { out.emplace_back(s, std::string(m)); });
    return out;
}

const EncodingLimits kDefaults;

EncodingLimits limits(std::size_t entries, std::size_t value = 64) {
    EncodingLimits l;
    l.zset_max_listpack_entries = entries;
    l.zset_max_listpack_value = value;
    return l;
}

// Random adds, score changes and removals, checked against the model after
// each step: contents, size, scores, ranks, rank walks both ways, and
// score-range boundaries via count_while.
void run_against_model(const EncodingLimits& l, int steps, int universe) {
    std::mt19937_64 rng(42);
    ZSetValue z;
    Model model;
    std::map<std::string, double> scores;
    for (int step = 0; step < steps; ++step) {
        const std::string member = numbered("m", static_cast<long long>(rng() % universe));
        const double score = static_cast<double>(static_cast<int>(rng() % 50)) / 2.0;
        if (rng() % 4 == 0) {
            const bool present = scores.count(member) != 0;
            CHECK(z.erase(member) == present);
            if (present) {
                model.erase({scores[member], member});
                scores.erase(member);
            }
        } else {
            const bool fresh = scores.count(member) == 0;
            CHECK(z.set(member, score, l) == fresh);
            if (!fresh) model.erase({scores[member], member});
            model.insert({score, member});
            scores[member] = score;
        }
        if (step % 50 != 0 && step != steps - 1) continue;
        REQUIRE(z.size() == model.size());
        const std::vector<std::pair<double, std::string>> expected(model.begin(), model.end());
        REQUIRE(contents(z) == expected);
        for (std::size_t r = 0; r < expected.size(); ++r) {
            CHECK(z.rank(expected[r].second) == r);
            CHECK(z.score(expected[r].second) == expected[r].first);
        }
        CHECK_FALSE(z.rank("absent").has_value());
        // Walks from a rank, forwards and backwards.
        if (!expected.empty()) {
            const std::size_t from = rng() % expected.size();
            std::vector<std::string> fwd, back;
            z.visit_ranks(from, expected.size() - from, false, [&](std::string_view m, double) { fwd.emplace_back(m); });
            z.visit_ranks(from, from + 1, true, [&](std::string_view m, double) { back.emplace_back(m); });
            REQUIRE(fwd.size() == expected.size() - from);
            REQUIRE(back.size() == from + 1);
            for (std::size_t i = 0; i < fwd.size(); ++i) CHECK(fwd[i] == expected[from + i].second);
            for (std::size_t i = 0; i < back.size(); ++i) CHECK(back[i] == expected[from - i].second);
        }
        // Score boundaries: elements below a score, at or below it.
        for (double s : {-1.0, 0.0, 3.5, 12.0, 30.0}) {
            const std::size_t below = z.count_while([&](double x, std::string_view) { return x < s; });
            const std::size_t upto = z.count_while([&](double x, std::string_view) { return x <= s; });
            std::size_t m_below = 0, m_upto = 0;
            for (const auto& [x, m] : model) {
                m_below += x < s;
                m_upto += x <= s;
            }
            CHECK(below == m_below);
            CHECK(upto == m_upto);
        }
    }
}

}  // namespace

TEST_CASE("zset: order by score, then member bytes, updates move members") {
    ZSetValue z;
    CHECK(z.empty());
    CHECK(z.set("b", 1, kDefaults));
    CHECK(z.set("a", 1, kDefaults));
    CHECK(z.set("c", 0.5, kDefaults));
    CHECK(z.set("", 1, kDefaults));
    CHECK(z.set(std::string("\xff", 1), 1, kDefaults));  // bytes compare unsigned
    CHECK(z.set("ninf", -INFINITY, kDefaults));
    CHECK(z.set("pinf", INFINITY, kDefaults));
    CHECK_FALSE(z.set("c", 2, kDefaults));
    CHECK_FALSE(z.set("c", 2, kDefaults));
    using P = std::pair<double, std::string>;
    CHECK(contents(z) == std::vector<P>{{-INFINITY, "ninf"}, {1, ""}, {1, "a"}, {1, "b"},
                                        {1, std::string("\xff", 1)}, {2, "c"}, {INFINITY, "pinf"}});
    CHECK(z.rank("c") == 5u);
    CHECK(z.score("pinf") == INFINITY);
    CHECK(z.encoding() == ZSetValue::Encoding::kListpack);
}

TEST_CASE("zset: matches a std::set model as a listpack") { run_against_model(kDefaults, 2000, 60); }

TEST_CASE("zset: matches a std::set model as a skiplist") { run_against_model(limits(8), 6000, 700); }

TEST_CASE("zset: becomes a skiplist past zset-max-listpack-entries, not before") {
    const EncodingLimits l = limits(16, 10);
    ZSetValue z;
    for (int i = 0; i < 16; ++i) z.set(numbered("m", i), i, l);
    CHECK(z.encoding() == ZSetValue::Encoding::kListpack);
    z.set("m0", 100, l);  // an update adds nothing
    CHECK(z.encoding() == ZSetValue::Encoding::kListpack);
    z.set("one-more", 0, l);
    CHECK(z.encoding() == ZSetValue::Encoding::kSkiplist);
    CHECK(z.size() == 17);
    CHECK(z.rank("one-more") == 0u);
    CHECK(z.rank("m0") == 16u);
    while (z.size() > 1) z.erase(std::string(contents(z).front().second));
    CHECK(z.encoding() == ZSetValue::Encoding::kSkiplist);  // never converts back
}

TEST_CASE("zset: a member longer than zset-max-listpack-value converts") {
    const EncodingLimits l = limits(128, 10);
    ZSetValue z;
    z.set(std::string(10, 'x'), 1, l);
    CHECK(z.encoding() == ZSetValue::Encoding::kListpack);
    z.set(std::string(11, 'y'), 2, l);
    CHECK(z.encoding() == ZSetValue::Encoding::kSkiplist);
    CHECK(z.score(std::string(10, 'x')) == 1);
    ZSetValue none;
    none.set("a", 1, limits(0));
    CHECK(none.encoding() == ZSetValue::Encoding::kSkiplist);
}

TEST_CASE("zset: random elements cover the set") {
    for (std::size_t n : {5u, 300u}) {
        ZSetValue z;
        for (std::size_t i = 0; i < n; ++i) z.set(numbered("m", static_cast<long long>(i)), static_cast<double>(i), kDefaults);
        std::mt19937_64 rng(7);
        std::set<std::string> seen;
        for (int i = 0; i < 20000; ++i) {
            const auto e = z.random(rng);
            CHECK(z.score(e.member) == e.score);
            seen.emplace(e.member);
        }
        CHECK(seen.size() == n);
    }
}

TEST_CASE("zset: heap_bytes matches the allocator in both encodings, and grows and shrinks") {
    auto [small_used, small_counted] = measure_heap<ZSetValue>([](ZSetValue& z) {
        for (int i = 0; i < 100; ++i) z.set(numbered("member", i), i * 0.5, kDefaults);
        for (int i = 0; i < 100; i += 2) z.erase(numbered("member", i));
    });
    CHECK(small_counted == small_used);
    auto [big_used, big_counted] = measure_heap<ZSetValue>([](ZSetValue& z) {
        for (int i = 0; i < 5000; ++i) z.set(numbered("member", i) + std::string(i % 40, 'x'), i % 97, kDefaults);
        for (int i = 0; i < 5000; i += 2) z.erase(numbered("member", i) + std::string(i % 40, 'x'));
        for (int i = 1; i < 5000; i += 4) z.set(numbered("member", i) + std::string(i % 40, 'x'), -i, kDefaults);
    });
    CHECK(big_counted == big_used);

    ZSetValue z;
    std::size_t last = z.heap_bytes();
    for (int i = 0; i < 2000; ++i) {
        z.set(numbered("m", i), i, kDefaults);
        if (i % 100 == 99) {
            CHECK(z.heap_bytes() > last);
            last = z.heap_bytes();
        }
    }
    for (int i = 0; i < 1990; ++i) z.erase(numbered("m", i));
    CHECK(z.heap_bytes() < last / 10);
}

TEST_CASE("zset: a copy is deep, a move leaves the source usable to destroy") {
    ZSetValue z;
    for (int i = 0; i < 300; ++i) z.set(numbered("m", i), i, kDefaults);
    ZSetValue copy = z;
    CHECK(contents(copy) == contents(z));
    copy.erase("m1");
    CHECK(z.contains("m1"));
    ZSetValue moved = std::move(copy);
    CHECK(moved.size() == 299);
    CHECK(moved.rank("m2") == 1u);
}
