// What a key holds: one of Redis's types, each with its own payload class
// (storage/types/). A Value is a plain value type: copying it (COPY) copies
// the whole collection, moving it (RENAME, MOVE) moves it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "storage/types/hash_value.h"
#include "storage/types/list_value.h"
#include "storage/types/set_value.h"
#include "storage/types/zset_value.h"

namespace tierkv::storage {

// The order matches Value::Payload's alternatives.
enum class ValueType : std::uint8_t { kString, kList, kSet, kHash, kZSet };

// Redis's name for a type, as TYPE and SCAN ... TYPE use it.
std::string_view type_name(ValueType type);
// The type with that name (any case), as SCAN ... TYPE reads it.
std::optional<ValueType> type_from_name(std::string_view name);

struct StringValue {
    std::string data;
    // Redis reports "raw" for a string modified in place (APPEND, SETRANGE)
    // even when it is short or numeric; keep that visible to OBJECT ENCODING.
    bool modified_in_place = false;
};

class Value {
public:
    using Payload = std::variant<StringValue, ListValue, SetValue, HashValue, ZSetValue>;

    Value() = default;
    Value(StringValue v) : payload_(std::move(v)) {}
    Value(ListValue v) : payload_(std::move(v)) {}
    Value(SetValue v) : payload_(std::move(v)) {}
    Value(HashValue v) : payload_(std::move(v)) {}
    Value(ZSetValue v) : payload_(std::move(v)) {}

    static Value string(std::string_view bytes) { return Value(StringValue{std::string(bytes), false}); }

    ValueType type() const { return static_cast<ValueType>(payload_.index()); }

    template <class T>
    bool is() const { return std::holds_alternative<T>(payload_); }
    template <class T>
    T& as() { return std::get<T>(payload_); }
    template <class T>
    const T& as() const { return std::get<T>(payload_); }

    // A string value's bytes.
    std::string& str() { return as<StringValue>().data; }
    const std::string& str() const { return as<StringValue>().data; }

    const Payload& payload() const { return payload_; }

private:
    Payload payload_;
};

// Heap bytes the value owns beyond the Value object itself; O(1), as every
// in-place change recounts it (ValueEdit).
std::size_t value_heap_bytes(const Value& value);

// Roughly how many heap blocks freeing the value frees (Redis's
// lazyfreeGetFreeEffort): UNLINK frees values above a threshold elsewhere.
std::size_t free_effort(const Value& value);

// OBJECT ENCODING's answer, as Redis 7.0 names it: "int", "embstr" or "raw"
// for strings, "quicklist" for lists, "intset", "listpack" or "hashtable"
// for sets, "listpack" or "hashtable" for hashes, "listpack" or "skiplist"
// for sorted sets.
std::string_view encoding_name(const Value& value);

}  // namespace tierkv::storage
