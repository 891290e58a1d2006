// The whole keyspace: `databases` logical databases split across a power of
// two of shards. A key's shard follows from its hash alone, the same in every
// database, and one mutex guards a shard in all databases, so a command that
// names keys locks just their shards (in index order: no deadlock) and
// threads serving different keys rarely meet.
#pragma once

#include <atomic>
#include <memory>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "storage/held_mutexes.h"
#include "storage/table.h"
#include "storage/tier/tier.h"
#include "storage/types/encoding_limits.h"

namespace tierkv::storage {

class Keyspace;

// Counters kept per shard (relaxed atomics: read without locks by INFO).
struct ShardCounters {
    std::atomic<std::uint64_t> hits{0};
    std::atomic<std::uint64_t> misses{0};
    std::atomic<std::uint64_t> expired{0};
    std::atomic<std::uint64_t> evicted{0};
};

struct KeyspaceStats {
    std::uint64_t hits = 0;
    std::uint64_t misses = 0;
    std::uint64_t expired = 0;
    std::uint64_t evicted = 0;
};

class DbView;
class KeyLock;

// One client's WATCH (MULTI/EXEC): set when any key it watches is written,
// deleted, expires, is evicted or flushed. Shards keep the flags of their
// watched keys; a shard with none pays one empty() check per change.
struct WatchFlag {
    std::atomic<bool> dirty{false};
};

// Changes a value in place (APPEND, SETRANGE, a hash field...) and recounts
// the entry's memory when the edit is done.
class ValueEdit {
public:
    ValueEdit(Table& table, Entry& entry) : table_(table), entry_(entry), bytes_before_(table.begin_edit(entry)) {}
    ValueEdit(const ValueEdit&) = delete;
    ValueEdit& operator=(const ValueEdit&) = delete;
    ~ValueEdit() { table_.end_edit(entry_, bytes_before_); }

    Value& operator*() { return entry_.value; }
    Value* operator->() { return &entry_.value; }

private:
    Table& table_;
    Entry& entry_;
    std::int64_t bytes_before_;
};

// One database seen through the shard locks a command holds. Every lookup
// applies lazy expiry: an expired key is deleted and reported missing.
class DbView {
public:
    // No hit/miss accounting; for writes and existence checks.
    Entry* find(std::string_view key);
    enum class Touch : bool { kNo, kYes };
    // A read by a command: counts a keyspace hit or miss and, unless told
    // not to (EXISTS, TYPE, TTL, OBJECT), refreshes the access time.
    Entry* find_for_read(std::string_view key, Touch touch = Touch::kYes);
    // A lookup by a command that modifies the key: refreshes the access
    // time, counts no hit or miss (as Redis's lookupKeyWrite).
    Entry* find_for_write(std::string_view key);
    // Inserts or replaces the value; the entry loses any expiry.
    Entry& set(std::string_view key, Value value);
    // Replaces the value of an existing entry, keeping its expiry.
    void replace_value(Entry& entry, Value value);
    // Moves the value out of the entry, which the caller then erases.
    Value take_value(Entry& entry);
    ValueEdit edit(Entry& entry);
    bool erase(std::string_view key);
    void set_expire(Entry& entry, std::int64_t expire_at_ms);
    // The entry's expiry time in unix ms; 0 when it has none.
    std::int64_t expire_at(const Entry& entry);
    void touch(Entry& entry);

    // Durability (writes through to the tier): whether the tier holds the
    // key's current value, before a write command runs; after it,
    // write_through() sends the key's new state (value or deletion).
    bool has_disk_copy(std::string_view key);
    // With a tier: the key is not in memory but may be on disk, so a lookup
    // would read the disk (no I/O here).
    bool needs_disk_read(std::string_view key);
    void write_through(std::string_view key, bool had_disk_copy);

    std::int64_t now_ms() const { return now_ms_; }
    std::size_t index() const { return db_; }

private:
    friend class KeyLock;
    DbView(Keyspace& ks, std::size_t db, std::int64_t now_ms, const KeyLock* lock)
        : ks_(&ks), db_(db), now_ms_(now_ms), lock_(lock) {}
    Table& table_for(std::uint64_t hash);
    void dirty(Table& table, Entry& entry);
    // The key changed: flags the clients watching it (WATCH).
    void modified(std::string_view key);

    Keyspace* ks_;
    std::size_t db_;
    std::int64_t now_ms_;
    const KeyLock* lock_;  // records the keys a write-through command changes
};

// A key a command changed, in any database, and whether the tier held its
// current value before (durability: written through after the command).
struct ChangedKey {
    std::size_t db;
    std::string key;
    bool had_disk_copy;
};

// Holds the locks of a set of shards for as long as it lives.
class KeyLock {
public:
    KeyLock(KeyLock&&) noexcept = default;
    KeyLock& operator=(KeyLock&&) noexcept = default;
    ~KeyLock() = default;

