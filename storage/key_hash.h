// The hash every table and the keyspace use for a key: its low bits pick
// the bucket, its high bits the shard, so both ends must be well mixed.
// A command hashes its key several times (prefetch, shard lock, lookup);
// most cache keys are at most 16 bytes, and for those two loads and two
// 64x64->128-bit multiplies (the multiply-and-fold mixing of wyhash and
// similar hashes) do it in a few nanoseconds; a longer key takes one more
// multiply per 16 bytes.
//
// The seed is a secret each keyspace (and each field table) draws at
// random, as Redis seeds its SipHash: without it, a client choosing keys
// (say, from user input) could find many that share a bucket and turn
// every lookup into a walk of one long chain.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <random>
#include <string_view>

namespace tierkv::storage {

namespace key_hash_detail {

// The 128-bit product of a and b, its halves folded together.
inline std::uint64_t fold_multiply(std::uint64_t a, std::uint64_t b) {
    const unsigned __int128 product = static_cast<unsigned __int128>(a) * b;
    return static_cast<std::uint64_t>(product) ^ static_cast<std::uint64_t>(product >> 64);
}

inline std::uint64_t load(const char* p, std::size_t bytes) {
    std::uint64_t v = 0;
    std::memcpy(&v, p, bytes);
    return v;
}

}  // namespace key_hash_detail

// A seed for key_hash, drawn from a per-thread generator that the system's
// entropy seeded.
inline std::uint64_t random_hash_seed() {
    thread_local std::mt19937_64 rng{(std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}()};
    return rng();
}

inline std::uint64_t key_hash(std::string_view key, std::uint64_t seed) {
    using namespace key_hash_detail;
    // Odd constants with well-spread bits (the golden ratio's, SplitMix64's),
    // made secret by the seed.
    const std::uint64_t s0 = 0x9e3779b97f4a7c15ull ^ seed;
    const std::uint64_t s1 = 0xbf58476d1ce4e5b9ull ^ std::rotl(seed, 32);
    constexpr std::uint64_t k2 = 0x94d049bb133111ebull;
    const std::size_t n = key.size();
    const char* p = key.data();
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    // Folds two 8-byte words and what came before them into one. The xors
    // keep a product that happens to be zero (a == s0) from erasing b or
    // `before`: no class of keys collides by construction.
    auto mix = [&](std::uint64_t a, std::uint64_t b, std::uint64_t before) {
        return fold_multiply(a ^ s0, b ^ s1 ^ before) ^ a ^ std::rotl(b, 32) ^ before;
    };
    std::uint64_t rounds = 0;  // what a long key's leading bytes fold into
    if (n > 16) {
        // 16 bytes a round; the last 16 (which may overlap the last round)
        // are a and b.
        const char* last = p + n - 16;
        for (; p < last; p += 16) rounds = mix(load(p, 8), load(p + 8, 8), rounds);
        a = load(last, 8);
        b = load(last + 8, 8);
    } else if (n >= 8) {  // two 8-byte reads, overlapping below 16 bytes
        a = load(p, 8);
        b = load(p + n - 8, 8);
    } else if (n >= 4) {
        a = load(p, 4);
        b = load(p + n - 4, 4);
    } else if (n > 0) {
        a = (static_cast<std::uint64_t>(static_cast<unsigned char>(p[0])) << 16) |
            (static_cast<std::uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8) |
            static_cast<unsigned char>(p[n - 1]);
    }
    return fold_multiply(mix(a, b, rounds) ^ n, k2);
}

}  // namespace tierkv::storage
