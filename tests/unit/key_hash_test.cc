#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <unordered_set>
#include <vector>

#include "storage/key_hash.h"

using tierkv::storage::key_hash;

namespace {
// Largest bin over the mean when `count` keys fall into `bins` by `pick`.
template <class Pick>
double worst_bin(std::size_t count, std::size_t bins, Pick pick, const std::string& prefix) {
    std::vector<std::size_t> hits(bins, 0);
    for (std::size_t i = 0; i < count; ++i) ++hits[pick(key_hash(prefix + std::to_string(i))) % bins];
    const double mean = static_cast<double>(count) / static_cast<double>(bins);
    return static_cast<double>(*std::max_element(hits.begin(), hits.end())) / mean;
}
}  // namespace

TEST_CASE("key hash spreads sequential keys over buckets (low bits) and shards (high bits)", "[key_hash]") {
    // Prefixes giving keys of 1-7, 8-16 and over 16 bytes: every branch.
    for (const std::string prefix : {"", "key:", "key:0000", "user:session:00000000:"}) {
        CAPTURE(prefix);
        // 200 keys per bin: a fair spread stays well under 1.3x the mean.
        CHECK(worst_bin(204800, 1024, [](std::uint64_t h) { return h; }, prefix) < 1.3);
        CHECK(worst_bin(12800, 64, [](std::uint64_t h) { return h >> 58; }, prefix) < 1.3);
    }
}

TEST_CASE("key hash tells apart keys that differ in one byte or only in length", "[key_hash]") {
    std::unordered_set<std::uint64_t> seen;
    std::vector<std::string> keys;
    for (std::size_t n = 0; n <= 24; ++n) {
        keys.push_back(std::string(n, 'a'));
        if (n > 0) keys.push_back(std::string(n, '\0'));  // "" is already there
        for (std::size_t at = 0; at < n; ++at) {
            std::string k(n, 'a');
            k[at] = 'b';
            keys.push_back(k);
        }
    }
    for (const std::string& k : keys) CHECK(seen.insert(key_hash(k)).second);
    CHECK(key_hash("same") == key_hash(std::string("same")));
}

TEST_CASE("keys whose first 8 bytes cancel the first constant still differ", "[key_hash]") {
    // a == k0 zeroes the first product; the rest of the key must still count.
    const char k0_bytes[] = {'\x15', '\x7c', '\x4a', '\x7f', '\xb9', '\x79', '\x37', '\x9e'};
    std::unordered_set<std::uint64_t> seen;
    for (int i = 0; i < 1000; ++i) {
        std::string k(k0_bytes, 8);
        k += std::to_string(i);
        CHECK(seen.insert(key_hash(k)).second);
    }
}