    DbView db(std::size_t index) const { return DbView(*ks_, index, now_ms_, this); }
    std::int64_t now_ms() const { return now_ms_; }
    bool holds(const ShardMutex& shard_mutex) const;

    // Durability: from start_recording() on, every key changed through this
    // lock's DbViews is listed (once, with its state before the change)
    // until take_changed().
    void start_recording() const { recording_ = true; }
    std::vector<ChangedKey> take_changed() const {
        recording_ = false;
        return std::exchange(changed_, {});
    }

    // While a Current lives, this thread runs commands under `lock` (EXEC):
    // the keyspace's own locking of a shard `lock` holds is skipped, so a
    // command inside the transaction does not lock it twice.
    class Current {
    public:
        explicit Current(const KeyLock& lock);
        ~Current();
        Current(const Current&) = delete;
        Current& operator=(const Current&) = delete;

    private:
        const KeyLock* previous_;
    };

private:
    friend class Keyspace;
    KeyLock(Keyspace& ks, std::int64_t now_ms) : ks_(&ks), now_ms_(now_ms) {}

    friend class DbView;
    void record_change(std::size_t db, std::string_view key, bool had_disk_copy) const;

    Keyspace* ks_;
    std::int64_t now_ms_;
    HeldMutexes locks_;
    mutable bool recording_ = false;
    mutable std::vector<ChangedKey> changed_;
};

struct ScanPage {
    std::uint64_t next_cursor = 0;
    std::vector<std::string> keys;
};

struct DbSize {
    std::size_t keys = 0;
    std::size_t expires = 0;
};

struct EvictionResult {
    std::size_t evicted = 0;
    bool within_limit = true;  // used memory was at or under maxmemory when eviction last looked
};

class Keyspace {
public:
    Keyspace(std::size_t shard_count, std::size_t databases);

    std::size_t databases() const { return databases_; }
    std::size_t shard_count() const { return shards_.size(); }
    std::uint64_t hash(std::string_view key) const;
    // Prefetch stages for a key of database `db` (see Table::prefetch_bucket),
    // only when the shard's lock is free at once (a prefetch is a hint, never
    // worth a wait). Worth it only for a dataset larger than a core's
    // caches: a small one is hit in cache anyway, and the look-ahead costs.
    enum class Prefetch { kBucket, kNode };
    void prefetch(std::size_t db, std::uint64_t key_hash, Prefetch stage);
    bool worth_prefetching() const { return used_memory() > kPrefetchMinBytes; }
    static constexpr std::int64_t kPrefetchMinBytes = 4 << 20;
    std::size_t shard_index(std::uint64_t hash) const { return shard_bits_ ? hash >> (64 - shard_bits_) : 0; }

    // Locks the shards of `keys`, each once, in index order.
    KeyLock lock(std::span<const std::string_view> keys, std::int64_t now_ms);
    KeyLock lock_all(std::int64_t now_ms);

    // Whole-database operations. size() is a point-in-time count; the others
    // lock one shard at a time, so they see every key that is present
    // throughout, but are not a point-in-time view.
    DbSize size(std::size_t db);
    std::vector<std::string> keys(std::size_t db, std::string_view pattern, std::int64_t now_ms);
    // As Redis: a call examines about `count` keys (at most 10 * count
    // buckets) before filtering by `pattern` and `type`, so a page may hold
    // fewer keys than `count`, even none, with a non-zero next cursor.
    // Without a tier the cursor holds the shard in its low bits and that
    // shard's table cursor above them; with a tier it names the scan's state
    // kept here (it walks the tier's keys too). `pattern` "*" matches every key.
    ScanPage scan(std::size_t db, std::uint64_t cursor, std::size_t count, std::string_view pattern,
                  std::optional<ValueType> type, std::int64_t now_ms);
    // Deletes the expired keys it happens to pick, as Redis does.
    std::optional<std::string> random_key(std::size_t db, std::int64_t now_ms);

    // Empties one database (or all when `db` is empty) and hands back the old
    // tables, so the caller decides where freeing them costs time (ASYNC).
    std::vector<Table> flush(std::optional<std::size_t> db);

    // One pass of active expiry: samples keys with a TTL shard by shard and
    // deletes the expired ones, until `deadline_ms` (steady clock) or until
    // few sampled keys are expired. Returns how many keys it deleted.
    std::size_t expire_cycle(std::int64_t now_ms, std::int64_t deadline_steady_ms);

