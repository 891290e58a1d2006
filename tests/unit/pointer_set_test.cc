// PointerSet (a table's keys with an expiry): random inserts and erases
// agree with std::set at every step, including the backward shifts that
// close holes in probe runs and the rebuilds that grow and shrink it, and
// random() reaches every member.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>
#include <vector>

#include "storage/pointer_set.h"

using tierkv::storage::PointerSet;

namespace {

void check_same(const PointerSet<int>& set, const std::set<int*>& expected) {
    REQUIRE(set.size() == expected.size());
    std::set<int*> listed;
    set.for_each([&](int& item) { listed.insert(&item); });
    REQUIRE(listed == expected);
}

}  // namespace

TEST_CASE("pointer set: inserts and erases match std::set through growth and shrinking", "[pointer_set]") {
    std::vector<int> items(2000);
    PointerSet<int> set;
    std::set<int*> expected;
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::size_t> pick(0, items.size() - 1);
    // Fill up, churn, then drain: the set grows and shrinks several times.
    for (const int insert_percent : {90, 50, 10}) {
        for (int step = 0; step < 6000; ++step) {
            int* item = &items[pick(rng)];
            const bool insert = static_cast<int>(rng() % 100) < insert_percent;
            if (insert) {
                CHECK(set.insert(item) == expected.insert(item).second);
            } else {
                CHECK(set.erase(item) == (expected.erase(item) == 1));
            }
            if (step % 500 == 0) check_same(set, expected);
        }
        check_same(set, expected);
        for (int& item : items) REQUIRE(set.contains(&item) == (expected.count(&item) == 1));
    }
    for (int* item : std::vector<int*>(expected.begin(), expected.end())) REQUIRE(set.erase(item));
    CHECK(set.empty());
    CHECK_FALSE(set.erase(&items[0]));
    std::mt19937_64 r(1);
    CHECK(set.random(r) == nullptr);
}

TEST_CASE("pointer set: random() picks every member about equally often", "[pointer_set]") {
    std::vector<int> items(64);
    PointerSet<int> set;
    for (int& item : items) set.insert(&item);
    // Erasing most of them leaves members in runs and behind gaps alike.
    for (std::size_t i = 0; i < items.size(); i += 2) set.erase(&items[i]);
    std::map<int*, int> seen;
    std::mt19937_64 rng(3);
    constexpr int kDraws = 32000;
    for (int i = 0; i < kDraws; ++i) ++seen[set.random(rng)];
    REQUIRE(seen.size() == items.size() / 2);
    for (const auto& [item, count] : seen) {
        REQUIRE(set.contains(item));
        // 1000 expected per member; a fair draw stays well inside this.
        CHECK(count > 700);
        CHECK(count < 1300);
    }
}

TEST_CASE("pointer set: a moved-from set is empty", "[pointer_set]") {
    int a = 0;
    int b = 0;
    PointerSet<int> set;
    set.insert(&a);
    set.insert(&b);
    PointerSet<int> moved = std::move(set);
    CHECK(moved.size() == 2);
    CHECK(set.size() == 0);  // NOLINT(bugprone-use-after-move)
    std::mt19937_64 rng(1);
    CHECK(set.random(rng) == nullptr);
    CHECK(set.insert(&a));
    CHECK(set.contains(&a));
}
