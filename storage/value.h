// What a key holds: one of Redis's types, each with its own payload class
// (storage/types/). A Value is a plain value type: copying it (COPY) copies
// the whole collection, moving it (RENAME, MOVE) moves it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <new>
#include <type_traits>

#include "storage/types/hash_value.h"
#include "storage/types/list_value.h"
#include "storage/types/set_value.h"
#include "storage/types/shared_string.h"
#include "storage/types/zset_value.h"

namespace tierkv::storage {

enum class ValueType : std::uint8_t { kString, kList, kSet, kHash, kZSet };

// Redis's name for a type, as TYPE and SCAN ... TYPE use it.
std::string_view type_name(ValueType type);
// The type with that name (any case), as SCAN ... TYPE reads it.
std::optional<ValueType> type_from_name(std::string_view name);

// One key's value: a string held inline, or a collection behind a pointer,
// so that the Value in every table entry costs no more than a string (40
// bytes; a std::variant of the collections would take 96). Strings from
// kSharedStringMin bytes on are a SharedString, which replies reference
// instead of copying.
class Value {
public:
    Value() : type_(ValueType::kString) { new (&rep_.str) std::string(); }
    Value(ListValue v) : type_(ValueType::kList) { rep_.list = new ListValue(std::move(v)); }
    Value(SetValue v) : type_(ValueType::kSet) { rep_.set = new SetValue(std::move(v)); }
    Value(HashValue v) : type_(ValueType::kHash) { rep_.hash = new HashValue(std::move(v)); }
    Value(ZSetValue v) : type_(ValueType::kZSet) { rep_.zset = new ZSetValue(std::move(v)); }
    Value(const Value& other);
    Value(Value&& other) noexcept;
    Value& operator=(const Value& other);
    Value& operator=(Value&& other) noexcept;
    ~Value() { destroy(); }

    static constexpr std::size_t kSharedStringMin = 16 * 1024;

    static Value string(std::string_view bytes) {
        if (bytes.size() >= kSharedStringMin) return share_string(SharedString(bytes));
        Value v;
        v.rep_.str.assign(bytes);
        return v;
    }
    // Shares the bytes with whoever else holds them.
    static Value share_string(const SharedString& bytes);

    ValueType type() const { return type_; }

    template <class T>
    bool is() const { return type_ == type_of<T>(); }
    // The payload; the value must hold a T (check is<T>() or type() first).
    template <class T>
    T& as() { return *payload<T>(const_cast<Value&>(*this).rep_); }
    template <class T>
    const T& as() const { return *payload<T>(const_cast<Value&>(*this).rep_); }

    // A string value's bytes.
    std::string_view str() const { return shared_ ? rep_.shared.view() : std::string_view(rep_.str); }
    // The bytes, to change in place. A shared string becomes an ordinary one
    // first (a copy), so replies referencing it never see it change.
    std::string& mutable_str();
    // A large string value's shared bytes; nullptr for any other value.
    const SharedString* shared_string() const { return shared_ ? &rep_.shared : nullptr; }
    // Redis reports "raw" for a string modified in place (APPEND, SETRANGE)
    // even when it is short or numeric; OBJECT ENCODING shows it.
    bool modified_in_place() const { return modified_in_place_; }
    void mark_modified_in_place() { modified_in_place_ = true; }

private:
    union Rep {
        std::string str;
        SharedString shared;
        ListValue* list;
        SetValue* set;
        HashValue* hash;
        ZSetValue* zset;
        Rep() {}
        ~Rep() {}
    };

    template <class T>
    static constexpr ValueType type_of() {
        if constexpr (std::is_same_v<T, std::string>) return ValueType::kString;
        if constexpr (std::is_same_v<T, ListValue>) return ValueType::kList;
        if constexpr (std::is_same_v<T, SetValue>) return ValueType::kSet;
        if constexpr (std::is_same_v<T, HashValue>) return ValueType::kHash;
        if constexpr (std::is_same_v<T, ZSetValue>) return ValueType::kZSet;
    }
    template <class T>
    static T* payload(Rep& rep) {
        if constexpr (std::is_same_v<T, std::string>) return &rep.str;
        if constexpr (std::is_same_v<T, ListValue>) return rep.list;
        if constexpr (std::is_same_v<T, SetValue>) return rep.set;
        if constexpr (std::is_same_v<T, HashValue>) return rep.hash;
        if constexpr (std::is_same_v<T, ZSetValue>) return rep.zset;
    }
    friend std::size_t value_heap_bytes(const Value& value);
    void destroy();
    void copy_from(const Value& other);
    void move_from(Value& other) noexcept;

    Rep rep_;
    ValueType type_;
    bool shared_ = false;  // a string held in rep_.shared, not rep_.str
    bool modified_in_place_ = false;
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
