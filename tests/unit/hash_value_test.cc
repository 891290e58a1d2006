// storage/types/hash_value: operations, listpack -> hashtable conversions at
// the limits, and a heap count that matches the allocator.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <string>

#include "heap_meter.h"
#include "numbered.h"
#include "storage/types/hash_value.h"

using namespace tierkv::storage;
using tierkv::test::measure_heap;
using tierkv::test::numbered;

namespace {

std::map<std::string, std::string> contents(const HashValue& h) {
    std::map<std::string, std::string> out;
    h.for_each([&](std::string_view f, std::string_view v) { out.emplace(f, v); });
    return out;
}

const EncodingLimits kDefaults;

}  // namespace

TEST_CASE("hash: set, get, erase, and insertion order while a listpack") {
    HashValue h;
    CHECK(h.empty());
    CHECK(h.set("b", "1", kDefaults));
    CHECK(h.set("a", "2", kDefaults));
    CHECK_FALSE(h.set("b", "3", kDefaults));  // an update keeps the field's place
    CHECK(h.set("", "", kDefaults));
    CHECK(h.size() == 3);
    CHECK(h.get("b") == "3");
    CHECK(h.get("") == "");
    CHECK_FALSE(h.get("nope").has_value());
    // A value equal to a field name is not mistaken for a field.
    CHECK(h.set("x", "a", kDefaults));
    CHECK(h.get("a") == "2");
    std::vector<std::string> order;
    h.for_each([&](std::string_view f, std::string_view) { order.emplace_back(f); });
    CHECK(order == std::vector<std::string>{"b", "a", "", "x"});
    CHECK(h.erase("a"));
    CHECK_FALSE(h.erase("a"));
    CHECK(h.size() == 3);
    CHECK(h.encoding() == HashValue::Encoding::kListpack);
}

TEST_CASE("hash: becomes a hash table past hash-max-listpack-entries, not before") {
    EncodingLimits limits;
    limits.hash_max_listpack_entries = 16;
    HashValue h;
    for (int i = 0; i < 16; ++i) h.set(numbered("f", i), "v", limits);
    CHECK(h.encoding() == HashValue::Encoding::kListpack);
    h.set("f0", "updated", limits);  // updates do not count
    CHECK(h.encoding() == HashValue::Encoding::kListpack);
    h.set("f16", "v", limits);
    CHECK(h.encoding() == HashValue::Encoding::kHashtable);
    CHECK(h.size() == 17);
    CHECK(h.get("f0") == "updated");
    // Shrinking does not convert back, as in Redis.
    for (int i = 0; i < 16; ++i) h.erase(numbered("f", i));
    CHECK(h.encoding() == HashValue::Encoding::kHashtable);
    CHECK(contents(h) == std::map<std::string, std::string>{{"f16", "v"}});
}

TEST_CASE("hash: a field or value longer than hash-max-listpack-value converts") {
    for (bool long_field : {false, true}) {
        HashValue h;
        h.set("a", "1", kDefaults);
        const std::string at_limit(64, 'x');
        h.set(at_limit, at_limit, kDefaults);
        CHECK(h.encoding() == HashValue::Encoding::kListpack);
        const std::string over(65, 'y');
        h.set(long_field ? over : "b", long_field ? "2" : over, kDefaults);
        CHECK(h.encoding() == HashValue::Encoding::kHashtable);
        CHECK(h.size() == 3);
        CHECK(h.get("a") == "1");
        CHECK(h.get(at_limit) == at_limit);
    }
}

TEST_CASE("hash: a listpack that would pass its byte ceiling converts whole, by insert or by a longer value") {
    EncodingLimits limits;
    limits.hash_max_listpack_value = 1000;
    limits.listpack_max_bytes = 300;
    HashValue h;
    for (int i = 0; i < 4; ++i) CHECK(h.set(numbered("f", i), std::string(50, 'a'), limits));
    CHECK(h.encoding() == HashValue::Encoding::kListpack);  // 4 * (2 + 2 + 50) = 216 bytes
    // A longer value for f0: 216 + 104 would pass the ceiling.
    CHECK_FALSE(h.set("f0", std::string(100, 'b'), limits));
    CHECK(h.encoding() == HashValue::Encoding::kHashtable);
    CHECK(h.size() == 4);
    CHECK(h.get("f0") == std::string(100, 'b'));
    CHECK(h.get("f3") == std::string(50, 'a'));

    HashValue g;
    for (int i = 0; i < 5; ++i) CHECK(g.set(numbered("f", i), std::string(50, 'a'), limits));
    CHECK(g.encoding() == HashValue::Encoding::kListpack);  // 270 bytes
    CHECK(g.set("f5", std::string(50, 'a'), limits));      // 270 + 54 would pass 300
    CHECK(g.encoding() == HashValue::Encoding::kHashtable);
    CHECK(g.size() == 6);
    CHECK(g.get("f4") == std::string(50, 'a'));
}

