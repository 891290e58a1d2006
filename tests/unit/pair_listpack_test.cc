// storage/types/pair_listpack: a small hash's encoding, checked against a
// plain vector of pairs through random changes, at every length boundary.
#include <catch2/catch.hpp>

#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "heap_meter.h"
#include "numbered.h"
#include "storage/memory.h"
#include "storage/node_pool.h"
#include "storage/types/pair_listpack.h"

using namespace tierkv::storage;
using tierkv::test::measure_heap;
using tierkv::test::numbered;

namespace {

using Model = std::vector<std::pair<std::string, std::string>>;

Model walk(const PairListpack& lp) {
    Model out;
    for (PairListpack::Pos p = lp.begin(); p < lp.end(); p = lp.next(p)) {
        const PairListpack::Pair pair = lp.at(p);
        out.emplace_back(pair.field, pair.value);
    }
    return out;
}

std::size_t encoded_bytes(const Model& model) {
    std::size_t bytes = 0;
    for (const auto& [field, value] : model) bytes += PairListpack::pair_bytes(field.size(), value.size());
    return bytes;
}

// Everything a reader can see must agree with the model.
void check_matches(const PairListpack& lp, const Model& model) {
    REQUIRE(walk(lp) == model);
    CHECK(lp.size() == model.size());
    CHECK(lp.bytes() == encoded_bytes(model));
    for (std::size_t i = 0; i < model.size(); ++i) {
        const PairListpack::Pos p = lp.seek(i);
        CHECK(lp.find(model[i].first) == p);
        CHECK(lp.at(p).value == model[i].second);
    }
}

}  // namespace

TEST_CASE("pair listpack: both lengths share one byte up to 14, longer ones add a varint") {
    CHECK(PairListpack::pair_bytes(0, 0) == 1);
    CHECK(PairListpack::pair_bytes(6, 7) == 1 + 13);
    CHECK(PairListpack::pair_bytes(14, 14) == 1 + 28);
    CHECK(PairListpack::pair_bytes(15, 0) == 2 + 15);
    CHECK(PairListpack::pair_bytes(0, 15) == 2 + 15);
    CHECK(PairListpack::pair_bytes(127, 128) == 1 + 1 + 2 + 255);
    CHECK(PairListpack::pair_bytes(20000, 3) == 1 + 3 + 20003);
    // The benchmark's hash: 10 fields "field0".."field9" with values
    // "value-0".."value-9" take 140 bytes and a 4-byte header.
    PairListpack lp;
    for (int i = 0; i < 10; ++i) lp.push_back(numbered("field", i), numbered("value-", i));
    CHECK(lp.bytes() == 140);
    CHECK(lp.heap_bytes() == allocation_size(144));
}

TEST_CASE("pair listpack: random pushes, value changes and erases at every length boundary match a model") {
    std::mt19937_64 rng(11);
    // Around the nibble limit (14/15) and the varint boundary (127/128).
    const std::vector<std::size_t> lengths = {0, 1, 13, 14, 15, 16, 126, 127, 128, 129, 300};
    auto pick = [&] { return lengths[rng() % lengths.size()]; };
    PairListpack lp;
    Model model;
    for (int step = 0; step < 3000; ++step) {
        const std::size_t op = rng() % 10;
        // At most 150 pairs, well within kMaxBytes.
        if (model.empty() || (op < 4 && model.size() < 150)) {
            // A new field: its number, padded to a chosen length.
            std::string field = numbered("f", step);
            field.resize(std::max(pick(), field.size()), 'x');
            const std::string value(pick(), static_cast<char>('a' + step % 26));
            lp.push_back(field, value);
            model.emplace_back(field, value);
        } else if (op < 8) {
            const std::size_t i = rng() % model.size();
            const std::string value(pick(), static_cast<char>('A' + step % 26));
            lp.set_value(lp.find(model[i].first), value);
            model[i].second = value;
        } else {
            const std::size_t i = rng() % model.size();
            lp.erase(lp.find(model[i].first));
            model.erase(model.begin() + static_cast<std::ptrdiff_t>(i));
        }
        if (step % 50 == 0 || model.size() < 3) check_matches(lp, model);
    }
    check_matches(lp, model);
    CHECK(lp.find("absent") == lp.end());
}

TEST_CASE("pair listpack: a value change moves the field with a head that grows or shrinks") {
    // The head of ("field", v) is 1 byte while v is shorter than 15, 2 up
    // to 127, 3 from 128: each change below resizes it and the tail after.
    PairListpack lp;
    lp.push_back("before", "1");
    lp.push_back("field", "v");
    lp.push_back("after", "2");
    Model model = {{"before", "1"}, {"field", "v"}, {"after", "2"}};
    for (std::size_t len : {200, 0, 15, 14, 128, 127, 1, 300, 5}) {
        model[1].second.assign(len, 'z');
        lp.set_value(lp.find("field"), model[1].second);
        check_matches(lp, model);
    }
}

