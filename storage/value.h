// What a key holds. Only strings exist so far; the other Redis types
// (hash, list, set, zset) join as alternatives of this type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tierkv::storage {

enum class ValueType : std::uint8_t { kString };

// Redis's name for a type, as TYPE and SCAN ... TYPE use it.
std::string_view type_name(ValueType type);
// The type with that name (any case), as SCAN ... TYPE reads it.
std::optional<ValueType> type_from_name(std::string_view name);

struct Value {
    ValueType type = ValueType::kString;
    std::string data;
    // Redis reports "raw" for a string modified in place (APPEND, SETRANGE)
    // even when it is short or numeric; keep that visible to OBJECT ENCODING.
    bool modified_in_place = false;

    static Value string(std::string_view bytes) { return Value{ValueType::kString, std::string(bytes), false}; }
};

// Heap bytes the value owns beyond the Value object itself.
std::size_t value_heap_bytes(const Value& value);

// OBJECT ENCODING's answer for a value: "int", "embstr" or "raw" for strings.
std::string_view encoding_name(const Value& value);

}  // namespace tierkv::storage
