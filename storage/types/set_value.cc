#include "storage/types/set_value.h"

#include <vector>

namespace tierkv::storage {

std::size_t SetValue::size() const {
    return std::visit([](const auto& rep) { return rep.size(); }, rep_);
}

std::size_t SetValue::heap_bytes() const {
    return std::visit([](const auto& rep) { return rep.heap_bytes(); }, rep_);
}

bool SetValue::contains(std::string_view member) const {
    if (const IntSet* ints = std::get_if<IntSet>(&rep_)) {
        const auto n = canonical_int64(member);
        return n && ints->contains(*n);
    }
    if (const Listpack* lp = std::get_if<Listpack>(&rep_)) return lp->find(member) != lp->end();
    return std::get<Members>(rep_).contains(member);
}

bool SetValue::add(std::string_view member, const EncodingLimits& limits) {
    if (IntSet* ints = std::get_if<IntSet>(&rep_)) {
        if (const auto n = canonical_int64(member)) {
            if (!ints->insert(*n)) return false;
            if (ints->size() > limits.set_max_intset_entries) {
                convert(ints->size() > limits.set_max_listpack_entries ? Encoding::kHashtable : Encoding::kListpack);
            }
            return true;
        }
        const bool fits_listpack =
            ints->size() + 1 <= limits.set_max_listpack_entries && member.size() <= limits.set_max_listpack_value;
        convert(fits_listpack ? Encoding::kListpack : Encoding::kHashtable);
    }
    if (Listpack* lp = std::get_if<Listpack>(&rep_)) {
        if (lp->find(member) != lp->end()) return false;
        if (lp->size() + 1 <= limits.set_max_listpack_entries && member.size() <= limits.set_max_listpack_value) {
            lp->push_back(member);
            return true;
        }
        convert(Encoding::kHashtable);
    }
    return std::get<Members>(rep_).insert(member);
}

bool SetValue::remove(std::string_view member) {
    if (IntSet* ints = std::get_if<IntSet>(&rep_)) {
        const auto n = canonical_int64(member);
        return n && ints->erase(*n);
    }
    if (Listpack* lp = std::get_if<Listpack>(&rep_)) {
        const Listpack::Pos p = lp->find(member);
        if (p == lp->end()) return false;
        lp->erase(p);
        return true;
    }
    return std::get<Members>(rep_).erase(member);
}

std::string SetValue::random(std::mt19937_64& rng) const {
    if (const Members* members = std::get_if<Members>(&rep_)) return std::string(members->random(rng).first);
    const std::size_t i = std::uniform_int_distribution<std::size_t>(0, size() - 1)(rng);
    if (const IntSet* ints = std::get_if<IntSet>(&rep_)) return std::to_string(ints->at(i));
    const Listpack& lp = std::get<Listpack>(rep_);
    return std::string(lp.at(lp.seek(i)));
}

std::string SetValue::pop_random(std::mt19937_64& rng) {
    std::string member = random(rng);
    remove(member);
    return member;
}

void SetValue::convert(Encoding to) {
    std::vector<std::string> members;
    members.reserve(size());
    for_each([&](std::string_view m) { members.emplace_back(m); });
    if (to == Encoding::kListpack) {
        Listpack lp;
        for (const std::string& m : members) lp.push_back(m);
        rep_ = std::move(lp);
    } else {
        Members dict;
        dict.reserve(members.size());
        for (const std::string& m : members) dict.insert(m);
        rep_ = std::move(dict);
    }
}

}  // namespace tierkv::storage
