// A Redis hash: field -> value. Small hashes are a PairListpack of fields
// and values, in insertion order; one that gets more fields than
// hash-max-listpack-entries, or a field or value longer than
// hash-max-listpack-value, becomes a hash table and stays one.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <memory>

#include "storage/types/dict.h"
#include "storage/types/encoding_limits.h"
#include "storage/types/pair_listpack.h"

namespace tierkv::storage {

class HashValue {
public:
    enum class Encoding : std::uint8_t { kListpack, kHashtable };

    HashValue() : listpack_() {}
    HashValue(const HashValue& other);
    HashValue(HashValue&& other) noexcept;
    HashValue& operator=(const HashValue& other) {
        if (this != &other) *this = HashValue(other);
        return *this;
    }
    HashValue& operator=(HashValue&& other) noexcept;
    ~HashValue() { destroy(); }

    Encoding encoding() const { return is_dict() ? Encoding::kHashtable : Encoding::kListpack; }
    std::size_t size() const;
    bool empty() const { return size() == 0; }
    std::size_t heap_bytes() const;

    std::optional<std::string_view> get(std::string_view field) const;
    bool contains(std::string_view field) const { return get(field).has_value(); }
    // Sets the field's value; true when the field is new.
    bool set(std::string_view field, std::string_view value, const EncodingLimits& limits);
    // False when the field is absent.
    bool erase(std::string_view field);

    // Calls visit(field, value) for every field: insertion order for a
    // listpack, bucket order for a hash table.
    template <class Visit>
    void for_each(Visit&& visit) const {
        if (!is_dict()) {
            for (PairListpack::Pos p = listpack_.begin(); p < listpack_.end(); p = listpack_.next(p)) {
                const PairListpack::Pair pair = listpack_.at(p);
                visit(pair.field, pair.value);
            }
        } else {
            dict()->for_each(
                [&](std::string_view field, const std::string& value) { visit(field, std::string_view(value)); });
        }
    }

    // One step of HSCAN: visits some fields and returns the next cursor (0
    // when done). A listpack is visited whole in one step, as Redis does.
    template <class Visit>
    std::uint64_t scan(std::uint64_t cursor, Visit&& visit) const {
        if (encoding() == Encoding::kListpack) {
            for_each(visit);
            return 0;
        }
        return dict()->scan(
            cursor, [&](std::string_view field, const std::string& value) { visit(field, std::string_view(value)); });
    }

    // The listpack's block, for the table that holds this hash to move into
    // its NodePool (see PackedBlock); nullptr for a hash table.
    PairListpack::Block* listpack_block() { return is_dict() ? nullptr : &listpack_.block(); }
    const PairListpack::Block* listpack_block() const { return is_dict() ? nullptr : &listpack_.block(); }

    using Pair = PairListpack::Pair;
    // A uniformly chosen field (the hash must not be empty).
    Pair random(std::mt19937_64& rng) const;

private:
    using FieldDict = Dict<std::string>;
    // Set in the word's lowest bit when it holds a FieldDict's address (a heap
    // block, so that bit is otherwise 0).
    static constexpr std::uintptr_t kDictTag = 1;

    bool is_dict() const {
        std::uintptr_t word;
        std::memcpy(&word, static_cast<const void*>(this), sizeof(word));  // either member's bytes
        return (word & kDictTag) != 0;
    }
    FieldDict* dict() const { return reinterpret_cast<FieldDict*>(dict_word_ & ~kDictTag); }  // is_dict() only
    void convert_to_dict();
    void destroy() noexcept;

    // One word, so a Value holds a hash in place: a listpack (its block's
    // address, null while empty) until the hash becomes a hash table, then
    // that table's address with kDictTag set.
    union {
        PairListpack listpack_;
        std::uintptr_t dict_word_;
    };
};
static_assert(sizeof(PairListpack) == sizeof(std::uintptr_t) && sizeof(HashValue) == sizeof(std::uintptr_t),
              "a hash is one word: a Value holds it in place");

}  // namespace tierkv::storage
