#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_set>
#include <vector>

#include "storage/key_hash.h"

using tierkv::storage::key_hash;
using tierkv::storage::random_hash_seed;

namespace {
// Largest bin over the mean when `count` keys fall into `bins` by `pick`.
template <class Pick>
double worst_bin(std::size_t count, std::size_t bins, Pick pick, const std::string& prefix, std::uint64_t seed) {
    std::vector<std::size_t> hits(bins, 0);
    for (std::size_t i = 0; i < count; ++i) ++hits[pick(key_hash(prefix + std::to_string(i), seed)) % bins];
    const double mean = static_cast<double>(count) / static_cast<double>(bins);
    return static_cast<double>(*std::max_element(hits.begin(), hits.end())) / mean;
}

// Fixed seeds, so a spread that passes once always passes (a random one
// would now and then give a bin past the bound by chance).
const std::uint64_t kSeeds[] = {0, 0x0123456789abcdefull, 0xf00dfeedcafe1234ull};
}  // namespace

TEST_CASE("key hash spreads sequential keys over buckets (low bits) and shards (high bits)", "[key_hash]") {
    for (std::uint64_t seed : kSeeds) {
        // Prefixes giving keys of 1-7, 8-16, 17-32 and over 32 bytes: every branch.
        for (const std::string prefix : {"", "key:", "key:0000", "user:session:00000000:",
                                         "https://example.com/some/long/path?id="}) {
            CAPTURE(seed, prefix);
            // 200 keys per bin: a fair spread stays well under 1.3x the mean.
            CHECK(worst_bin(204800, 1024, [](std::uint64_t h) { return h; }, prefix, seed) < 1.3);
            CHECK(worst_bin(12800, 64, [](std::uint64_t h) { return h >> 58; }, prefix, seed) < 1.3);
        }
    }
}

TEST_CASE("key hash tells apart keys that differ in one byte or only in length", "[key_hash]") {
    std::vector<std::string> keys;
    for (std::size_t n = 0; n <= 40; ++n) {
        keys.push_back(std::string(n, 'a'));
        if (n > 0) keys.push_back(std::string(n, '\0'));  // "" is already there
        for (std::size_t at = 0; at < n; ++at) {
            std::string k(n, 'a');
            k[at] = 'b';
            keys.push_back(k);
        }
    }
    for (std::uint64_t seed : kSeeds) {
        CAPTURE(seed);
        std::unordered_set<std::uint64_t> seen;
        for (const std::string& k : keys) CHECK(seen.insert(key_hash(k, seed)).second);
        CHECK(key_hash("same", seed) == key_hash(std::string("same"), seed));
    }
}

TEST_CASE("keys with 8 bytes that cancel a secret constant still differ", "[key_hash]") {
    // An 8-byte word equal to the seeded first constant zeroes that
    // multiply; the rest of the key, and a long key's earlier rounds, must
    // still count.
    for (std::uint64_t seed : kSeeds) {
        CAPTURE(seed);
        const std::uint64_t s0 = 0x9e3779b97f4a7c15ull ^ seed;
        std::string cancel(8, '\0');
        std::memcpy(cancel.data(), &s0, 8);
        std::unordered_set<std::uint64_t> seen;
        for (int i = 0; i < 1000; ++i) {
            CHECK(seen.insert(key_hash(cancel + std::to_string(i), seed)).second);  // 9-12 bytes
            // 40+ bytes: the cancelling word opens the second round.
            const std::string prefix = std::to_string(i) + std::string(16 - std::to_string(i).size(), '.');
            CHECK(seen.insert(key_hash(prefix + cancel + "12345678" + "the last sixteen", seed)).second);
        }
    }
}

TEST_CASE("keys that share a bucket under one seed spread out under another", "[key_hash]") {
    // What a client could do if it knew the seed: pick keys that all land
    // in bucket 0 of 1024. Under another seed (a keyspace's secret one)
    // they spread.
    constexpr std::uint64_t kBuckets = 1024;
    for (const std::string prefix : {"k", "a-key-longer-than-sixteen-bytes:"}) {
        CAPTURE(prefix);
        std::vector<std::string> crafted;
        for (std::uint64_t i = 0; crafted.size() < 300; ++i) {
            std::string k = prefix + std::to_string(i);
            if (key_hash(k, 0) % kBuckets == 0) crafted.push_back(std::move(k));
        }
        std::vector<int> hits(kBuckets, 0);
        for (const std::string& k : crafted) ++hits[key_hash(k, kSeeds[1]) % kBuckets];
        // 300 keys in 1024 buckets: a fair spread puts at most a handful in one.
        CHECK(*std::max_element(hits.begin(), hits.end()) <= 6);
    }
    CHECK(random_hash_seed() != random_hash_seed());
}
