// The RocksDB side of the tier: one RocksDB database holding the entries
// that left memory, every database of the keyspace in its own key range
// (see record.h). Thread-safe, as RocksDB is; every call may do disk I/O,
// so none of them belongs on an event loop thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/tier/record.h"
#include "storage/types/encoding_limits.h"

namespace rocksdb {
class DB;
class Statistics;
}  // namespace rocksdb

namespace tierkv::storage {

struct TierOptions {
    std::string dir;
    std::string compression = "lz4";       // none, lz4 or zstd
    std::uint64_t blob_min_bytes = 4096;   // values this large go to blob files
    std::size_t databases = 16;
};

// One change to the tier; no record means "delete the key".
struct TierWrite {
    std::size_t db = 0;
    std::string key;
    std::optional<std::string> record;  // encode_tier_record()
};

struct TierStats {
    std::uint64_t keys = 0;          // entries on disk, expired ones until compaction drops them
    std::uint64_t disk_bytes = 0;    // SST and blob files
    std::uint64_t expired_dropped = 0;
    std::uint64_t stall_micros = 0;
    std::uint64_t compaction_write_bytes = 0;
    std::uint64_t running_compactions = 0;
};

class TierStore {
public:
    // Opens or creates the tier in options.dir. On failure (not writable,
    // locked by another running tierkv, corrupt) returns nullptr and sets
    // `error` to a sentence that names the directory and the cause.
    static std::unique_ptr<TierStore> open(const TierOptions& options, std::string& error);
    ~TierStore();
    TierStore(const TierStore&) = delete;
    TierStore& operator=(const TierStore&) = delete;

    // The key's record unless it is missing or expired at `now_ms`.
    std::optional<TierRecord> get(std::size_t db, std::string_view key, std::int64_t now_ms);
    // False only when the key is certainly absent (bloom filter, no I/O).
    bool may_contain(std::size_t db, std::string_view key);

    // Applies `writes` in order, atomically (one WriteBatch). `sync` waits
    // for the WAL to reach the disk. Returns an error text, empty on success.
    // The key counts do not move until the caller passes `count_deltas`
    // (per database: keys added less keys removed) to add_counts, so it can
    // move them together with its own bookkeeping.
    std::string write(std::span<const TierWrite> writes, bool sync, std::vector<std::int64_t>& count_deltas);
    void add_counts(const std::vector<std::int64_t>& count_deltas);
    // Flushes the WAL to disk (durability everysec).
    void sync_wal();
    // Flushes and compacts everything now (tests; operators via TIERKV later).
    void compact();
    // After a failed write (disk full): asks RocksDB to recover, which it
    // can once there is room again. True when writes may be tried again;
    // writing without this after a failure is not safe in RocksDB.
    bool resume();
    // Drops database `db`, or every database.
    void clear(std::optional<std::size_t> db);

    // Keys on disk in database `db`, expired ones included until compaction.
    std::uint64_t key_count(std::size_t db) const;
    std::uint64_t key_count() const;
    // Visits the keys of the live (unexpired) entries of `db`, with their
    // type, in key order, starting after `after` (empty: from the first);
    // stops when `visit` returns false. Values are not decoded.
    void for_each(std::size_t db, std::string_view after, std::int64_t now_ms,
                  const std::function<bool(std::string_view key, ValueType type)>& visit);

    TierStats stats() const;
    std::size_t databases() const { return counts_.size(); }

    // The encodings collections read back from disk get (CONFIG SET may
    // change them); Redis's defaults until set.
    void set_encoding_settings(const EncodingSettings* settings) { encoding_ = settings; }
    EncodingLimits encoding_limits() const { return encoding_ ? encoding_->load() : EncodingLimits{}; }

    // The keys that were in memory at the last graceful shutdown, hottest
    // first, for warm-up. Saving replaces the list; loading leaves it.
    struct HotKey {
        std::size_t db;
        std::string key;
    };
    void save_hot_keys(const std::vector<HotKey>& keys);
    std::vector<HotKey> load_hot_keys();

private:
    TierStore() = default;
    bool exists(const std::string& encoded_key);
    void load_counts();
    void save_counts();

    // Refuses a write RocksDB could only half do: its WAL must not meet a full disk.
    std::string check_free_space(std::size_t batch_bytes) const;

    std::string dir_;
    const EncodingSettings* encoding_ = nullptr;
    std::unique_ptr<rocksdb::DB> db_;
    std::shared_ptr<rocksdb::Statistics> statistics_;
    std::vector<std::atomic<std::int64_t>> counts_;  // per database
    std::shared_ptr<std::atomic<std::uint64_t>> expired_dropped_;
    std::shared_ptr<std::vector<std::atomic<std::int64_t>>> dropped_per_db_;
};

}  // namespace tierkv::storage
