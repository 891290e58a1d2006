// What a key holds: one of Redis's types, each with its own payload class
// (storage/types/). A Value is a plain value type: copying it (COPY) copies
// the whole collection, moving it (RENAME, MOVE) moves it.
#pragma once

#include <cstdint>
#include <cstring>
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

// One key's value: a string, a hash (one word, held in place) or another
// collection behind a pointer. A Value is one word and one byte of type
// (sizeof 16, but a table entry keeps its own fields in the 7 bytes of tail
// padding after it, so an entry is 16 bytes). How a string is held depends
// on its size and history (StringRep); str() reads any of them:
// - up to kInlineMax bytes (counters, flags) inside the Value itself;
// - longer, a heap block of its length and bytes (sized_bytes.h; what Redis
//   calls embstr);
// - from kSharedStringMin bytes on, a SharedString, which replies reference
//   instead of copying;
// - once changed in place (APPEND, SETRANGE), a std::string that can grow;
// - in a table node's own allocation, with its length, right after the key
//   (Table embeds short strings there, so a key and its value cost one
//   block).
class Value {
public:
    Value() : type_(ValueType::kString), rep_(StringRep::kInline) {}
    Value(ListValue v) : type_(ValueType::kList) { set_pointer(new ListValue(std::move(v))); }
    Value(SetValue v) : type_(ValueType::kSet) { set_pointer(new SetValue(std::move(v))); }
    // A hash is one word (HashValue): held in place, not behind a pointer.
    Value(HashValue v) : type_(ValueType::kHash) { new (word_) HashValue(std::move(v)); }
    Value(ZSetValue v) : type_(ValueType::kZSet) { set_pointer(new ZSetValue(std::move(v))); }
    Value(const Value& other);
    Value(Value&& other) noexcept;
    Value& operator=(const Value& other);
    Value& operator=(Value&& other) noexcept;
    ~Value() { destroy(); }

    static constexpr std::size_t kInlineMax = sizeof(void*) - 1;  // the word's last byte counts them
    static constexpr std::size_t kSharedStringMin = 16 * 1024;

    static Value string(std::string_view bytes);
    // Shares the bytes with whoever else holds them.
    static Value share_string(const SharedString& bytes);

    ValueType type() const { return type_; }

    template <class T>
    bool is() const { return type_ == type_of<T>(); }
    // A collection; the value must hold a T (check is<T>() or type() first).
    template <class T>
    T& as() {
        if constexpr (std::is_same_v<T, HashValue>) return *in_place_hash();
        else return *pointer<T*>();
    }
    template <class T>
    const T& as() const {
        if constexpr (std::is_same_v<T, HashValue>) return *in_place_hash();
        else return *pointer<T*>();
    }

    // A string value's bytes.
    std::string_view str() const;
    // The bytes, to change in place: the string becomes a std::string first
    // (a copy), so replies referencing a shared string never see it change.
    std::string& mutable_str();
    // A large string value's shared bytes; nullptr for any other value.
    const SharedString* shared_string() const { return is_string_rep(StringRep::kShared) ? shared() : nullptr; }
    // The bytes live in a table node (Table::insert put them there).
    bool embedded() const { return is_string_rep(StringRep::kEmbedded); }
    // Redis reports "raw" for a string modified in place (APPEND, SETRANGE)
    // even when it is short or numeric; OBJECT ENCODING shows it.
    bool modified_in_place() const { return modified_in_place_; }
    void mark_modified_in_place() { modified_in_place_ = true; }

private:
    enum class StringRep : std::uint8_t { kInline, kExact, kShared, kGrowable, kEmbedded };

    // For Table: makes this value a string whose length and bytes
    // (sized_bytes::write) start at `sized` in the node that holds this
    // value; they must outlive it. Copying or moving such a value copies
    // the bytes.
    friend class Table;
    void embed_in_node(const char* sized, bool modified_in_place) noexcept;

    template <class T>
    static constexpr ValueType type_of() {
        if constexpr (std::is_same_v<T, ListValue>) return ValueType::kList;
        if constexpr (std::is_same_v<T, SetValue>) return ValueType::kSet;
        if constexpr (std::is_same_v<T, HashValue>) return ValueType::kHash;
        if constexpr (std::is_same_v<T, ZSetValue>) return ValueType::kZSet;
    }
    bool is_string_rep(StringRep rep) const { return type_ == ValueType::kString && rep_ == rep; }

    // word_ holds a pointer, a SharedString, a HashValue, or up to
    // kInlineMax bytes and then their count in its last byte.
    template <class P>
    P pointer() const {
        P p;
        std::memcpy(&p, word_, sizeof(p));
        return p;
    }
    template <class P>
    void set_pointer(P p) { std::memcpy(word_, &p, sizeof(p)); }
    HashValue* in_place_hash() const {
        return std::launder(reinterpret_cast<HashValue*>(const_cast<unsigned char*>(word_)));
    }
    SharedString* shared() const { return std::launder(reinterpret_cast<SharedString*>(const_cast<unsigned char*>(word_))); }

    friend std::size_t value_heap_bytes(const Value& value);
    void destroy() noexcept;
    // Leaves this value an empty string without freeing anything.
    void reset_to_empty() noexcept;
    void move_from(Value& other) noexcept;

    alignas(8) unsigned char word_[sizeof(void*)] = {};
    // One byte in all, after which Entry puts its own fields (Value's
    // copies and moves never touch them).
    ValueType type_ : 3;
    StringRep rep_ : 3 = StringRep::kInline;
    bool modified_in_place_ : 1 = false;
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
