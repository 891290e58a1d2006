// NodePool (table nodes in 8-byte size steps): slots are distinct, sized
// and aligned as asked, survive churn with their contents intact, and every
// page goes back once its slots do.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <utility>
#include <vector>

#include "storage/node_pool.h"

using tierkv::storage::NodePool;

namespace {

struct Held {
    char* slot;
    std::size_t bytes;
    unsigned char fill;
};

void check_contents(const Held& h) {
    for (std::size_t i = 0; i < h.bytes; ++i) REQUIRE(static_cast<unsigned char>(h.slot[i]) == h.fill);
}

}  // namespace

TEST_CASE("node pool: slots are rounded to 8 bytes, aligned, and keep their bytes through churn", "[node_pool]") {
    NodePool pool;
    std::mt19937_64 rng(11);
    std::uniform_int_distribution<std::size_t> size(1, NodePool::kMaxSlot);
    std::vector<Held> held;
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 3000; ++i) {
            const std::size_t bytes = size(rng);
            auto* slot = static_cast<char*>(pool.allocate(bytes));
            REQUIRE(reinterpret_cast<std::uintptr_t>(slot) % 8 == 0);
            REQUIRE(NodePool::slot_size(slot) == (bytes + 7) / 8 * 8);
            const auto fill = static_cast<unsigned char>(rng());
            std::memset(slot, fill, bytes);
            held.push_back(Held{slot, bytes, fill});
        }
        // Free a random half: later slots reuse the holes.
        std::shuffle(held.begin(), held.end(), rng);
        for (std::size_t i = held.size() / 2; i < held.size(); ++i) {
            check_contents(held[i]);
            NodePool::deallocate(held[i].slot);
        }
        held.resize(held.size() / 2);
        for (const Held& h : held) check_contents(h);
    }
    // No two live slots overlap.
    std::map<char*, std::size_t> by_address;
    for (const Held& h : held) by_address.emplace(h.slot, NodePool::slot_size(h.slot));
    REQUIRE(by_address.size() == held.size());
    for (auto it = by_address.begin(); std::next(it) != by_address.end(); ++it) {
        REQUIRE(it->first + it->second <= std::next(it)->first);
    }
    CHECK(pool.pages() > 0);
    for (const Held& h : held) NodePool::deallocate(h.slot);
    CHECK(pool.pages() == 0);
}

TEST_CASE("node pool: 152-byte slots fill a page before another is taken", "[node_pool]") {
    NodePool pool;
    std::vector<void*> slots;
    const std::size_t per_page = NodePool::slots_per_page(152);
    CHECK(per_page == (NodePool::kPageBytes - 64) / 152);
    for (std::size_t i = 0; i < per_page; ++i) slots.push_back(pool.allocate(148));
    CHECK(pool.pages() == 1);
    slots.push_back(pool.allocate(150));
    CHECK(pool.pages() == 2);
    // A freed slot in the full first page is used again before a third page.
    NodePool::deallocate(slots[5]);
    void* again = pool.allocate(152);
    CHECK(again == slots[5]);
    slots[5] = again;
    CHECK(pool.pages() == 2);
    for (void* s : slots) NodePool::deallocate(s);
    CHECK(pool.pages() == 0);
}

TEST_CASE("node pool: a moved pool keeps its slots, which go back to it", "[node_pool]") {
    NodePool pool;
    std::vector<void*> slots;
    const std::size_t per_page = NodePool::slots_per_page(40);
    for (std::size_t i = 0; i < 2 * per_page + 10; ++i) slots.push_back(pool.allocate(40));
    NodePool moved = std::move(pool);
    CHECK(moved.pages() == 3);
    CHECK(pool.pages() == 0);   // NOLINT(bugprone-use-after-move)
    for (void* s : slots) NodePool::deallocate(s);
    CHECK(moved.pages() == 0);
    // The moved-from pool still works.
    void* s = pool.allocate(64);
    CHECK(pool.pages() == 1);
    NodePool::deallocate(s);
    CHECK(pool.pages() == 0);
}
