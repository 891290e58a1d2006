// storage/types/list_value: a quicklist of listpack chunks checked against
// a std::deque model, chunk fill limits, and the heap count.
#include <catch2/catch.hpp>

#include <deque>
#include <random>
#include <string>
#include <vector>

#include "heap_meter.h"
#include "numbered.h"
#include "storage/types/list_value.h"

using namespace tierkv::storage;
using tierkv::test::measure_heap;
using tierkv::test::numbered;

namespace {

std::vector<std::string> elements(const ListValue& l) {
    std::vector<std::string> out;
    l.for_each_from(0, [&](std::string_view v) {
        out.emplace_back(v);
        return true;
    });
    return out;
}

std::vector<std::string> as_vector(const std::deque<std::string>& d) { return {d.begin(), d.end()}; }

EncodingLimits fill(int n) {
    EncodingLimits limits;
    limits.list_max_listpack_size = n;
    return limits;
}

}  // namespace

TEST_CASE("list: pushes and pops at both ends") {
    ListValue l;
    const EncodingLimits limits;
    l.push_back("b", limits);
    l.push_front("a", limits);
    l.push_back("c", limits);
    CHECK(elements(l) == std::vector<std::string>{"a", "b", "c"});
    CHECK(l.pop_front() == "a");
    CHECK(l.pop_back() == "c");
    CHECK(l.pop_back() == "b");
    CHECK(l.empty());
    CHECK(l.chunk_count() == 0);
}

TEST_CASE("list: chunks hold list-max-listpack-size entries or bytes") {
    ListValue by_count;
    for (int i = 0; i < 100; ++i) by_count.push_back("x", fill(10));
    CHECK(by_count.chunk_count() == 10);
    ListValue by_bytes;
    for (int i = 0; i < 1000; ++i) by_bytes.push_back(std::string(98, 'v'), fill(-1));  // 100-byte entries, 4 KB chunks
    CHECK(by_bytes.chunk_count() == 25);
    ListValue default_fill;
    for (int i = 0; i < 1000; ++i) default_fill.push_front(std::string(98, 'v'), EncodingLimits{});
    CHECK(default_fill.chunk_count() == 13);  // 8 KB chunks: 81 entries each
    // An element larger than a chunk gets a chunk of its own.
    ListValue big;
    big.push_back("a", EncodingLimits{});
    big.push_back(std::string(20000, 'b'), EncodingLimits{});
    big.push_back("c", EncodingLimits{});
    CHECK(big.chunk_count() == 3);
    CHECK(big.at(1).size() == 20000);
}

TEST_CASE("list: random operations agree with a deque model, for several fills") {
    for (int f : {1, 3, 16, -1, -2}) {
        INFO("fill " << f);
        const EncodingLimits limits = fill(f);
        std::mt19937_64 rng(static_cast<unsigned>(f + 100));
        ListValue l;
        std::deque<std::string> model;
        for (int step = 0; step < 3000; ++step) {
            const std::string v = numbered("v", rng() % 40) + std::string(rng() % 3 == 0 ? 120 : 0, 'p');
            switch (rng() % 9) {
                case 0: l.push_front(v, limits); model.push_front(v); break;
                case 1: case 2: l.push_back(v, limits); model.push_back(v); break;
                case 3:
                    if (!model.empty()) {
                        REQUIRE(l.pop_front() == model.front());
                        model.pop_front();
                    }
                    break;
                case 4:
                    if (!model.empty()) {
                        REQUIRE(l.pop_back() == model.back());
                        model.pop_back();
                    }
                    break;
                case 5: {
                    const bool after = rng() % 2;
                    auto it = std::find(model.begin(), model.end(), v);
                    REQUIRE(l.insert(v, "ins", after, limits) == (it != model.end()));
                    if (it != model.end()) model.insert(after ? it + 1 : it, "ins");
                    break;
                }
                case 6:
                    if (!model.empty()) {
                        const std::size_t i = rng() % model.size();
                        l.set(i, v);
                        model[i] = v;
                    }
                    break;
                case 7: {
                    const std::size_t limit = rng() % 3;
                    const bool from_tail = rng() % 2;
                    std::size_t removed = 0;
                    if (!from_tail) {
                        for (auto it = model.begin(); it != model.end() && (limit == 0 || removed < limit);) {
                            if (*it == "ins") {
                                it = model.erase(it);
                                ++removed;
                            } else {
                                ++it;
                            }
                        }
                    } else {
                        for (std::size_t i = model.size(); i-- > 0 && (limit == 0 || removed < limit);) {
                            if (model[i] == "ins") {
                                model.erase(model.begin() + static_cast<std::ptrdiff_t>(i));
                                ++removed;
                            }
                        }
                    }
                    REQUIRE(l.remove("ins", limit, from_tail) == removed);
                    break;
                }
                case 8:
                    if (model.size() > 50 && rng() % 4 == 0) {
                        const std::size_t start = rng() % 10;
                        const std::size_t stop = model.size() - rng() % 10;
                        l.trim(start, stop);
                        model = std::deque<std::string>(model.begin() + static_cast<std::ptrdiff_t>(start),
                                                        model.begin() + static_cast<std::ptrdiff_t>(stop));
                    }
                    break;
            }
            REQUIRE(l.size() == model.size());
        }
        CHECK(elements(l) == as_vector(model));
        for (std::size_t i = 0; i < model.size(); i += 7) CHECK(l.at(i) == model[i]);
        std::vector<std::string> reversed;
        l.for_each_reverse([&](std::string_view v) {
            reversed.emplace_back(v);
            return true;
        });
        CHECK(std::equal(reversed.begin(), reversed.end(), model.rbegin(), model.rend()));
        l.trim(5, 2);
        CHECK(l.empty());
        CHECK(l.chunk_count() == 0);
    }
}

TEST_CASE("list: heap_bytes matches the allocator, grows with pushes and falls with trims") {
    auto [used, counted] = measure_heap<ListValue>([](ListValue& l) {
        for (int i = 0; i < 5000; ++i) l.push_back(numbered("element-", i), EncodingLimits{});
        for (int i = 0; i < 1000; ++i) l.push_front(numbered("front-", i), EncodingLimits{});
        for (int i = 0; i < 500; ++i) l.pop_back();
        l.insert("element-2500", "inserted", true, EncodingLimits{});
        l.remove("front-5", 0, false);
        l.trim(100, 4000);
    });
    CHECK(counted == used);
    ListValue l;
    for (int i = 0; i < 10000; ++i) l.push_back(std::string(50, 'x'), EncodingLimits{});
    const std::size_t full = l.heap_bytes();
    CHECK(full > 10000 * 50);
    l.trim(0, 100);
    CHECK(l.heap_bytes() < full / 20);
    ListValue copy = l;
    CHECK(copy.size() == 100);
    l.pop_back();
    CHECK(copy.size() == 100);
}