    KeyspaceStats stats() const;
    void reset_stats();

    // ---- WATCH ----
    // `flag` is set when the key changes. The key's shard must be locked by
    // the caller (the WATCH command names the key).
    void watch(std::size_t db, std::string_view key, std::shared_ptr<WatchFlag> flag);
    // Locks the key's shard (unless this thread's EXEC holds it).
    void unwatch(std::size_t db, std::string_view key, const WatchFlag* flag);
    // Under the key's shard lock: the key is present in memory but expired
    // (a key that was live when WATCHed and has expired since).
    bool expired_in_memory(std::size_t db, std::string_view key, std::int64_t now_ms);

    // ---- The RocksDB tier (optional) ----
    // From now on evicted entries spill to `tier` and lookups of keys not in
    // memory read them back. Set once, before serving.
    // `write_through`: durability everysec or always, every change of a key
    // also goes to the tier (and evicting such a key writes nothing).
    void attach_tier(std::unique_ptr<Tier> tier, bool write_through = false) {
        tier_ = std::move(tier);
        write_through_ = write_through && tier_;
        if (tier_) tier_->store().set_encoding_settings(&encoding_settings_);
    }
    Tier* tier() { return tier_.get(); }
    bool writes_through() const { return write_through_; }
    // Graceful shutdown: moves every entry in memory to the tier, then
    // writes and syncs everything pending. No-op without a tier.
    void spill_all(std::int64_t now_ms);
    // Keys that a command about to run would have to read from disk: not in
    // memory and possibly in the tier. Cheap (no disk I/O): the connection
    // reads them off its event loop first (load_from_tier) so the command
    // itself finds them in memory.
    std::vector<std::string> keys_on_disk(std::size_t db, std::span<const std::string_view> keys, std::int64_t now_ms);
    // Brings `key` back into memory with `record` unless it came back by
    // other means meanwhile (then the newer memory copy wins).
    void promote(std::size_t db, std::string_view key, TierRecord record, std::int64_t now_ms);

    // ---- Memory limit and eviction ----
    // Bytes the tables hold (entries, keys, values, buckets, policy state),
    // as the allocator counts them. Client buffers are not included.
    std::int64_t used_memory() const { return used_bytes_.load(std::memory_order_relaxed); }
    // How far the tables' running memory counts are from counting every
    // entry and structure again (0 when nothing drifted); for tests and the
    // fuzzer. Locks each shard in turn.
    std::int64_t memory_drift();
    std::int64_t maxmemory() const { return maxmemory_.load(std::memory_order_relaxed); }
    void set_maxmemory(std::int64_t bytes) { maxmemory_.store(bytes, std::memory_order_relaxed); }
    bool over_memory_limit() const {
        const std::int64_t limit = maxmemory();
        return limit > 0 && used_memory() > limit;
    }
    EvictionSettings& eviction_settings() { return eviction_settings_; }
    // When collections leave their compact encodings (CONFIG SET changes them).
    EncodingSettings& encoding_settings() { return encoding_settings_; }
    // Switches every table to the named policy, keeping every key. False
    // for an unknown name.
    bool set_eviction_policy(std::string_view name);
    std::string eviction_policy() const;

    // Evicts keys until used memory is within maxmemory or `max_victims`
    // keys are gone. Takes victims from the shards `held` already locks and
    // from those it can lock without waiting (never blocking, so it cannot
    // deadlock with the caller's locks); `held` may be null.
    EvictionResult evict(const KeyLock* held, std::size_t max_victims, std::int64_t now_ms);

    // Seconds since the keyspace started, the unit of Entry::last_access_s.
    std::uint32_t clock_seconds(std::int64_t now_ms) const {
        return static_cast<std::uint32_t>((now_ms - start_ms_) / 1000);
    }

private:
    friend class DbView;

    struct Shard {
        ShardMutex mutex;
        std::vector<Table> dbs;
        ShardCounters counters;
        std::mt19937_64 rng;
        // WATCHed keys (watch_name(db, key)) and the flags of their watchers.
        std::unordered_map<std::string, std::vector<std::shared_ptr<WatchFlag>>> watched;
    };
    static std::string watch_name(std::size_t db, std::string_view key);
    // Under the shard's lock: `key` changed; flags its watchers.
    static void touch_watched(Shard& shard, std::size_t db, std::string_view key) {
        if (shard.watched.empty()) return;  // the common case
        touch_watched_slow(shard, db, key);
    }
    static void touch_watched_slow(Shard& shard, std::size_t db, std::string_view key);
    // Under the shard's lock: deletes `key`, found expired by a read, SCAN,
    // RANDOMKEY or the expiry cycle, and counts it as expired.
    static void erase_expired(Shard& shard, std::size_t db, std::string_view key, std::uint64_t hash);
    // Locks `shard` unless this thread's EXEC (KeyLock::Current) holds it.
    static std::unique_lock<ShardMutex> lock_shard(Shard& shard);

