// One database's share of one shard: a chained hash table with a
// power-of-two bucket count. The power of two is what lets SCAN walk it with
// Redis's reverse-binary cursor and still visit every key that stays present,
// even when the table grows or shrinks between calls.
//
// Not thread-safe: the owning shard's lock guards it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "storage/value.h"

namespace tierkv::storage {

struct Entry {
    std::string key;
    Value value;
    std::int64_t expire_at_ms = 0;  // unix time in ms; 0 = no expiry
    std::uint32_t last_access_s = 0;  // seconds since the keyspace started, for OBJECT IDLETIME
    std::uint32_t volatile_slot = 0;  // index in Table::volatile_ while expire_at_ms != 0

    bool has_expiry() const { return expire_at_ms != 0; }
    bool expired(std::int64_t now_ms) const { return expire_at_ms != 0 && expire_at_ms <= now_ms; }
};

class Table {
public:
    Table() = default;
    Table(Table&&) noexcept = default;
    Table& operator=(Table&&) noexcept = default;
    ~Table();

    std::size_t size() const { return size_; }
    std::size_t volatile_size() const { return volatile_.size(); }
    std::size_t bucket_count() const { return buckets_.size(); }

    Entry* find(std::string_view key, std::uint64_t hash);
    // The key must not be present.
    Entry& insert(std::string_view key, std::uint64_t hash, Value value);
    bool erase(std::string_view key, std::uint64_t hash);

    void set_expire(Entry& entry, std::int64_t expire_at_ms);  // 0 removes the expiry

    // The i-th key with an expiry (i < volatile_size()), for sampling.
    Entry& volatile_entry(std::size_t i) { return *volatile_[i]; }

    // Visits the bucket `cursor` points at and returns the next cursor, 0 when
    // the walk is complete.
    std::uint64_t scan(std::uint64_t cursor, const std::function<void(const Entry&)>& visit) const;

    // A uniformly chosen bucket's random entry; nullptr when empty.
    Entry* random_entry(std::mt19937_64& rng);

    void for_each(const std::function<void(const Entry&)>& visit) const;
    void clear();

private:
    struct Node {
        std::unique_ptr<Node> next;
        std::uint64_t hash;
        Entry entry;
    };

    std::size_t index(std::uint64_t hash) const { return hash & (buckets_.size() - 1); }
    void resize(std::size_t bucket_count);
    void maybe_grow();
    void maybe_shrink();
    void drop_volatile(Entry& entry);

    std::vector<std::unique_ptr<Node>> buckets_;
    std::size_t size_ = 0;
    // Entries with an expiry, for O(1) sampling by the active expiry cycle
    // and volatile-* eviction. Non-owning: nodes never move in memory.
    std::vector<Entry*> volatile_;
};

}  // namespace tierkv::storage