TEST_CASE("hash: a listpack converts before it passes 64 KiB, whatever the settings allow") {
    EncodingLimits limits;
    limits.hash_max_listpack_value = 10000;
    limits.hash_max_listpack_entries = 10000;
    HashValue h;
    const std::string value(1000, 'v');
    int i = 0;
    for (; h.encoding() == HashValue::Encoding::kListpack; ++i) {
        REQUIRE(i < 100);
        CHECK(h.set(numbered("f", i), value, limits));
    }
    // A pair takes 1,005 or 1,006 bytes: the 66th would pass 65,535.
    CHECK(i == 66);
    CHECK(h.size() == 66);
    for (int j = 0; j < i; ++j) CHECK(h.get(numbered("f", j)) == value);
}

TEST_CASE("hash: random picks only present fields, and reaches all of them") {
    std::mt19937_64 rng(1);
    for (std::size_t n : {5, 300}) {
        HashValue h;
        for (std::size_t i = 0; i < n; ++i) h.set(numbered("f", i), numbered("v", i), kDefaults);
        std::map<std::string, int> hits;
        for (std::size_t i = 0; i < n * 50; ++i) {
            const auto pair = h.random(rng);
            CHECK(h.get(pair.field) == pair.value);
            ++hits[std::string(pair.field)];
        }
        CHECK(hits.size() == n);
    }
}

TEST_CASE("hash: heap_bytes matches the allocator in both encodings, and grows and shrinks") {
    auto [small_used, small_counted] = measure_heap<HashValue>([](HashValue& h) {
        for (int i = 0; i < 100; ++i) h.set(numbered("field", i), std::string(i % 60, 'v'), kDefaults);
        for (int i = 0; i < 100; i += 2) h.erase(numbered("field", i));
    });
    CHECK(small_counted == small_used);
    auto [big_used, big_counted] = measure_heap<HashValue>([](HashValue& h) {
        for (int i = 0; i < 5000; ++i) h.set(numbered("field", i), std::string(i % 90, 'v'), kDefaults);
        for (int i = 0; i < 5000; i += 2) h.erase(numbered("field", i));
        for (int i = 1; i < 5000; i += 4) h.set(numbered("field", i), std::string(200, 'w'), kDefaults);
    });
    CHECK(big_counted == big_used);

    HashValue h;
    std::size_t last = h.heap_bytes();
    for (int i = 0; i < 2000; ++i) {
        h.set(numbered("f", i), std::string(30, 'v'), kDefaults);
        if (i % 100 == 99) {
            CHECK(h.heap_bytes() > last);
            last = h.heap_bytes();
        }
    }
    for (int i = 0; i < 1990; ++i) h.erase(numbered("f", i));
    CHECK(h.heap_bytes() < last / 10);
}

TEST_CASE("hash: a copy is deep") {
    HashValue h;
    for (int i = 0; i < 200; ++i) h.set(numbered("f", i), "v", kDefaults);
    HashValue copy = h;
    h.set("f0", "changed", kDefaults);
    h.erase("f1");
    CHECK(copy.get("f0") == "v");
    CHECK(copy.get("f1") == "v");
    CHECK(copy.size() == 200);
}

TEST_CASE("hash: a small (listpack) hash copies deeply and moves") {
    HashValue h;
    for (int i = 0; i < 5; ++i) h.set(numbered("f", i), "v", kDefaults);
    REQUIRE(h.encoding() == HashValue::Encoding::kListpack);
    HashValue copy = h;
    h.set("f0", "changed", kDefaults);
    h.erase("f1");
    CHECK(copy.get("f0") == "v");
    CHECK(copy.get("f1") == "v");
    CHECK(copy.size() == 5);
    HashValue moved = std::move(copy);
    CHECK(moved.size() == 5);
    CHECK(moved.get("f4") == "v");
    copy = h;  // assigning over a moved-from hash
    CHECK(copy.get("f0") == "changed");
    CHECK(copy.size() == 4);
}

TEST_CASE("hash: a hash table moves, and a moved-from hash is an empty listpack that takes fields again") {
    HashValue h;
    for (int i = 0; i < 300; ++i) h.set(numbered("f", i), "v", kDefaults);
    REQUIRE(h.encoding() == HashValue::Encoding::kHashtable);
    HashValue moved = std::move(h);
    CHECK(moved.encoding() == HashValue::Encoding::kHashtable);
    CHECK(moved.size() == 300);
    CHECK(h.encoding() == HashValue::Encoding::kListpack);  // NOLINT(bugprone-use-after-move)
    CHECK(h.empty());
    h.set("again", "yes", kDefaults);
    CHECK(h.get("again") == "yes");
    HashValue small;
    small.set("a", "1", kDefaults);
    small = std::move(moved);  // a listpack replaced by a hash table
    CHECK(small.size() == 300);
    moved = HashValue(h);  // the moved-from hash takes a copy of a listpack
    CHECK(moved.get("again") == "yes");
    CHECK(contents(small).size() == 300);
}