    Table make_table();
    std::optional<std::string> random_tier_key(std::size_t db, std::int64_t now_ms);
    // A key still on disk whose deletion is queued (it moved to memory or is gone).
    bool deleted_in_queue(std::size_t db, std::string_view key, std::int64_t now_ms);

    // SCAN. Without a tier the cursor is the position in memory; with one it
    // names a ScanState kept here (kScanCursorBit set), see scan_with_tier().
    struct ScanState {
        enum class Phase { kMemory, kTier, kMemoryAgain };
        Phase phase = Phase::kMemory;
        std::uint64_t memory_cursor = 0;
        std::string last_key;           // kTier: the walk resumes after this key
        std::uint64_t started_seq = 0;  // the tier's queued_seq() when the scan began
    };
    static constexpr std::uint64_t kScanCursorBit = 1ull << 63;
    // Appends the keys of one step of the walk of memory to `out`; returns
    // the next cursor, 0 at the end.
    std::uint64_t walk_memory(std::size_t db, std::uint64_t cursor, std::size_t count, std::string_view pattern,
                              std::optional<ValueType> type, std::int64_t now_ms, std::vector<std::string>& out);
    // Likewise through the tier in key order, after `last_key` (updated);
    // false at the end.
    bool walk_tier(std::size_t db, std::string& last_key, std::size_t count, std::string_view pattern,
                   std::optional<ValueType> type, std::int64_t now_ms, std::vector<std::string>& out);
    // Appends the keys that left the tier for memory since `since` and are
    // still present; false when the tier's log of them does not reach back.
    bool add_moved_keys(std::size_t db, std::uint64_t since, std::string_view pattern, std::optional<ValueType> type,
                        std::int64_t now_ms, std::vector<std::string>& out);
    ScanPage scan_with_tier(std::size_t db, std::uint64_t cursor, std::size_t count, std::string_view pattern,
                            std::optional<ValueType> type, std::int64_t now_ms);
    std::uint64_t save_scan(ScanState state);
    std::optional<ScanState> take_scan(std::uint64_t cursor);
    // What the tier keeps of `e`, with `value` (the entry's, moved or copied
    // by the caller).
    TierRecord record_of(const Table& table, const Entry& e, Value value) const;
    // Under the shard's lock: `e` came back from the tier, which keeps its
    // copy until the entry changes.
    void adopt_promoted(Table& table, Entry& e, std::size_t db);
    // Under the shard's lock: the key's entry read back from the tier into
    // `table` (a blocking disk read), or null when the tier lacks it.
    Entry* promote_locked(Shard& shard, std::size_t db, std::string_view key, std::uint64_t hash, std::int64_t now_ms);
    std::uint32_t clock_seconds_at(std::int64_t unix_ms) const {
        return unix_ms <= start_ms_ ? 0 : clock_seconds(unix_ms);
    }
    // Memory the shard's tables hold (under its lock).
    static std::int64_t shard_bytes(const Shard& shard);
    // Evicts one key from `shard` (locked by the caller); false when its
    // policy has nothing to evict.
    bool evict_one(Shard& shard, std::int64_t now_ms);

    // Declared first: tables add to it until they are destroyed.
    MemoryGauge used_bytes_{0};
    std::atomic<std::int64_t> maxmemory_{0};
    EvictionSettings eviction_settings_;
    EncodingSettings encoding_settings_;
    mutable std::mutex policy_mutex_;  // guards policy_name_
    std::string policy_name_ = "noeviction";
    std::atomic<std::size_t> evict_next_shard_{0};

    std::size_t databases_;
    // The seed of this keyspace's key hashes (key_hash.h), drawn at start.
    const std::uint64_t hash_seed_ = random_hash_seed();
    unsigned shard_bits_;
    std::int64_t start_ms_;
    std::vector<std::unique_ptr<Shard>> shards_;
    std::atomic<std::size_t> expire_next_shard_{0};
    std::atomic<std::size_t> watch_count_{0};  // watched (key, client) pairs in all shards
    std::unique_ptr<Tier> tier_;  // destroyed first: it drains while the shards still exist
    bool write_through_ = false;
    // SCANs in progress with a tier: cursor id -> where each is.
    std::mutex scans_mutex_;
    std::unordered_map<std::uint64_t, ScanState> scans_;
    std::uint64_t next_scan_id_ = 1;
};

}  // namespace tierkv::storage
