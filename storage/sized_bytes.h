// Bytes preceded by their length, stored in raw memory: how a table node's
// tail keeps its key and an embedded string value, and how a string value's
// own heap block holds its bytes. The length takes one byte up to kShortMax
// (almost every key and short value), else a marker byte and four more.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace tierkv::storage::sized_bytes {

inline constexpr std::size_t kShortMax = 254;
inline constexpr unsigned char kLongMarker = 255;

// The memory `size` bytes take with their length.
constexpr std::size_t footprint(std::size_t size) {
    return (size <= kShortMax ? 1 : 1 + sizeof(std::uint32_t)) + size;
}

// Writes the length and the bytes at `at` (footprint(bytes.size()) bytes
// of room); returns where the bytes themselves start.
inline char* write(char* at, std::string_view bytes) {
    if (bytes.size() <= kShortMax) {
        *at++ = static_cast<char>(bytes.size());
    } else {
        *at++ = static_cast<char>(kLongMarker);
        const auto size = static_cast<std::uint32_t>(bytes.size());
        std::memcpy(at, &size, sizeof(size));
        at += sizeof(size);
    }
    if (!bytes.empty()) std::memcpy(at, bytes.data(), bytes.size());
    return at;
}

// The bytes written at `at`.
inline std::string_view read(const char* at) {
    const auto first = static_cast<unsigned char>(*at);
    if (first != kLongMarker) return {at + 1, first};
    std::uint32_t size;
    std::memcpy(&size, at + 1, sizeof(size));
    return {at + 1 + sizeof(size), size};
}

}  // namespace tierkv::storage::sized_bytes
