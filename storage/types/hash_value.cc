#include "storage/types/hash_value.h"

namespace tierkv::storage {

std::size_t HashValue::size() const {
    if (const Listpack* lp = std::get_if<Listpack>(&rep_)) return lp->size() / 2;
    return std::get<Dict<std::string>>(rep_).size();
}

std::size_t HashValue::heap_bytes() const {
    return std::visit([](const auto& rep) { return rep.heap_bytes(); }, rep_);
}

std::optional<std::string_view> HashValue::get(std::string_view field) const {
    if (const Listpack* lp = std::get_if<Listpack>(&rep_)) {
        const Listpack::Pos p = lp->find(field, lp->begin(), 2);
        if (p == lp->end()) return std::nullopt;
        return lp->at(lp->next(p));
    }
    const std::string* value = std::get<Dict<std::string>>(rep_).find(field);
    if (!value) return std::nullopt;
    return std::string_view(*value);
}

bool HashValue::set(std::string_view field, std::string_view value, const EncodingLimits& limits) {
    if (Listpack* lp = std::get_if<Listpack>(&rep_)) {
        const bool too_long = field.size() > limits.hash_max_listpack_value || value.size() > limits.hash_max_listpack_value;
        if (!too_long) {
            const Listpack::Pos p = lp->find(field, lp->begin(), 2);
            if (p != lp->end()) {
                lp->replace(lp->next(p), value);
                return false;
            }
            lp->push_back(field);
            lp->push_back(value);
            if (lp->size() / 2 > limits.hash_max_listpack_entries) convert_to_dict();
            return true;
        }
        convert_to_dict();
    }
    auto& dict = std::get<Dict<std::string>>(rep_);
    if (dict.insert(field, std::string(value))) return true;
    dict.update(field, [&](std::string& old) { old.assign(value); });
    return false;
}

bool HashValue::erase(std::string_view field) {
    if (Listpack* lp = std::get_if<Listpack>(&rep_)) {
        const Listpack::Pos p = lp->find(field, lp->begin(), 2);
        if (p == lp->end()) return false;
        lp->erase(p, lp->next(lp->next(p)), 2);
        return true;
    }
    return std::get<Dict<std::string>>(rep_).erase(field);
}

HashValue::Pair HashValue::random(std::mt19937_64& rng) const {
    if (const Listpack* lp = std::get_if<Listpack>(&rep_)) {
        const std::size_t i = std::uniform_int_distribution<std::size_t>(0, lp->size() / 2 - 1)(rng);
        const Listpack::Pos p = lp->seek(2 * i);
        return {lp->at(p), lp->at(lp->next(p))};
    }
    const auto [field, value] = std::get<Dict<std::string>>(rep_).random(rng);
    return {field, *value};
}

void HashValue::convert_to_dict() {
    Dict<std::string> dict;
    dict.reserve(size());
    for_each([&](std::string_view field, std::string_view value) { dict.insert(field, std::string(value)); });
    rep_ = std::move(dict);
}

}  // namespace tierkv::storage
