// The hash every table and the keyspace use for a key: its low bits pick
// the bucket, its high bits the shard, so both ends must be well mixed.
// A command hashes its key several times (prefetch, shard lock, lookup);
// most cache keys are at most 16 bytes, and for those two loads and two
// 64x64->128-bit multiplies (the multiply-and-fold mixing of wyhash and
// similar hashes) do it in a few nanoseconds. Longer keys use libstdc++'s
// 64-bit Murmur. Like that one, it is not seeded.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <functional>
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

inline std::uint64_t key_hash(std::string_view key) {
    using namespace key_hash_detail;
    const std::size_t n = key.size();
    if (n > 16) return std::hash<std::string_view>{}(key);
    const char* p = key.data();
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    if (n >= 8) {  // two 8-byte reads, overlapping below 16 bytes
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
    // Odd constants with well-spread bits (the golden ratio's, SplitMix64's).
    constexpr std::uint64_t k0 = 0x9e3779b97f4a7c15ull;
    constexpr std::uint64_t k1 = 0xbf58476d1ce4e5b9ull;
    constexpr std::uint64_t k2 = 0x94d049bb133111ebull;
    // The xors keep a product that happens to be zero (a == k0) from
    // erasing b: no class of keys collides by construction.
    const std::uint64_t mixed = fold_multiply(a ^ k0, b ^ k1) ^ a ^ std::rotl(b, 32);
    return fold_multiply(mixed ^ n, k2);
}

}  // namespace tierkv::storage
