// storage/types building blocks: the listpack, the intset and the dict.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "heap_meter.h"
#include "numbered.h"
#include "storage/types/dict.h"
#include "storage/types/intset.h"
#include "storage/types/listpack.h"

using namespace tierkv::storage;
using tierkv::test::measure_heap;
using tierkv::test::numbered;

namespace {

std::vector<std::string> forward(const Listpack& lp) {
    std::vector<std::string> out;
    for (Listpack::Pos p = lp.begin(); p < lp.end(); p = lp.next(p)) out.emplace_back(lp.at(p));
    return out;
}

std::vector<std::string> backward(const Listpack& lp) {
    std::vector<std::string> out;
    for (Listpack::Pos p = lp.end(); p > lp.begin();) {
        p = lp.prev(p);
        out.emplace_back(lp.at(p));
    }
    std::reverse(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("listpack: entries of every length class walk forward and back") {
    Listpack lp;
    std::vector<std::string> model;
    // Lengths around the varint boundaries (127/128, 16383/16384) and empty.
    for (std::size_t len : {0, 1, 5, 126, 127, 128, 129, 300, 16382, 16383, 16384, 70000}) {
        const std::string value(len, static_cast<char>('a' + len % 26));
        lp.push_back(value);
        model.push_back(value);
        lp.push_front(std::to_string(len));
        model.insert(model.begin(), std::to_string(len));
    }
    REQUIRE(lp.size() == model.size());
    CHECK(forward(lp) == model);
    CHECK(backward(lp) == model);
    for (std::size_t i = 0; i < model.size(); ++i) CHECK(lp.at(lp.seek(i)) == model[i]);
    CHECK(lp.bytes() >= 70000 + 16384);
    std::size_t encoded = 0;
    for (const std::string& value : model) encoded += Listpack::entry_bytes(value.size());
    CHECK(lp.bytes() == encoded);
}

TEST_CASE("listpack: an entry is its length, its bytes and its size written backwards") {
    for (std::size_t len : {0, 7, 127, 128, 16384}) {
        const std::size_t body = len + (len < 128 ? 1 : len < 16384 ? 2 : 3);
        CHECK(Listpack::entry_bytes(len) == body + (body < 128 ? 1 : body < 16384 ? 2 : 3));
    }
}

TEST_CASE("listpack: insert, replace, erase, find, split and append keep entries in order") {
    Listpack lp;
    for (int i = 0; i < 10; ++i) lp.push_back(numbered("v", i));
    lp.insert(lp.seek(3), "new");
    lp.replace(lp.seek(0), std::string(200, 'x'));  // longer header than before
    lp.replace(lp.seek(1), "");
    lp.erase(lp.seek(5));
    std::vector<std::string> want = {std::string(200, 'x'), "", "v2", "new", "v3", "v5", "v6", "v7", "v8", "v9"};
    CHECK(forward(lp) == want);
    CHECK(backward(lp) == want);
    CHECK(lp.find("v7") == lp.seek(7));
    CHECK(lp.find("nope") == lp.end());
    // Step 2 looks only at even entries (the members of a sorted set).
    CHECK(lp.find("v2", lp.begin(), 2) == lp.seek(2));
    CHECK(lp.find("new", lp.begin(), 2) == lp.end());

    Listpack tail = lp.split(lp.seek(6));
    CHECK(lp.size() == 6);
    CHECK(tail.size() == 4);
    CHECK(forward(tail) == std::vector<std::string>(want.begin() + 6, want.end()));
    lp.append(tail);
    CHECK(forward(lp) == want);
    lp.erase(lp.seek(2), lp.seek(5), 3);
    CHECK(lp.size() == 7);
    CHECK(lp.at(lp.seek(2)) == "v5");
}

TEST_CASE("listpack: heap_bytes is what the allocator holds, and shrinks after mass erases") {
    auto [used, counted] = measure_heap<Listpack>([](Listpack& lp) {
        for (int i = 0; i < 1000; ++i) lp.push_back(std::string(i % 50, 'z'));
    });
    CHECK(counted == used);
    Listpack lp;
    for (int i = 0; i < 1000; ++i) lp.push_back(std::string(40, 'q'));
    const std::size_t full = lp.heap_bytes();
    while (lp.size() > 10) lp.erase(lp.begin());
    CHECK(lp.heap_bytes() < full / 4);
}

TEST_CASE("listpack: one pointer, copies are deep, moves empty the source, an emptied listpack holds no block") {
    STATIC_REQUIRE(sizeof(Listpack) == sizeof(void*));
    Listpack lp;
    CHECK(lp.heap_bytes() == 0);
    for (int i = 0; i < 20; ++i) lp.push_back(numbered("e", i));
    const std::vector<std::string> entries = forward(lp);

    Listpack copy = lp;
    lp.replace(lp.begin(), "changed");
    lp.erase(lp.next(lp.begin()));
    CHECK(forward(copy) == entries);
    CHECK(backward(copy) == entries);

    Listpack moved = std::move(copy);
    CHECK(forward(moved) == entries);
    CHECK(copy.empty());  // NOLINT(bugprone-use-after-move): a moved-from listpack is empty
    CHECK(copy.heap_bytes() == 0);

    Listpack& alias = moved;
    moved = alias;  // self-assignment keeps the entries
    CHECK(forward(moved) == entries);
    copy = moved;
    CHECK(forward(copy) == entries);

    while (!moved.empty()) moved.erase(moved.begin());
    CHECK(moved.heap_bytes() == 0);
    CHECK(moved.begin() == moved.end());
    moved.push_back("again");  // an emptied listpack takes a new block
    CHECK(forward(moved) == std::vector<std::string>{"again"});
    Listpack tail = moved.split(moved.begin());
    CHECK(moved.heap_bytes() == 0);
    CHECK(forward(tail) == std::vector<std::string>{"again"});
}

TEST_CASE("intset: sorted, distinct, widens for large values") {
    IntSet set;
    std::set<std::int64_t> model;
    std::mt19937_64 rng(7);
    for (int i = 0; i < 2000; ++i) {
        const auto v = static_cast<std::int64_t>(rng() % 1000) - 500;
        CHECK(set.insert(v) == model.insert(v).second);
    }
    const std::size_t narrow = set.heap_bytes();
    CHECK(set.size() == model.size());
    CHECK(set.insert(INT64_MIN));  // every element is now 8 bytes wide
    model.insert(INT64_MIN);
    CHECK(set.insert(INT64_MAX));
    model.insert(INT64_MAX);
    CHECK(set.heap_bytes() > 3 * narrow);
    std::size_t i = 0;
    for (std::int64_t v : model) CHECK(set.at(i++) == v);
    CHECK(set.contains(INT64_MIN));
    CHECK_FALSE(set.contains(12345));
    CHECK(set.erase(INT64_MAX));
    CHECK_FALSE(set.erase(INT64_MAX));
    CHECK(set.size() == model.size() - 1);
    auto [used, counted] = measure_heap<IntSet>([](IntSet& s) {
        for (int v = 0; v < 300; ++v) s.insert(v * 1000);
    });
    CHECK(counted == used);
}

TEST_CASE("dict: insert, update, erase, copies, and an exact heap count") {
    Dict<std::string> dict;
    for (int i = 0; i < 1000; ++i) CHECK(dict.insert(numbered("f", i), std::string(i % 40, 'v')));
    CHECK_FALSE(dict.insert("f1", "other"));
    CHECK(*dict.find("f1") == "v");
    dict.update("f1", [](std::string& v) { v.assign(100, 'w'); });
    CHECK(*dict.find("f1") == std::string(100, 'w'));
    Dict<std::string> copy = dict;
    for (int i = 0; i < 990; ++i) CHECK(dict.erase(numbered("f", i)));
    CHECK(dict.size() == 10);
    CHECK(copy.size() == 1000);
    CHECK(copy.find("f500") != nullptr);
    CHECK(copy.heap_bytes() > dict.heap_bytes());

    auto [used, counted] = measure_heap<Dict<std::string>>([](Dict<std::string>& d) {
        for (int i = 0; i < 3000; ++i) d.insert(numbered("field:", i), std::string(i % 100, 'x'));
        for (int i = 0; i < 3000; i += 3) d.erase(numbered("field:", i));
        for (int i = 1; i < 3000; i += 3) d.update(numbered("field:", i), [](std::string& v) { v.assign(70, 'y'); });
    });
    CHECK(counted == used);
    auto [set_used, set_counted] = measure_heap<Dict<NoValue>>([](Dict<NoValue>& d) {
        for (int i = 0; i < 500; ++i) d.insert(numbered("member-with-a-long-name:", i));
    });
    CHECK(set_counted == set_used);
}

TEST_CASE("dict: a scan visits every element present throughout, across resizes") {
    Dict<NoValue> dict;
    for (int i = 0; i < 500; ++i) dict.insert(numbered("m", i));
    std::set<std::string> seen;
    std::uint64_t cursor = 0;
    int step = 0;
    do {
        cursor = dict.scan(cursor, [&](std::string_view m, NoValue) { seen.emplace(m); });
        // Grow and shrink between steps; m0..m499 stay present.
        if (step == 3) {
            for (int i = 0; i < 5000; ++i) dict.insert(numbered("extra", i));
        }
        if (step == 20) {
            for (int i = 0; i < 5000; ++i) dict.erase(numbered("extra", i));
        }
        ++step;
    } while (cursor != 0);
    for (int i = 0; i < 500; ++i) CHECK(seen.count(numbered("m", i)) == 1);
}
