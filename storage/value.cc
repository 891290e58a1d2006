#include "storage/value.h"

#include <cctype>
#include <charconv>

#include "storage/memory.h"

namespace tierkv::storage {

std::string_view type_name(ValueType type) {
    switch (type) {
        case ValueType::kString: return "string";
    }
    return "none";
}

std::optional<ValueType> type_from_name(std::string_view name) {
    for (ValueType type : {ValueType::kString}) {
        const std::string_view known = type_name(type);
        if (known.size() != name.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < name.size() && same; ++i) {
            same = std::tolower(static_cast<unsigned char>(name[i])) == known[i];
        }
        if (same) return type;
    }
    return std::nullopt;
}

namespace {

// Redis stores a string as an integer when it is the canonical decimal form
// of a signed 64-bit number (no leading zeros, '+' or spaces).
bool is_canonical_integer(std::string_view s) {
    if (s.empty() || s.size() > 20) return false;
    long long v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return false;
    char buf[24];
    auto [e2, ec2] = std::to_chars(buf, buf + sizeof(buf), v);
    return std::string_view(buf, static_cast<std::size_t>(e2 - buf)) == s;
}

}  // namespace

std::string_view encoding_name(const Value& value) {
    constexpr std::size_t kEmbstrMax = 44;  // Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT
    switch (value.type) {
        case ValueType::kString:
            if (value.modified_in_place) return "raw";
            if (is_canonical_integer(value.data)) return "int";
            return value.data.size() <= kEmbstrMax ? "embstr" : "raw";
    }
    return "unknown";
}

std::size_t value_heap_bytes(const Value& value) { return string_heap_bytes(value.data); }

}  // namespace tierkv::storage
