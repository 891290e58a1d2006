// LEB128 lengths, as the listpacks write them: 7 bits per byte, low bits
// first, the high bit set on every byte but the last.
#pragma once

#include <cstddef>

namespace tierkv::storage::varint {

constexpr std::size_t size(std::size_t n) {
    std::size_t bytes = 1;
    while (n >= 0x80) {
        n >>= 7;
        ++bytes;
    }
    return bytes;
}

// Writes `n` at `out`; returns the byte after it.
inline char* write(char* out, std::size_t n) {
    while (n >= 0x80) {
        *out++ = static_cast<char>((n & 0x7f) | 0x80);
        n >>= 7;
    }
    *out++ = static_cast<char>(n);
    return out;
}

struct Read {
    std::size_t value;
    std::size_t size;  // bytes it took
};

inline Read read(const char* in) {
    Read r{0, 0};
    unsigned shift = 0;
    for (;;) {
        const auto byte = static_cast<unsigned char>(in[r.size++]);
        r.value |= static_cast<std::size_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) return r;
        shift += 7;
    }
}

}  // namespace tierkv::storage::varint
