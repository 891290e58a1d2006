#include <catch2/catch.hpp>

#include <array>
#include <utility>

#include "storage/held_mutexes.h"

using tierkv::storage::HeldMutexes;
using tierkv::storage::ShardMutex;

namespace {
// True when nobody holds the mutex (takes and releases it to find out).
bool is_free(ShardMutex& m) {
    if (!m.try_lock()) return false;
    m.unlock();
    return true;
}
}  // namespace

TEST_CASE("held mutexes stay locked while held, in place and beyond, and are all released", "[keyspace]") {
    std::array<ShardMutex, 7> mutexes;
    {
        HeldMutexes held;
        for (auto& m : mutexes) held.lock(m);  // 4 kept in place, 3 in the vector
        CHECK(held.size() == mutexes.size());
        for (auto& m : mutexes) {
            CHECK(held.holds(m));
            CHECK_FALSE(is_free(m));
        }
        ShardMutex other;
        CHECK_FALSE(held.holds(other));

        HeldMutexes moved(std::move(held));
        CHECK(held.size() == 0);
        CHECK_FALSE(held.holds(mutexes[0]));
        CHECK(moved.holds(mutexes[6]));
        CHECK_FALSE(is_free(mutexes[6]));

        HeldMutexes assigned;
        ShardMutex lone;
        assigned.lock(lone);
        assigned = std::move(moved);  // lets go of `lone`, takes the seven
        CHECK(is_free(lone));
        CHECK(assigned.size() == mutexes.size());
        for (auto& m : mutexes) CHECK_FALSE(is_free(m));
    }
    for (auto& m : mutexes) CHECK(is_free(m));
}
