// Whether a string is the canonical decimal form of a signed 64-bit integer
// (no '+', spaces or leading zeros, no "-0"): what Redis stores as an
// integer (string2ll), e.g. in an intset or an "int" encoded string.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tierkv::storage {

inline std::optional<std::int64_t> canonical_int64(std::string_view s) {
    if (s.empty() || s.size() > 20) return std::nullopt;
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    char buf[24];
    auto [e2, ec2] = std::to_chars(buf, buf + sizeof(buf), v);
    if (std::string_view(buf, static_cast<std::size_t>(e2 - buf)) != s) return std::nullopt;
    return v;
}

// The decimal text of `v` in a caller-provided buffer of at least 21 bytes.
inline std::string_view int64_text(std::int64_t v, char (&buf)[24]) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
    return std::string_view(buf, static_cast<std::size_t>(end - buf));
}

}  // namespace tierkv::storage
