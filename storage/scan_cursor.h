// Redis's SCAN cursor over a power-of-two bucket array: the cursor's bits
// are incremented from the high end, so a walk stays valid (every element
// present throughout is visited) while the array doubles or halves between
// calls.
#pragma once

#include <cstdint>

namespace tierkv::storage {

inline std::uint64_t reverse_bits(std::uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
    v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0Full) | ((v & 0x0F0F0F0F0F0F0F0Full) << 4);
    v = ((v >> 8) & 0x00FF00FF00FF00FFull) | ((v & 0x00FF00FF00FF00FFull) << 8);
    v = ((v >> 16) & 0x0000FFFF0000FFFFull) | ((v & 0x0000FFFF0000FFFFull) << 16);
    return (v >> 32) | (v << 32);
}

// The cursor after `cursor` for a table of mask + 1 buckets; 0 when done.
inline std::uint64_t next_scan_cursor(std::uint64_t cursor, std::uint64_t mask) {
    cursor |= ~mask;
    cursor = reverse_bits(cursor);
    ++cursor;
    return reverse_bits(cursor);
}

}  // namespace tierkv::storage