TEST_CASE("pair listpack: one pointer, deep copies, moves empty the source, an emptied listpack holds no block") {
    STATIC_REQUIRE(sizeof(PairListpack) == sizeof(void*));
    PairListpack lp;
    CHECK(lp.heap_bytes() == 0);
    Model model;
    for (int i = 0; i < 20; ++i) {
        lp.push_back(numbered("f", i), numbered("v", i));
        model.emplace_back(numbered("f", i), numbered("v", i));
    }
    PairListpack copy = lp;
    lp.set_value(lp.begin(), "changed");
    lp.erase(lp.next(lp.begin()));
    check_matches(copy, model);

    PairListpack moved = std::move(copy);
    check_matches(moved, model);
    CHECK(copy.empty());  // NOLINT(bugprone-use-after-move): a moved-from listpack is empty
    CHECK(copy.heap_bytes() == 0);
    PairListpack& alias = moved;
    moved = alias;  // self-assignment keeps the pairs
    check_matches(moved, model);

    while (!moved.empty()) moved.erase(moved.begin());
    CHECK(moved.heap_bytes() == 0);
    CHECK(moved.begin() == moved.end());
    moved.push_back("again", "1");  // an emptied listpack takes a new block
    check_matches(moved, {{"again", "1"}});
}

TEST_CASE("pair listpack: heap_bytes is what the allocator holds, and shrinks after mass erases") {
    auto [used, counted] = measure_heap<PairListpack>([](PairListpack& lp) {
        for (int i = 0; i < 500; ++i) lp.push_back(numbered("field", i), std::string(i % 40, 'z'));
    });
    CHECK(counted == used);
    PairListpack lp;
    for (int i = 0; i < 1000; ++i) lp.push_back(numbered("f", i), std::string(40, 'q'));
    const std::size_t full = lp.heap_bytes();
    while (lp.size() > 10) lp.erase(lp.begin());
    CHECK(lp.heap_bytes() < full / 4);
}

TEST_CASE("pair listpack: a pair that would pass kMaxBytes throws and changes nothing") {
    PairListpack lp;
    const std::string big(30000, 'b');
    lp.push_back("a", big);
    lp.push_back("b", big);
    const Model before = walk(lp);
    CHECK_THROWS_AS(lp.push_back("c", big), std::length_error);
    CHECK_THROWS_AS(lp.set_value(lp.begin(), std::string(40000, 'c')), std::length_error);
    check_matches(lp, before);
}

TEST_CASE("pair listpack: a block moved into a pool slot keeps its pairs, leaves the slot to grow, and frees it") {
    NodePool pool(0);
    PairListpack lp;
    Model model;
    for (int i = 0; i < 10; ++i) {
        lp.push_back(numbered("field", i), numbered("value-", i));
        model.emplace_back(numbered("field", i), numbered("value-", i));
    }
    PairListpack::Block& block = lp.block();
    REQUIRE(block.footprint() == 4 + lp.bytes());
    CHECK(block.footprint() == 144);  // bench/compare.py's 10-field hash
    block.move_to(pool.allocate(block.footprint()), true);
    CHECK(block.pooled());
    CHECK(lp.heap_bytes() == 144);  // jemalloc would give it 160
    CHECK(pool.pages() == 1);
    check_matches(lp, model);

    // Changes within the slot stay in it; a copy is an ordinary block.
    lp.set_value(lp.begin(), "value-X");  // same size
    model[0].second = "value-X";
    lp.erase(lp.next(lp.begin()));
    model.erase(model.begin() + 1);
    CHECK(block.pooled());
    check_matches(lp, model);
    const PairListpack copy = lp;
    CHECK_FALSE(copy.block().pooled());
    check_matches(copy, model);

    // Growing past the slot moves the pairs to malloc and frees the slot
    // (its page with it, the only slot in use).
    lp.push_back("a-longer-field", std::string(100, 'v'));
    model.emplace_back("a-longer-field", std::string(100, 'v'));
    CHECK_FALSE(block.pooled());
    CHECK(pool.pages() == 0);
    check_matches(lp, model);

    // Emptying a pooled block gives its slot back.
    block.move_to(pool.allocate(block.footprint()), true);
    CHECK(pool.pages() == 1);
    while (!lp.empty()) lp.erase(lp.begin());
    CHECK(lp.heap_bytes() == 0);
    CHECK(pool.pages() == 0);
}

TEST_CASE("pair listpack: moving a listpack moves its pool slot, and destroying it frees the slot") {
    NodePool pool(0);
    {
        PairListpack lp;
        lp.push_back("f", "v");
        lp.block().move_to(pool.allocate(lp.block().footprint()), true);
        PairListpack moved = std::move(lp);
        CHECK(moved.block().pooled());
        CHECK(moved.at(moved.begin()).value == "v");
        CHECK(pool.pages() == 1);
    }
    CHECK(pool.pages() == 0);
}
