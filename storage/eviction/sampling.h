// Victim choice by sampling, as Redis does it: look at a few keys (every key
// when there are no more than that) and take the one with the highest
// score. Used by the policies without a queue (LFU, random, volatile-*).
#pragma once

#include <cstdint>
#include <random>

#include "storage/table.h"

namespace tierkv::storage {

enum class SampleScope : bool { kAllKeys, kVolatile };

// `score(entry)` returns a number; higher means evict first.
template <typename Score>
Entry* pick_by_sampling(Table& table, SampleScope scope, std::mt19937_64& rng, int samples, Score score) {
    const std::size_t n = std::max(1, samples);
    Entry* best = nullptr;
    std::int64_t best_score = 0;
    auto consider = [&](Entry& e) {
        const std::int64_t s = score(e);
        if (!best || s > best_score) {
            best = &e;
            best_score = s;
        }
    };
    if (scope == SampleScope::kVolatile) {
        if (table.volatile_size() <= n) {
            table.for_each_volatile(consider);
        } else {
            for (std::size_t i = 0; i < n; ++i) consider(*table.random_volatile(rng));
        }
    } else if (table.size() <= n) {
        table.for_each([&](Entry& e) { consider(e); });
    } else {
        for (std::size_t i = 0; i < n; ++i) consider(*table.random_entry(rng));
    }
    return best;
}

}  // namespace tierkv::storage
