// PointerMap (a table's expiry times): random inserts, updates and erases
// agree with std::map at every step, including the backward shifts that
// close holes in probe runs and the rebuilds that grow and shrink it, and
// random() reaches every key.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <vector>

#include "storage/pointer_map.h"

using tierkv::storage::PointerMap;

namespace {

using Map = PointerMap<int, std::int64_t>;

void check_same(const Map& map, const std::map<int*, std::int64_t>& expected) {
    REQUIRE(map.size() == expected.size());
    std::map<int*, std::int64_t> listed;
    map.for_each([&](int& key, std::int64_t value) { listed.emplace(&key, value); });
    REQUIRE(listed == expected);
}

}  // namespace

TEST_CASE("pointer map: inserts, updates and erases match std::map through growth and shrinking", "[pointer_map]") {
    std::vector<int> keys(2000);
    Map map;
    std::map<int*, std::int64_t> expected;
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::size_t> pick(0, keys.size() - 1);
    // Fill up, churn, then drain: the map grows and shrinks several times.
    for (const int insert_percent : {90, 50, 10}) {
        for (int step = 0; step < 6000; ++step) {
            int* key = &keys[pick(rng)];
            const bool insert = static_cast<int>(rng() % 100) < insert_percent;
            if (insert) {
                const auto value = static_cast<std::int64_t>(rng() % 1000000);
                const bool is_new = expected.count(key) == 0;
                expected[key] = value;
                CHECK(map.insert_or_assign(key, value) == is_new);
            } else {
                CHECK(map.erase(key) == (expected.erase(key) == 1));
            }
            if (step % 500 == 0) check_same(map, expected);
        }
        check_same(map, expected);
        for (int& key : keys) {
            const auto it = expected.find(&key);
            const std::int64_t* found = map.find(&key);
            REQUIRE((found != nullptr) == (it != expected.end()));
            if (found) REQUIRE(*found == it->second);
        }
    }
    for (const auto& [key, value] : std::map<int*, std::int64_t>(expected)) REQUIRE(map.erase(key));
    CHECK(map.empty());
    CHECK_FALSE(map.erase(&keys[0]));
    CHECK(map.find(&keys[0]) == nullptr);
    std::mt19937_64 r(1);
    CHECK(map.random(r) == nullptr);
}

TEST_CASE("pointer map: random() picks every key about equally often", "[pointer_map]") {
    std::vector<int> keys(64);
    Map map;
    for (int& key : keys) map.insert_or_assign(&key, 1);
    // Erasing most of them leaves keys in runs and behind gaps alike.
    for (std::size_t i = 0; i < keys.size(); i += 2) map.erase(&keys[i]);
    std::map<int*, int> seen;
    std::mt19937_64 rng(3);
    constexpr int kDraws = 32000;
    for (int i = 0; i < kDraws; ++i) ++seen[map.random(rng)];
    REQUIRE(seen.size() == keys.size() / 2);
    for (const auto& [key, count] : seen) {
        REQUIRE(map.contains(key));
        // 1000 expected per key; a fair draw stays well inside this.
        CHECK(count > 700);
        CHECK(count < 1300);
    }
}

TEST_CASE("pointer map: a moved-from map is empty", "[pointer_map]") {
    int a = 0;
    int b = 0;
    Map map;
    map.insert_or_assign(&a, 10);
    map.insert_or_assign(&b, 20);
    Map moved = std::move(map);
    CHECK(moved.size() == 2);
    CHECK(*moved.find(&b) == 20);
    CHECK(map.size() == 0);  // NOLINT(bugprone-use-after-move)
    std::mt19937_64 rng(1);
    CHECK(map.random(rng) == nullptr);
    CHECK(map.insert_or_assign(&a, 30));
    CHECK(*map.find(&a) == 30);
}
