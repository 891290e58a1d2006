#include "storage/tier/record.h"

#include <cstring>

namespace tierkv::storage {
namespace {

constexpr std::size_t kHeaderSize = 1 + 8 + 8 + 1;

void put_u64(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::uint64_t get_u64(std::string_view in, std::size_t at) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[at + i])) << (8 * i);
    return v;
}

}  // namespace

std::string tier_db_prefix(std::size_t db) {
    return std::string{static_cast<char>((db >> 8) & 0xff), static_cast<char>(db & 0xff)};
}

std::string encode_tier_key(std::size_t db, std::string_view key) {
    std::string out = tier_db_prefix(db);
    out.append(key);
    return out;
}

std::optional<std::pair<std::size_t, std::string_view>> decode_tier_key(std::string_view encoded) {
    if (encoded.size() < 2) return std::nullopt;
    const std::size_t db = (static_cast<std::size_t>(static_cast<unsigned char>(encoded[0])) << 8) |
                           static_cast<unsigned char>(encoded[1]);
    return std::pair{db, encoded.substr(2)};
}

namespace {

// Collections: the element count, then each element as length + bytes
// (a hash: field, value, field, value...; a sorted set: member, score as
// its 8 bytes, member, score...). Strings: the bytes as they are.
void put_u32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put_element(std::string& out, std::string_view element) {
    put_u32(out, static_cast<std::uint32_t>(element.size()));
    out.append(element);
}

// Reads length-prefixed elements off the front of `in`.
class ElementReader {
public:
    explicit ElementReader(std::string_view in) : in_(in) {}
    std::optional<std::uint32_t> u32() {
        if (in_.size() < 4) return std::nullopt;
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(in_[i])) << (8 * i);
        in_.remove_prefix(4);
        return v;
    }
    std::optional<std::string_view> element() {
        const auto n = u32();
        if (!n || in_.size() < *n) return std::nullopt;
        const std::string_view e = in_.substr(0, *n);
        in_.remove_prefix(*n);
        return e;
    }

private:
    std::string_view in_;
};

void encode_payload(std::string& out, const Value& value) {
    switch (value.type()) {
        case ValueType::kString:
            out.append(value.str());
            return;
        case ValueType::kList: {
            const auto& list = value.as<ListValue>();
            put_u32(out, static_cast<std::uint32_t>(list.size()));
            list.for_each_from(0, [&](std::string_view e) {
                put_element(out, e);
                return true;
            });
            return;
        }
        case ValueType::kSet: {
            const auto& set = value.as<SetValue>();
            put_u32(out, static_cast<std::uint32_t>(set.size()));
            set.for_each([&](std::string_view m) { put_element(out, m); });
            return;
        }
        case ValueType::kHash: {
            const auto& hash = value.as<HashValue>();
            put_u32(out, static_cast<std::uint32_t>(hash.size()));
            hash.for_each([&](std::string_view f, std::string_view v) {
                put_element(out, f);
                put_element(out, v);
            });
            return;
        }
        case ValueType::kZSet: {
            const auto& zset = value.as<ZSetValue>();
            put_u32(out, static_cast<std::uint32_t>(zset.size()));
            zset.for_each([&](std::string_view member, double score) {
                put_element(out, member);
                char bytes[sizeof score];
                std::memcpy(bytes, &score, sizeof score);
                put_element(out, std::string_view(bytes, sizeof bytes));
            });
            return;
        }
    }
}

std::optional<Value> decode_payload(ValueType type, std::string_view in, const EncodingLimits& limits) {
    if (type == ValueType::kString) return Value::string(in);
    ElementReader reader(in);
    const auto count = reader.u32();
    if (!count) return std::nullopt;
    if (type == ValueType::kList) {
        ListValue list;
        for (std::uint32_t i = 0; i < *count; ++i) {
            const auto e = reader.element();
            if (!e) return std::nullopt;
            list.push_back(*e, limits);
        }
        return Value(std::move(list));
    }
    if (type == ValueType::kSet) {
        SetValue set;
        for (std::uint32_t i = 0; i < *count; ++i) {
            const auto m = reader.element();
            if (!m) return std::nullopt;
            set.add(*m, limits);
        }
        return Value(std::move(set));
    }
    if (type == ValueType::kHash) {
        HashValue hash;
        for (std::uint32_t i = 0; i < *count; ++i) {
            const auto f = reader.element();
            const auto v = reader.element();
            if (!f || !v) return std::nullopt;
            hash.set(*f, *v, limits);
        }
        return Value(std::move(hash));
    }
    if (type == ValueType::kZSet) {
        ZSetValue zset;
        for (std::uint32_t i = 0; i < *count; ++i) {
            const auto member = reader.element();
            const auto score = reader.element();
            if (!member || !score || score->size() != sizeof(double)) return std::nullopt;
            zset.set(*member, ZSetValue::decode_score(*score), limits);
        }
        return Value(std::move(zset));
    }
    return std::nullopt;
}

}  // namespace

std::string encode_tier_record(const TierRecord& record) {
    std::string out;
    out.reserve(kHeaderSize + (record.value.type() == ValueType::kString ? record.value.str().size() : 64));
    out.push_back(static_cast<char>(record.value.type()));
    put_u64(out, static_cast<std::uint64_t>(record.expire_at_ms));
    put_u64(out, static_cast<std::uint64_t>(record.last_access_ms));
    out.push_back(static_cast<char>(record.lfu_counter));
    encode_payload(out, record.value);
    return out;
}

std::optional<TierRecord> decode_tier_record(std::string_view encoded, const EncodingLimits& limits) {
    if (encoded.size() < kHeaderSize) return std::nullopt;
    const auto type = static_cast<ValueType>(static_cast<unsigned char>(encoded[0]));
    auto value = decode_payload(type, encoded.substr(kHeaderSize), limits);
    if (!value) return std::nullopt;
    TierRecord r;
    r.expire_at_ms = static_cast<std::int64_t>(get_u64(encoded, 1));
    r.last_access_ms = static_cast<std::int64_t>(get_u64(encoded, 9));
    r.lfu_counter = static_cast<std::uint8_t>(encoded[17]);
    r.value = std::move(*value);
    return r;
}

std::optional<ValueType> tier_record_type(std::string_view encoded) {
    if (encoded.size() < kHeaderSize) return std::nullopt;
    return static_cast<ValueType>(static_cast<unsigned char>(encoded[0]));
}

std::optional<std::int64_t> tier_record_expiry(std::string_view encoded) {
    if (encoded.size() < kHeaderSize) return std::nullopt;
    return static_cast<std::int64_t>(get_u64(encoded, 1));
}

}  // namespace tierkv::storage
