// A Redis set. Members that are all integers live in an intset (sorted);
// the first other member moves a small set into a listpack (insertion
// order, as Redis 7.2 does), and past set-max-intset-entries,
// set-max-listpack-entries or set-max-listpack-value it becomes a hash
// table. Conversions only go that way, as in Redis.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <variant>

#include "storage/types/canonical_int.h"
#include "storage/types/dict.h"
#include "storage/types/encoding_limits.h"
#include "storage/types/intset.h"
#include "storage/types/listpack.h"

namespace tierkv::storage {

class SetValue {
public:
    enum class Encoding : std::uint8_t { kIntset, kListpack, kHashtable };

    Encoding encoding() const { return static_cast<Encoding>(rep_.index()); }
    std::size_t size() const;
    bool empty() const { return size() == 0; }
    std::size_t heap_bytes() const;

    bool contains(std::string_view member) const;
    // True when the member is new.
    bool add(std::string_view member, const EncodingLimits& limits);
    // False when the member is absent.
    bool remove(std::string_view member);

    // Calls visit(member) for every member: ascending for an intset,
    // insertion order for a listpack, bucket order for a hash table.
    template <class Visit>
    void for_each(Visit&& visit) const {
        if (const IntSet* ints = std::get_if<IntSet>(&rep_)) {
            char buf[24];
            for (std::size_t i = 0; i < ints->size(); ++i) visit(int64_text(ints->at(i), buf));
        } else if (const Listpack* lp = std::get_if<Listpack>(&rep_)) {
            for (Listpack::Pos p = lp->begin(); p < lp->end(); p = lp->next(p)) visit(lp->at(p));
        } else {
            std::get<Members>(rep_).for_each([&](std::string_view member, NoValue) { visit(member); });
        }
    }

    // One step of SSCAN: visits some members and returns the next cursor (0
    // when done). Compact encodings are visited whole in one step, as Redis does.
    template <class Visit>
    std::uint64_t scan(std::uint64_t cursor, Visit&& visit) const {
        if (const Members* members = std::get_if<Members>(&rep_)) {
            return members->scan(cursor, [&](std::string_view member, NoValue) { visit(member); });
        }
        for_each(visit);
        return 0;
    }

    // A uniformly chosen member (the set must not be empty).
    std::string random(std::mt19937_64& rng) const;
    // Removes and returns a uniformly chosen member.
    std::string pop_random(std::mt19937_64& rng);

private:
    using Members = Dict<NoValue>;
    // Order matches Encoding.
    using Rep = std::variant<IntSet, Listpack, Members>;

    void convert(Encoding to);

    Rep rep_;
};

}  // namespace tierkv::storage
