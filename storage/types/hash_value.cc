#include "storage/types/hash_value.h"

#include "storage/memory.h"

namespace tierkv::storage {

std::size_t HashValue::size() const { return dict_ ? dict_->size() : listpack_.size() / 2; }

std::size_t HashValue::heap_bytes() const {
    return listpack_.heap_bytes() + (dict_ ? allocation_size(sizeof(Dict<std::string>)) + dict_->heap_bytes() : 0);
}

std::optional<std::string_view> HashValue::get(std::string_view field) const {
    if (!dict_) {
        const ForwardListpack::Pos p = listpack_.find(field, listpack_.begin(), 2);
        if (p == listpack_.end()) return std::nullopt;
        return listpack_.at(listpack_.next(p));
    }
    const std::string* value = dict_->find(field);
    if (!value) return std::nullopt;
    return std::string_view(*value);
}

bool HashValue::set(std::string_view field, std::string_view value, const EncodingLimits& limits) {
    if (!dict_) {
        const bool too_long =
            field.size() > limits.hash_max_listpack_value || value.size() > limits.hash_max_listpack_value ||
            listpack_.bytes() + ForwardListpack::entry_bytes(field.size()) + ForwardListpack::entry_bytes(value.size()) >
                limits.listpack_max_bytes;
        if (!too_long) {
            const ForwardListpack::Pos p = listpack_.find(field, listpack_.begin(), 2);
            if (p != listpack_.end()) {
                listpack_.replace(listpack_.next(p), value);
                return false;
            }
            listpack_.push_back(field);
            listpack_.push_back(value);
            if (listpack_.size() / 2 > limits.hash_max_listpack_entries) convert_to_dict();
            return true;
        }
        convert_to_dict();
    }
    if (dict_->insert(field, std::string(value))) return true;
    dict_->update(field, [&](std::string& old) { old.assign(value); });
    return false;
}

bool HashValue::erase(std::string_view field) {
    if (!dict_) {
        const ForwardListpack::Pos p = listpack_.find(field, listpack_.begin(), 2);
        if (p == listpack_.end()) return false;
        listpack_.erase(p, listpack_.next(listpack_.next(p)), 2);
        return true;
    }
    return dict_->erase(field);
}

HashValue::Pair HashValue::random(std::mt19937_64& rng) const {
    if (!dict_) {
        const std::size_t i = std::uniform_int_distribution<std::size_t>(0, listpack_.size() / 2 - 1)(rng);
        const ForwardListpack::Pos p = listpack_.seek(2 * i);
        return {listpack_.at(p), listpack_.at(listpack_.next(p))};
    }
    const auto [field, value] = dict_->random(rng);
    return {field, *value};
}

void HashValue::convert_to_dict() {
    auto dict = std::make_unique<Dict<std::string>>();
    dict->reserve(size());
    for_each([&](std::string_view field, std::string_view value) { dict->insert(field, std::string(value)); });
    dict_ = std::move(dict);
    listpack_.clear();
}

}  // namespace tierkv::storage
