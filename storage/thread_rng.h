// This thread's generator for random picks (RANDOMKEY, eviction's second
// shard, the tier's random key): one per thread, so the picks take no lock.
#pragma once

#include <random>

namespace tierkv::storage {

inline std::mt19937_64& thread_rng() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    return rng;
}

}  // namespace tierkv::storage
