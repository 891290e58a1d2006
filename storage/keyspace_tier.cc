// Keyspace and the RocksDB tier: reading entries back into memory, keys
// only on disk, and the spill of every key at shutdown.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "storage/keyspace.h"
#include "storage/thread_rng.h"

namespace tierkv::storage {

// ---- The tier -------------------------------------------------------------------

bool Keyspace::deleted_in_queue(std::size_t db, std::string_view key, std::int64_t now_ms) {
    const Tier::PendingLookup queued = tier_->pending(db, key, now_ms);
    return queued.known && !queued.record;
}

std::optional<std::string> Keyspace::random_tier_key(std::size_t db, std::int64_t now_ms) {
    if (!tier_) return std::nullopt;
    // Seek to a random point of the database's range and take the key there
    // (or the first one): every key can come up, though not all equally.
    std::mt19937_64& rng = thread_rng();
    std::string start(8, '\0');
    for (char& c : start) c = static_cast<char>(rng() & 0xff);
    std::optional<std::string> found;
    for (std::string_view from : {std::string_view(start), std::string_view()}) {
        tier_->store().for_each(db, from, now_ms, [&](std::string_view key, ValueType) {
            found.emplace(key);
            return false;
        });
        if (found) break;
    }
    return found;
}

Entry* Keyspace::promote_locked(Shard& shard, std::size_t db, std::string_view key, std::uint64_t hash,
                                std::int64_t now_ms) {
    if (!tier_->may_contain(db, key)) return nullptr;
    std::optional<TierRecord> record = tier_->read(db, key, now_ms);
    if (!record) return nullptr;
    Table& table = shard.dbs[db];
    Entry& e = table.insert(key, hash, std::move(record->value), clock_seconds_at(record->last_access_ms));
    e.lfu_counter = record->lfu_counter;
    if (record->expire_at_ms != 0) table.set_expire(e, record->expire_at_ms);
    adopt_promoted(table, e, db);
    return &e;
}

std::vector<std::string> Keyspace::keys_on_disk(std::size_t db, std::span<const std::string_view> keys,
                                                std::int64_t now_ms) {
    std::vector<std::string> out;
    if (!tier_) return out;
    for (std::string_view key : keys) {
        const std::uint64_t h = hash(key);
        Shard& shard = *shards_[shard_index(h)];
        std::lock_guard guard(shard.mutex);
        Table& table = shard.dbs[db];
        const Entry* e = table.find(key, h);
        if (e && !table.expired(*e, now_ms)) continue;
        if (tier_->queued(db, key)) continue;  // the queue answers: no disk read needed
        if (tier_->may_contain(db, key)) out.emplace_back(key);
    }
    return out;
}

void Keyspace::promote(std::size_t db, std::string_view key, TierRecord record, std::int64_t now_ms) {
    const std::uint64_t h = hash(key);
    Shard& shard = *shards_[shard_index(h)];
    std::lock_guard guard(shard.mutex);
    Table& table = shard.dbs[db];
    if (table.find(key, h)) return;  // written or promoted meanwhile: memory is newer
    if (record.expired(now_ms)) return;
    Entry& e = table.insert(key, h, std::move(record.value), clock_seconds_at(record.last_access_ms));
    e.lfu_counter = record.lfu_counter;
    if (record.expire_at_ms != 0) table.set_expire(e, record.expire_at_ms);
    adopt_promoted(table, e, db);
}

void Keyspace::adopt_promoted(Table& table, Entry& e, std::size_t) {
    // The tier keeps its copy while the entry is unchanged (DbView::dirty),
    // so evicting it again writes nothing: reads cost no writes.
    table.set_disk_copy(e, true);
    tier_->note_promotion();
}

TierRecord Keyspace::record_of(const Table& table, const Entry& e, Value value) const {
    return TierRecord{std::move(value), table.expire_at(e),
                      start_ms_ + static_cast<std::int64_t>(e.last_access_s) * 1000, e.lfu_counter};
}

void Keyspace::spill_all(std::int64_t now_ms) {
    if (!tier_) return;
    // What is in memory now is the hot set: remember it, hottest first, so
    // the next start can bring it back (warm-up).
    struct Hot {
        std::uint32_t last_access_s;
        TierStore::HotKey key;
    };
    std::vector<Hot> hot;
    for (auto& shard : shards_) {
        std::lock_guard guard(shard->mutex);
        for (std::size_t db = 0; db < shard->dbs.size(); ++db) {
            Table& table = shard->dbs[db];
            table.for_each([&](Entry& e) {
                if (table.expired(e, now_ms)) return;
                hot.push_back(Hot{e.last_access_s, TierStore::HotKey{db, std::string(e.key())}});
                if (e.disk_copy) return;  // the tier has it already
                tier_->spill(db, e.key(), record_of(table, e, table.take_value(e)));
            });
            table = make_table();
        }
    }
    std::stable_sort(hot.begin(), hot.end(), [](const Hot& a, const Hot& b) { return a.last_access_s > b.last_access_s; });
    std::vector<TierStore::HotKey> hot_keys;
    hot_keys.reserve(hot.size());
    for (Hot& h : hot) hot_keys.push_back(std::move(h.key));
    tier_->drain(true);
    tier_->store().save_hot_keys(hot_keys);
}

}  // namespace tierkv::storage
