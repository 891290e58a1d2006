// Keyspace's core: DbView (a command's reads and writes), locks, WATCH,
// expiry, flushes and the look-ahead prefetch. SCAN, eviction and the tier
// are in keyspace_scan.cc, keyspace_eviction.cc and keyspace_tier.cc.
#include "storage/keyspace.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <unordered_set>

#include "storage/clock.h"
#include "storage/glob.h"
#include "storage/thread_rng.h"

namespace tierkv::storage {
namespace {

std::int64_t steady_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

// ---- DbView -------------------------------------------------------------

Table& DbView::table_for(std::uint64_t hash) { return ks_->shards_[ks_->shard_index(hash)]->dbs[db_]; }

Entry* DbView::find(std::string_view key) {
    const std::uint64_t h = ks_->hash(key);
    auto& shard = *ks_->shards_[ks_->shard_index(h)];
    Table& table = shard.dbs[db_];
    Entry* e = table.find(key, h);
    if (e && table.expired(*e, now_ms_)) {
        Keyspace::erase_expired(shard, db_, key, h);
        return nullptr;
    }
    if (!e && ks_->tier_) e = ks_->promote_locked(shard, db_, key, h, now_ms_);
    return e;
}

Entry* DbView::find_for_read(std::string_view key, Touch touch) {
    Entry* e = find(key);
    auto& counters = ks_->shards_[ks_->shard_index(ks_->hash(key))]->counters;
    if (e) {
        counters.hits.fetch_add(1, std::memory_order_relaxed);
        if (touch == Touch::kYes) this->touch(*e);
    } else {
        counters.misses.fetch_add(1, std::memory_order_relaxed);
    }
    return e;
}

Entry* DbView::find_for_write(std::string_view key) {
    Entry* e = find(key);
    if (e) touch(*e);
    return e;
}

Entry& DbView::set(std::string_view key, Value value) {
    const std::uint64_t h = ks_->hash(key);
    Table& table = table_for(h);
    Entry* e = table.find(key, h);
    modified(key);
    if (!e) {
        // An older copy in the tier must not come back after this one goes.
        if (ks_->tier_ && ks_->tier_->may_contain(db_, key)) ks_->tier_->forget(db_, key, false);
        return table.insert(key, h, std::move(value), ks_->clock_seconds(now_ms_));
    }
    dirty(table, *e);
    table.assign(*e, std::move(value));
    table.set_expire(*e, 0);
    table.touch(*e, ks_->clock_seconds(now_ms_));
    return *e;
}

void DbView::modified(std::string_view key) {
    if (lock_ && lock_->recording_) {
        // Called before the change: the entry still shows its old state.
        const Entry* e = table_for(ks_->hash(key)).find(key, ks_->hash(key));
        lock_->record_change(db_, key, e && e->disk_copy);
    }
    if (ks_->watch_count_.load(std::memory_order_relaxed) == 0) return;  // nobody WATCHes: no hashing
    Keyspace::touch_watched(*ks_->shards_[ks_->shard_index(ks_->hash(key))], db_, key);
}

void DbView::dirty(Table& table, Entry& entry) {
    // Without write-through a changed entry's copy in the tier is stale:
    // delete it, so evicting the entry later writes it again.
    if (!entry.disk_copy || !ks_->tier_ || ks_->write_through_) return;
    ks_->tier_->forget(db_, entry.key(), true);
    table.set_disk_copy(entry, false);
}

ValueEdit DbView::edit(Entry& entry) {
    Table& table = table_for(ks_->hash(entry.key()));
    dirty(table, entry);
    modified(entry.key());
    return ValueEdit(table, entry);
}

void DbView::replace_value(Entry& entry, Value value) {
    Table& table = table_for(ks_->hash(entry.key()));
    dirty(table, entry);
    modified(entry.key());
    table.assign(entry, std::move(value));
}

Value DbView::take_value(Entry& entry) { return table_for(ks_->hash(entry.key())).take_value(entry); }

bool DbView::erase(std::string_view key) {
    const std::uint64_t h = ks_->hash(key);
    Table& table = table_for(h);
    Entry* e = table.find(key, h);
    if (!e) return false;
    dirty(table, *e);
    modified(key);
    return table.erase(key, h);
}

void DbView::set_expire(Entry& entry, std::int64_t expire_at_ms) {
    Table& table = table_for(ks_->hash(entry.key()));
    if (table.expire_at(entry) != expire_at_ms) dirty(table, entry);
    modified(entry.key());
    table.set_expire(entry, expire_at_ms);
}

std::int64_t DbView::expire_at(const Entry& entry) { return table_for(ks_->hash(entry.key())).expire_at(entry); }

void DbView::touch(Entry& entry) { table_for(ks_->hash(entry.key())).touch(entry, ks_->clock_seconds(now_ms_)); }

bool DbView::needs_disk_read(std::string_view key) {
    if (!ks_->tier_) return false;
    const std::uint64_t h = ks_->hash(key);
    if (table_for(h).find(key, h)) return false;  // in memory (an expired entry is dropped, not read back)
    return !ks_->tier_->queued(db_, key) && ks_->tier_->may_contain(db_, key);
}

bool DbView::has_disk_copy(std::string_view key) {
    const Entry* e = table_for(ks_->hash(key)).find(key, ks_->hash(key));
    return e && e->disk_copy;
}

void DbView::write_through(std::string_view key, bool had_disk_copy) {
    const std::uint64_t h = ks_->hash(key);
    Table& table = table_for(h);
    Tier& tier = *ks_->tier_;
    Entry* e = table.find(key, h);
    if (e && !table.expired(*e, now_ms_)) {
        tier.write_through(db_, key, ks_->record_of(table, *e, e->value), !e->disk_copy);
        table.set_disk_copy(*e, true);
    } else if (had_disk_copy) {
        tier.forget(db_, key, true);
    } else if (tier.may_contain(db_, key)) {
        tier.forget(db_, key, false);
    }
}

// ---- KeyLock --------------------------------------------------------------

namespace {
// The lock this thread's EXEC runs its commands under (KeyLock::Current).
thread_local const KeyLock* t_current_lock = nullptr;
}  // namespace

KeyLock::Current::Current(const KeyLock& lock) : previous_(t_current_lock) { t_current_lock = &lock; }
KeyLock::Current::~Current() { t_current_lock = previous_; }

std::unique_lock<ShardMutex> Keyspace::lock_shard(Shard& shard) {
    if (t_current_lock && t_current_lock->holds(shard.mutex)) return {};
    return std::unique_lock(shard.mutex);
}

void Keyspace::erase_expired(Shard& shard, std::size_t db, std::string_view key, std::uint64_t hash) {
    shard.dbs[db].erase(key, hash);
    shard.counters.expired.fetch_add(1, std::memory_order_relaxed);
    touch_watched(shard, db, key);
}

// ---- WATCH ------------------------------------------------------------------

std::string Keyspace::watch_name(std::size_t db, std::string_view key) {
    std::string name;
    name.reserve(key.size() + 2);
    name.push_back(static_cast<char>(db >> 8));
    name.push_back(static_cast<char>(db & 0xff));
    name.append(key);
    return name;
}

void Keyspace::touch_watched_slow(Shard& shard, std::size_t db, std::string_view key) {
    auto it = shard.watched.find(watch_name(db, key));
    if (it == shard.watched.end()) return;
    for (const auto& flag : it->second) flag->dirty.store(true, std::memory_order_relaxed);
}

void Keyspace::watch(std::size_t db, std::string_view key, std::shared_ptr<WatchFlag> flag) {
    Shard& shard = *shards_[shard_index(hash(key))];
    auto& flags = shard.watched[watch_name(db, key)];
    if (std::find(flags.begin(), flags.end(), flag) != flags.end()) return;
    flags.push_back(std::move(flag));
    watch_count_.fetch_add(1, std::memory_order_relaxed);
}

void Keyspace::unwatch(std::size_t db, std::string_view key, const WatchFlag* flag) {
    Shard& shard = *shards_[shard_index(hash(key))];
    const auto guard = lock_shard(shard);
    auto it = shard.watched.find(watch_name(db, key));
    if (it == shard.watched.end()) return;
    const auto removed = std::erase_if(it->second, [&](const auto& f) { return f.get() == flag; });
    watch_count_.fetch_sub(removed, std::memory_order_relaxed);
    if (it->second.empty()) shard.watched.erase(it);
}

bool Keyspace::expired_in_memory(std::size_t db, std::string_view key, std::int64_t now_ms) {
    const std::uint64_t h = hash(key);
    Table& table = shards_[shard_index(h)]->dbs[db];
    const Entry* e = table.find(key, h);
    return e && table.expired(*e, now_ms);
}

void KeyLock::record_change(std::size_t db, std::string_view key, bool had_disk_copy) const {
    const bool seen = std::any_of(changed_.begin(), changed_.end(),
                                  [&](const ChangedKey& c) { return c.db == db && c.key == key; });
    if (!seen) changed_.push_back(ChangedKey{db, std::string(key), had_disk_copy});
}

bool KeyLock::holds(const ShardMutex& shard_mutex) const { return locks_.holds(shard_mutex); }

// ---- Keyspace -------------------------------------------------------------

Keyspace::Keyspace(std::size_t shard_count, std::size_t databases)
    : databases_(databases), shard_bits_(0), start_ms_(unix_time_ms()) {
    shard_count = std::bit_ceil(std::max<std::size_t>(shard_count, 1));
    shard_bits_ = static_cast<unsigned>(std::countr_zero(shard_count));
    shards_.reserve(shard_count);
    for (std::size_t i = 0; i < shard_count; ++i) {
        auto shard = std::make_unique<Shard>();
        shard->dbs.reserve(databases);
        for (std::size_t db = 0; db < databases; ++db) shard->dbs.push_back(make_table());
        shard->rng.seed(0x9e3779b97f4a7c15ull * (i + 1));
        shards_.push_back(std::move(shard));
    }
}

std::uint64_t Keyspace::hash(std::string_view key) const { return key_hash(key, hash_seed_); }

KeyLock Keyspace::lock(std::span<const std::string_view> keys, std::int64_t now_ms) {
    if (t_current_lock) {
        // Inside EXEC, whose lock covers every key its commands name.
        KeyLock lock(*this, now_ms);
        for (std::string_view k : keys) {
            Shard& shard = *shards_[shard_index(hash(k))];
            if (!t_current_lock->holds(shard.mutex) && !lock.holds(shard.mutex)) lock.locks_.lock(shard.mutex);
        }
        return lock;
    }
    KeyLock lock(*this, now_ms);
    if (keys.size() == 1) {  // most commands: no list of shards to sort
        lock.locks_.lock(shards_[shard_index(hash(keys[0]))]->mutex);
        return lock;
    }
    // Several shards are always locked in index order, so two commands
    // never wait for each other's shards.
    std::vector<std::size_t> indexes;
    indexes.reserve(keys.size());
    for (std::string_view k : keys) indexes.push_back(shard_index(hash(k)));
    std::sort(indexes.begin(), indexes.end());
    indexes.erase(std::unique(indexes.begin(), indexes.end()), indexes.end());
    for (std::size_t i : indexes) lock.locks_.lock(shards_[i]->mutex);
    return lock;
}

KeyLock Keyspace::lock_all(std::int64_t now_ms) {
    KeyLock lock(*this, now_ms);
    for (auto& shard : shards_) {
        if (t_current_lock && t_current_lock->holds(shard->mutex)) continue;  // inside EXEC
        lock.locks_.lock(shard->mutex);
    }
    return lock;
}

DbSize Keyspace::size(std::size_t db) {
    // Every shard at once: a key moving between shards (RENAME) or between
    // memory and the tier (both under its shard's lock) is counted once.
    const KeyLock all = lock_all(0);
    DbSize total;
    for (auto& shard : shards_) {
        // Keys whose value the tier holds too are counted there.
        total.keys += shard->dbs[db].size() - shard->dbs[db].disk_copies();
        total.expires += shard->dbs[db].volatile_size();
    }
    if (tier_) total.keys += tier_->key_count(db);
    return total;
}

std::vector<std::string> Keyspace::keys(std::size_t db, std::string_view pattern, std::int64_t now_ms) {
    std::vector<std::string> out;
    const bool all = pattern == "*";
    for (auto& shard : shards_) {
        const auto guard = lock_shard(*shard);
        const Table& table = shard->dbs[db];
        table.for_each([&](const Entry& e) {
            if (!table.expired(e, now_ms) && (all || glob_match(pattern, e.key()))) out.push_back(std::string(e.key()));
        });
    }
    if (tier_) {
        std::unordered_set<std::string> seen(out.begin(), out.end());
        auto add = [&](std::string_view key) {
            if ((all || glob_match(pattern, key)) && seen.emplace(key).second) out.emplace_back(key);
        };
        for (const std::string& key : tier_->pending_keys(db)) add(key);
        tier_->store().for_each(db, {}, now_ms, [&](std::string_view key, ValueType) {
            if (!deleted_in_queue(db, key, now_ms)) add(key);
            return true;
        });
    }
    return out;
}

std::optional<std::string> Keyspace::random_key(std::size_t db, std::int64_t now_ms) {
    // Pick a shard weighted by its size, then a random entry in it. An
    // expired pick is deleted and another drawn: every round either answers
    // or removes a key, so this ends.
    std::mt19937_64& rng = thread_rng();
    std::vector<std::size_t> sizes(shards_.size());
    for (;;) {
        std::size_t total = 0;
        for (std::size_t i = 0; i < shards_.size(); ++i) {
            const auto guard = lock_shard(*shards_[i]);
            sizes[i] = shards_[i]->dbs[db].size();
            total += sizes[i];
        }
        if (total == 0) return random_tier_key(db, now_ms);
        std::size_t pick = std::uniform_int_distribution<std::size_t>(0, total - 1)(rng);
        std::size_t i = 0;
        while (pick >= sizes[i]) pick -= sizes[i++];
        Shard& shard = *shards_[i];
        const auto guard = lock_shard(shard);
        Table& table = shard.dbs[db];
        Entry* e = table.random_entry(rng);
        if (!e) continue;  // emptied since it was counted
        if (!table.expired(*e, now_ms)) return std::string(e->key());
        const std::string key(e->key());
        erase_expired(shard, db, key, hash(key));
    }
}

std::vector<Table> Keyspace::flush(std::optional<std::size_t> db) {
    // Every shard stays locked from the tier's clear to the last table
    // emptied: no entry can be spilled in between, to outlive the flush.
    std::vector<std::unique_lock<ShardMutex>> guards;
    for (auto& shard : shards_) guards.push_back(lock_shard(*shard));
    const std::uint64_t cleared = tier_ ? tier_->queue_clear(db) : 0;
    std::vector<Table> old;
    for (auto& shard : shards_) {
        // As Redis: a watched key that existed in an emptied database changed.
        for (auto& [name, flags] : shard->watched) {
            const std::size_t key_db = (static_cast<unsigned char>(name[0]) << 8) | static_cast<unsigned char>(name[1]);
            if (db && *db != key_db) continue;
            const std::string_view key = std::string_view(name).substr(2);
            if (!shard->dbs[key_db].find(key, hash(key))) continue;
            for (const auto& flag : flags) flag->dirty.store(true, std::memory_order_relaxed);
        }
        for (std::size_t i = 0; i < databases_; ++i) {
            if (db && *db != i) continue;
            old.push_back(std::move(shard->dbs[i]));
            shard->dbs[i] = make_table();
        }
    }
    guards.clear();
    if (tier_) tier_->wait_written(cleared);
    return old;
}

void Keyspace::prefetch(std::size_t db, std::uint64_t key_hash, Prefetch stage) {
    Shard& shard = *shards_[shard_index(key_hash)];
    std::unique_lock lock(shard.mutex, std::try_to_lock);
    if (!lock || db >= shard.dbs.size()) return;
    const Table& table = shard.dbs[db];
    if (stage == Prefetch::kBucket) {
        table.prefetch_bucket(key_hash);
    } else {
        table.prefetch_node(key_hash);
    }
}

std::int64_t Keyspace::memory_drift() {
    std::int64_t drift = 0;
    for (auto& shard : shards_) {
        std::lock_guard guard(shard->mutex);
        for (const Table& table : shard->dbs) drift += std::abs(table.recount_memory_bytes() - table.memory_bytes());
    }
    return drift;
}

std::size_t Keyspace::expire_cycle(std::int64_t now_ms, std::int64_t deadline_steady_ms) {
    constexpr std::size_t kSamples = 20;  // keys looked at per shard and database per round
    std::size_t deleted = 0;
    for (std::size_t visited = 0; visited < shards_.size(); ++visited) {
        const std::size_t index = expire_next_shard_.fetch_add(1, std::memory_order_relaxed) % shards_.size();
        Shard& shard = *shards_[index];
        std::lock_guard guard(shard.mutex);
        for (Table& table : shard.dbs) {
            // Keep sampling this table while more than a quarter of the
            // sample was expired: there are likely many more.
            while (table.volatile_size() > 0) {
                std::size_t sampled = 0;
                std::size_t expired = 0;
                const std::size_t n = std::min(kSamples, table.volatile_size());
                for (; sampled < n && table.volatile_size() > 0; ++sampled) {
                    Entry& e = *table.random_volatile(shard.rng);
                    if (table.expired(e, now_ms)) {
                        const std::string key(e.key());
                        erase_expired(shard, static_cast<std::size_t>(&table - shard.dbs.data()), key, hash(key));
                        ++expired;
                    }
                }
                deleted += expired;
                if (expired * 4 <= sampled || steady_ms() >= deadline_steady_ms) break;
            }
        }
        if (steady_ms() >= deadline_steady_ms) break;
    }
    return deleted;
}

KeyspaceStats Keyspace::stats() const {
    KeyspaceStats s;
    for (const auto& shard : shards_) {
        s.hits += shard->counters.hits.load(std::memory_order_relaxed);
        s.misses += shard->counters.misses.load(std::memory_order_relaxed);
        s.expired += shard->counters.expired.load(std::memory_order_relaxed);
        s.evicted += shard->counters.evicted.load(std::memory_order_relaxed);
    }
    return s;
}

void Keyspace::reset_stats() {
    for (auto& shard : shards_) {
        shard->counters.hits = 0;
        shard->counters.misses = 0;
        shard->counters.expired = 0;
        shard->counters.evicted = 0;
    }
}

}  // namespace tierkv::storage
