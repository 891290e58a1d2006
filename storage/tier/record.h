// How a key and its entry are laid out in the RocksDB tier. The key is the
// database index (2 bytes, big-endian, so each database is one contiguous
// range) followed by the key's bytes. The value is a fixed header (type,
// expiry, hotness) followed by the type's payload.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/value.h"

namespace tierkv::storage {

struct TierRecord {
    Value value;
    std::int64_t expire_at_ms = 0;    // unix ms; 0 = no expiry
    std::int64_t last_access_ms = 0;  // unix ms, for warm-up's hottest-first order
    std::uint8_t lfu_counter = 5;

    bool expired(std::int64_t now_ms) const { return expire_at_ms != 0 && expire_at_ms <= now_ms; }
};

std::string encode_tier_key(std::size_t db, std::string_view key);
// The (db, key) of an encoded key; nullopt when it is not one.
std::optional<std::pair<std::size_t, std::string_view>> decode_tier_key(std::string_view encoded);
// The first encoded key of database `db` (and, for db + 1, the end of db's range).
std::string tier_db_prefix(std::size_t db);

std::string encode_tier_record(const TierRecord& record);
// Collections are rebuilt with the encodings `limits` choose for their size.
std::optional<TierRecord> decode_tier_record(std::string_view encoded, const EncodingLimits& limits = {});
// Reads only the header's type (SCAN ... TYPE); nullopt when malformed.
std::optional<ValueType> tier_record_type(std::string_view encoded);
// Reads only the header's expiry (for the compaction filter); nullopt when malformed.
std::optional<std::int64_t> tier_record_expiry(std::string_view encoded);

}  // namespace tierkv::storage
