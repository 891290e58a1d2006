#include "storage/types/hash_value.h"

#include <algorithm>
#include <new>
#include <utility>

#include "storage/memory.h"

namespace tierkv::storage {

HashValue::HashValue(const HashValue& other) {
    if (other.is_dict()) {
        dict_word_ = reinterpret_cast<std::uintptr_t>(new FieldDict(*other.dict())) | kDictTag;
    } else {
        new (&listpack_) PairListpack(other.listpack_);
    }
}

HashValue::HashValue(HashValue&& other) noexcept {
    if (other.is_dict()) {
        dict_word_ = other.dict_word_;
        new (&other.listpack_) PairListpack();  // the source is left an empty hash
    } else {
        new (&listpack_) PairListpack(std::move(other.listpack_));
    }
}

HashValue& HashValue::operator=(HashValue&& other) noexcept {
    if (this != &other) {
        destroy();
        new (this) HashValue(std::move(other));
    }
    return *this;
}

void HashValue::destroy() noexcept {
    if (is_dict()) {
        delete dict();
    } else {
        listpack_.~PairListpack();
    }
}

std::size_t HashValue::size() const { return is_dict() ? dict()->size() : listpack_.size(); }

std::size_t HashValue::heap_bytes() const {
    return is_dict() ? allocation_size(sizeof(FieldDict)) + dict()->heap_bytes() : listpack_.heap_bytes();
}

std::optional<std::string_view> HashValue::get(std::string_view field) const {
    if (!is_dict()) {
        const PairListpack::Pos p = listpack_.find(field);
        if (p == listpack_.end()) return std::nullopt;
        return listpack_.at(p).value;
    }
    const std::string* value = dict()->find(field);
    if (!value) return std::nullopt;
    return std::string_view(*value);
}

bool HashValue::set(std::string_view field, std::string_view value, const EncodingLimits& limits) {
    if (!is_dict()) {
        const bool too_long =
            field.size() > limits.hash_max_listpack_value || value.size() > limits.hash_max_listpack_value ||
            listpack_.bytes() + PairListpack::pair_bytes(field.size(), value.size()) >
                std::min(limits.listpack_max_bytes, PairListpack::kMaxBytes);
        if (!too_long) {
            const PairListpack::Pos p = listpack_.find(field);
            if (p != listpack_.end()) {
                listpack_.set_value(p, value);
                return false;
            }
            listpack_.push_back(field, value);
            if (listpack_.size() > limits.hash_max_listpack_entries) convert_to_dict();
            return true;
        }
        convert_to_dict();
    }
    if (dict()->insert(field, std::string(value))) return true;
    dict()->update(field, [&](std::string& old) { old.assign(value); });
    return false;
}

bool HashValue::erase(std::string_view field) {
    if (!is_dict()) {
        const PairListpack::Pos p = listpack_.find(field);
        if (p == listpack_.end()) return false;
        listpack_.erase(p);
        return true;
    }
    return dict()->erase(field);
}

HashValue::Pair HashValue::random(std::mt19937_64& rng) const {
    if (!is_dict()) {
        const std::size_t i = std::uniform_int_distribution<std::size_t>(0, listpack_.size() - 1)(rng);
        return listpack_.at(listpack_.seek(i));
    }
    const auto [field, value] = dict()->random(rng);
    return {field, *value};
}

void HashValue::convert_to_dict() {
    auto table = std::make_unique<FieldDict>();
    table->reserve(size());
    for_each([&](std::string_view field, std::string_view value) { table->insert(field, std::string(value)); });
    listpack_.~PairListpack();
    dict_word_ = reinterpret_cast<std::uintptr_t>(table.release()) | kDictTag;
}

}  // namespace tierkv::storage
