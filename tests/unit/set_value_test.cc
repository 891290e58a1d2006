// storage/types/set_value: intset -> listpack -> hashtable conversions at
// the limits, operations, random members and the heap count.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "heap_meter.h"
#include "numbered.h"
#include "storage/types/set_value.h"

using namespace tierkv::storage;
using tierkv::test::measure_heap;
using tierkv::test::numbered;
using Enc = SetValue::Encoding;

namespace {

std::vector<std::string> members(const SetValue& s) {
    std::vector<std::string> out;
    s.for_each([&](std::string_view m) { out.emplace_back(m); });
    return out;
}

const EncodingLimits kDefaults;

}  // namespace

TEST_CASE("set: integers stay an intset, sorted, only canonical integers count") {
    SetValue s;
    for (const char* m : {"5", "-3", "100000", "5", "0"}) s.add(m, kDefaults);
    CHECK(s.encoding() == Enc::kIntset);
    CHECK(members(s) == std::vector<std::string>{"-3", "0", "5", "100000"});
    CHECK(s.contains("5"));
    CHECK_FALSE(s.contains("05"));
    CHECK_FALSE(s.contains("+5"));
    CHECK(s.remove("-3"));
    CHECK_FALSE(s.remove("-3"));
    CHECK_FALSE(s.remove("x"));
    // "-0", "007" and " 1" are strings, not integers.
    for (const char* m : {"-0", "007", " 1"}) {
        SetValue t;
        t.add("1", kDefaults);
        t.add(m, kDefaults);
        CHECK(t.encoding() == Enc::kListpack);
        CHECK(t.size() == 2);
    }
}

TEST_CASE("set: intset -> listpack on a string member, listpack -> hashtable past its limits") {
    SetValue s;
    for (int i = 0; i < 10; ++i) s.add(std::to_string(i), kDefaults);
    s.add("a", kDefaults);
    CHECK(s.encoding() == Enc::kListpack);
    CHECK(s.size() == 11);
    CHECK(s.contains("3"));
    for (int i = 0; i < 117; ++i) s.add(numbered("m", i), kDefaults);
    CHECK(s.size() == 128);
    CHECK(s.encoding() == Enc::kListpack);
    s.add("one-more", kDefaults);
    CHECK(s.encoding() == Enc::kHashtable);
    CHECK(s.size() == 129);
    CHECK(s.contains("a"));
    CHECK(s.contains("9"));

    SetValue long_member;
    long_member.add("a", kDefaults);
    long_member.add(std::string(64, 'x'), kDefaults);
    CHECK(long_member.encoding() == Enc::kListpack);
    long_member.add(std::string(65, 'x'), kDefaults);
    CHECK(long_member.encoding() == Enc::kHashtable);

    // A string member into a full intset goes straight to a hash table.
    SetValue big_ints;
    for (int i = 0; i < 200; ++i) big_ints.add(std::to_string(i), kDefaults);
    big_ints.add("x", kDefaults);
    CHECK(big_ints.encoding() == Enc::kHashtable);
}

TEST_CASE("set: an intset past set-max-intset-entries converts") {
    EncodingLimits limits;
    limits.set_max_intset_entries = 100;
    SetValue s;
    for (int i = 0; i < 100; ++i) s.add(std::to_string(i), limits);
    CHECK(s.encoding() == Enc::kIntset);
    s.add("100", limits);
    CHECK(s.encoding() == Enc::kListpack);  // 101 <= set-max-listpack-entries
    limits.set_max_intset_entries = 512;
    SetValue t;
    for (int i = 0; i < 513; ++i) t.add(std::to_string(i), limits);
    CHECK(t.encoding() == Enc::kHashtable);
    CHECK(t.size() == 513);
    // With set-max-listpack-entries 0 sets behave as in Redis 7.0: intset or hashtable.
    limits.set_max_listpack_entries = 0;
    SetValue u;
    u.add("1", limits);
    u.add("a", limits);
    CHECK(u.encoding() == Enc::kHashtable);
}

TEST_CASE("set: random and pop_random draw present members, all of them eventually") {
    std::mt19937_64 rng(3);
    for (int variant = 0; variant < 3; ++variant) {
        SetValue s;
        const int n = variant == 2 ? 300 : 20;
        for (int i = 0; i < n; ++i) s.add(variant == 0 ? std::to_string(i) : numbered("m", i), kDefaults);
        std::set<std::string> seen;
        for (int i = 0; i < n * 50; ++i) {
            const std::string m = s.random(rng);
            CHECK(s.contains(m));
            seen.insert(m);
        }
        CHECK(seen.size() == static_cast<std::size_t>(n));
        std::set<std::string> popped;
        while (!s.empty()) popped.insert(s.pop_random(rng));
        CHECK(popped == seen);
    }
}

TEST_CASE("set: heap_bytes matches the allocator in every encoding") {
    auto [ints_used, ints_counted] = measure_heap<SetValue>([](SetValue& s) {
        for (int i = 0; i < 400; ++i) s.add(std::to_string(i * 7), kDefaults);
    });
    CHECK(ints_counted == ints_used);
    auto [lp_used, lp_counted] = measure_heap<SetValue>([](SetValue& s) {
        for (int i = 0; i < 100; ++i) s.add(numbered("member:", i), kDefaults);
        for (int i = 0; i < 100; i += 3) s.remove(numbered("member:", i));
    });
    CHECK(lp_counted == lp_used);
    auto [ht_used, ht_counted] = measure_heap<SetValue>([](SetValue& s) {
        for (int i = 0; i < 4000; ++i) s.add(numbered("a-longer-member-name:", i), kDefaults);
        for (int i = 0; i < 4000; i += 2) s.remove(numbered("a-longer-member-name:", i));
    });
    CHECK(ht_counted == ht_used);
}
