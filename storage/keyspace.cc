#include "storage/keyspace.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <unordered_set>

#include "storage/clock.h"
#include "storage/glob.h"

namespace tierkv::storage {
namespace {

std::int64_t steady_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// This thread's generator for random picks (RANDOMKEY, eviction's second
// shard, the tier's random key).
std::mt19937_64& thread_rng() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    return rng;
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

ScanPage Keyspace::scan(std::size_t db, std::uint64_t cursor, std::size_t count, std::string_view pattern,
                        std::optional<ValueType> type, std::int64_t now_ms) {
    if (tier_) return scan_with_tier(db, cursor, count, pattern, type, now_ms);
    ScanPage page;
    page.next_cursor = walk_memory(db, cursor, count, pattern, type, now_ms, page.keys);
    return page;
}

std::uint64_t Keyspace::walk_memory(std::size_t db, std::uint64_t cursor, std::size_t count, std::string_view pattern,
                                    std::optional<ValueType> type, std::int64_t now_ms, std::vector<std::string>& out) {
    const std::uint64_t shard_mask = shards_.size() - 1;
    std::size_t shard = cursor & shard_mask;
    std::uint64_t table_cursor = cursor >> shard_bits_;
    count = std::max<std::size_t>(count, 1);
    // The bucket cap keeps one call short on a sparse table.
    const std::size_t max_buckets = count > SIZE_MAX / 10 ? SIZE_MAX : count * 10;
    std::size_t examined = 0;
    std::size_t buckets = 0;
    const bool all = pattern == "*";
    const Table* table = nullptr;  // the one being walked
    // Expired keys that match are deleted once their bucket is walked, as
    // Redis's SCAN does: counts (DBSIZE) then agree with what SCAN saw.
    std::vector<std::string> expired;
    auto visit = [&](const Entry& e) {
        ++examined;
        if (!all && !glob_match(pattern, e.key())) return;
        if (table->expired(e, now_ms)) {
            expired.emplace_back(e.key());
            return;
        }
        if (type && e.value.type() != *type) return;
        out.push_back(std::string(e.key()));
    };
    while (shard < shards_.size() && examined < count && buckets < max_buckets) {
        {
            Shard& walked = *shards_[shard];
            const auto guard = lock_shard(walked);
            table = &walked.dbs[db];
            if (table->size() == 0) {
                table_cursor = 0;  // nothing to return, and empty shards cost no budget
            } else {
                do {
                    table_cursor = table->scan(table_cursor, visit);
                    ++buckets;
                    for (const std::string& key : expired) erase_expired(walked, db, key, hash(key));
                    expired.clear();
                } while (table_cursor != 0 && examined < count && buckets < max_buckets);
            }
        }
        if (table_cursor == 0) ++shard;
    }
    return shard >= shards_.size() ? 0 : (table_cursor << shard_bits_) | shard;
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

// ---- Memory limit and eviction ----------------------------------------------

Table Keyspace::make_table() {
    std::lock_guard guard(policy_mutex_);
    return Table(make_eviction_policy(policy_name_, eviction_settings_), &used_bytes_, NodePool::kPoolFrom, hash_seed_);
}

bool Keyspace::set_eviction_policy(std::string_view name) {
    if (!make_eviction_policy(name, eviction_settings_)) return false;
    {
        std::lock_guard guard(policy_mutex_);
        policy_name_ = name;
    }
    // One shard at a time: clients wait at most for one shard's rebuild.
    for (auto& shard : shards_) {
        const auto guard = lock_shard(*shard);
        for (Table& table : shard->dbs) table.set_policy(make_eviction_policy(name, eviction_settings_));
    }
    return true;
}

std::string Keyspace::eviction_policy() const {
    std::lock_guard guard(policy_mutex_);
    return policy_name_;
}

std::int64_t Keyspace::shard_bytes(const Shard& shard) {
    std::int64_t bytes = 0;
    for (const Table& table : shard.dbs) bytes += table.memory_bytes();
    return bytes;
}

bool Keyspace::evict_one(Shard& shard, std::int64_t now_ms) {
    // Databases share the shard's budget: take from the one holding most.
    Table* fullest = nullptr;
    for (Table& table : shard.dbs) {
        if (table.size() > 0 && (!fullest || table.memory_bytes() > fullest->memory_bytes())) fullest = &table;
    }
    if (!fullest) return false;
    Entry* victim = fullest->eviction_victim(shard.rng, clock_seconds(now_ms));
    if (!victim) return false;
    const std::string key(victim->key());
    touch_watched(shard, static_cast<std::size_t>(fullest - shard.dbs.data()), key);
    if (tier_ && !victim->disk_copy) {
        // Nothing is lost: the entry moves to the tier with its hotness.
        const auto db = static_cast<std::size_t>(fullest - shard.dbs.data());
        tier_->spill(db, key, record_of(*fullest, *victim, fullest->take_value(*victim)));
    } else if (!tier_) {
        shard.counters.evicted.fetch_add(1, std::memory_order_relaxed);
    }
    fullest->erase(key, hash(key));
    return true;
}

EvictionResult Keyspace::evict(const KeyLock* held, std::size_t max_victims, std::int64_t now_ms) {
    EvictionResult result;
    if (tier_ && tier_->failing()) {
        // Nothing may leave memory while the tier cannot take it: writes
        // that need room are refused, everything else goes on.
        result.within_limit = !over_memory_limit();
        return result;
    }
    // Each shard gives up its own least valuable keys. Which shard: the one
    // whose turn it is, or a random one if that holds more memory (two
    // choices). Turns alone drained a shard that happened to get fewer new
    // keys than the others until its recently read keys went too (a test
    // reading 100 keys between fills kept 97-99 of them in 5 runs of 20).
    std::mt19937_64& rng = thread_rng();
    // A shard is locked here unless `held` has it; never waiting (see above).
    auto lock = [&](Shard& shard) {
        return held && held->holds(shard.mutex) ? std::unique_lock<ShardMutex>()
                                                : std::unique_lock(shard.mutex, std::try_to_lock);
    };
    auto usable = [&](Shard& shard, const std::unique_lock<ShardMutex>& guard) {
        return guard.owns_lock() || (held && held->holds(shard.mutex));
    };
    std::size_t fruitless = 0;  // turns in a row whose shards had nothing to give
    // Turns whose two shards other threads held (their own command's, or
    // theirs to evict from): no reason to give up, as the next turn tries
    // others, but bounded. Counted as fruitless, they made two writers on a
    // 4-shard keyspace refuse each other now and then.
    std::size_t busy = 0;
    constexpr std::size_t kMaxBusyTurns = 1024;
    while (result.evicted < max_victims && fruitless < shards_.size() && busy < kMaxBusyTurns) {
        // Within the limit once is enough, even if another thread's write
        // takes it over again before this one returns: that write made its
        // own room, and this command must not be refused for it.
        if (!over_memory_limit()) {
            result.within_limit = true;
            return result;
        }
        Shard& in_turn = *shards_[evict_next_shard_.fetch_add(1, std::memory_order_relaxed) % shards_.size()];
        Shard& drawn = *shards_[rng() % shards_.size()];
        std::unique_lock<ShardMutex> turn_guard = lock(in_turn);
        std::unique_lock<ShardMutex> drawn_guard = &drawn == &in_turn ? std::unique_lock<ShardMutex>() : lock(drawn);
        // The fuller first; the other when the fuller has nothing its policy
        // may evict (volatile-*: keys with a TTL may sit in one shard only).
        Shard* first = usable(in_turn, turn_guard) ? &in_turn : nullptr;
        Shard* second = &drawn != &in_turn && usable(drawn, drawn_guard) ? &drawn : nullptr;
        if (!first && !second) {
            ++busy;
            continue;
        }
        if (!first || (second && shard_bytes(*second) > shard_bytes(*first))) std::swap(first, second);
        const bool evicted = (first && evict_one(*first, now_ms)) || (second && evict_one(*second, now_ms));
        if (evicted) {
            ++result.evicted;
            fruitless = 0;
        } else {
            ++fruitless;
        }
    }
    result.within_limit = !over_memory_limit();
    return result;
}

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

// ---- SCAN with a tier ------------------------------------------------------------
//
// Memory first, then the tier in key order. A key that was only on disk
// while memory was walked and moved to memory before the walk of the tier
// reached it (read back and changed, or overwritten) is in neither walk, so
// the last page adds the keys the tier forgot since the scan began. Should
// that log have been trimmed, memory is walked once more instead.

ScanPage Keyspace::scan_with_tier(std::size_t db, std::uint64_t cursor, std::size_t count, std::string_view pattern,
                                  std::optional<ValueType> type, std::int64_t now_ms) {
    ScanPage page;
    ScanState state;
    if (cursor == 0) {
        state.started_seq = tier_->queued_seq();
    } else {
        std::optional<ScanState> saved = take_scan(cursor);
        if (!saved) return page;  // unknown or expired cursor: the scan ends
        state = std::move(*saved);
    }
    // The walk of the tier is over: add the keys that moved to memory. True
    // when the scan is complete.
    auto finish = [&] {
        if (add_moved_keys(db, state.started_seq, pattern, type, now_ms, page.keys)) return true;
        state = ScanState{ScanState::Phase::kMemoryAgain, 0, {}, state.started_seq};
        return false;
    };
    switch (state.phase) {
        case ScanState::Phase::kMemory:
            state.memory_cursor = walk_memory(db, state.memory_cursor, count, pattern, type, now_ms, page.keys);
            if (state.memory_cursor != 0) break;
            if (tier_->key_count(db) == 0) {
                if (finish()) return page;
                break;
            }
            tier_->drain(false);  // keys spilled during the walk of memory are on disk for the walk of the tier
            state.phase = ScanState::Phase::kTier;
            break;
        case ScanState::Phase::kTier:
            if (walk_tier(db, state.last_key, count, pattern, type, now_ms, page.keys)) break;
            if (finish()) return page;
            break;
        case ScanState::Phase::kMemoryAgain:
            state.memory_cursor = walk_memory(db, state.memory_cursor, count, pattern, type, now_ms, page.keys);
            if (state.memory_cursor == 0) return page;
            break;
    }
    page.next_cursor = save_scan(std::move(state));
    return page;
}

std::uint64_t Keyspace::save_scan(ScanState state) {
    constexpr std::size_t kMaxOpenScans = 4096;  // abandoned scans do not pile up
    std::lock_guard guard(scans_mutex_);
    if (scans_.size() >= kMaxOpenScans) scans_.erase(scans_.begin());
    const std::uint64_t id = next_scan_id_++ & ~kScanCursorBit;
    scans_[id] = std::move(state);
    return id | kScanCursorBit;
}

std::optional<Keyspace::ScanState> Keyspace::take_scan(std::uint64_t cursor) {
    std::lock_guard guard(scans_mutex_);
    auto it = scans_.find(cursor & ~kScanCursorBit);
    if (!(cursor & kScanCursorBit) || it == scans_.end()) return std::nullopt;
    ScanState state = std::move(it->second);
    scans_.erase(it);
    return state;
}

bool Keyspace::walk_tier(std::size_t db, std::string& last_key, std::size_t count, std::string_view pattern,
                         std::optional<ValueType> type, std::int64_t now_ms, std::vector<std::string>& out) {
    const bool all = pattern == "*";
    std::size_t examined = 0;
    bool more = false;
    const std::string after = last_key;
    tier_->store().for_each(db, after, now_ms, [&](std::string_view key, ValueType key_type) {
        if (examined == std::max<std::size_t>(count, 1)) {
            more = true;
            return false;
        }
        ++examined;
        last_key.assign(key);
        if (deleted_in_queue(db, key, now_ms)) return true;
        if (type && key_type != *type) return true;
        if (all || glob_match(pattern, key)) out.emplace_back(key);
        return true;
    });
    return more;
}

bool Keyspace::add_moved_keys(std::size_t db, std::uint64_t since, std::string_view pattern,
                              std::optional<ValueType> type, std::int64_t now_ms, std::vector<std::string>& out) {
    std::vector<std::string> moved;
    const bool complete = tier_->forgotten_since(db, since, moved);
    std::sort(moved.begin(), moved.end());
    moved.erase(std::unique(moved.begin(), moved.end()), moved.end());
    for (std::string& key : moved) {
        if (pattern != "*" && !glob_match(pattern, key)) continue;
        // Deleted since, or read back and evicted again: look where it is now.
        std::optional<ValueType> found;
        {
            const std::uint64_t h = hash(key);
            Shard& shard = *shards_[shard_index(h)];
            const auto guard = lock_shard(shard);
            Table& table = shard.dbs[db];
            const Entry* e = table.find(key, h);
            if (e && !table.expired(*e, now_ms)) found = e->value.type();
        }
        if (!found) {
            if (std::optional<TierRecord> record = tier_->read(db, key, now_ms)) found = record->value.type();
        }
        if (found && (!type || *found == *type)) out.push_back(std::move(key));
    }
    return complete;
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
