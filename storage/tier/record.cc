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

std::string encode_tier_record(const TierRecord& record) {
    std::string out;
    out.reserve(kHeaderSize + record.value.data.size());
    out.push_back(static_cast<char>(record.value.type));
    put_u64(out, static_cast<std::uint64_t>(record.expire_at_ms));
    put_u64(out, static_cast<std::uint64_t>(record.last_access_ms));
    out.push_back(static_cast<char>(record.lfu_counter));
    // Strings are stored as they are; other types will add their own layout here.
    out.append(record.value.data);
    return out;
}

std::optional<TierRecord> decode_tier_record(std::string_view encoded) {
    if (encoded.size() < kHeaderSize) return std::nullopt;
    const auto type = static_cast<ValueType>(static_cast<unsigned char>(encoded[0]));
    if (type != ValueType::kString) return std::nullopt;
    TierRecord r;
    r.expire_at_ms = static_cast<std::int64_t>(get_u64(encoded, 1));
    r.last_access_ms = static_cast<std::int64_t>(get_u64(encoded, 9));
    r.lfu_counter = static_cast<std::uint8_t>(encoded[17]);
    r.value = Value::string(encoded.substr(kHeaderSize));
    return r;
}

std::optional<std::int64_t> tier_record_expiry(std::string_view encoded) {
    if (encoded.size() < kHeaderSize) return std::nullopt;
    return static_cast<std::int64_t>(get_u64(encoded, 1));
}

}  // namespace tierkv::storage
