// The tier as the keyspace sees it: entries evicted from memory are handed
// to spill() and written to RocksDB in batches by a writer thread. Until a
// spilled entry is on disk it waits in the pending index, where reads find
// it. The writer applies spills, deletions and clears strictly in the order
// they were made, so a key deleted or rewritten in memory never comes back
// from disk with an older value.
//
// A key lives in memory or in the tier, never in both for long: taking a
// key back into memory (promotion) queues its deletion from the tier.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "storage/tier/tier_store.h"

namespace tierkv::storage {

struct TierCounters {
    std::atomic<std::uint64_t> spills{0};
    std::atomic<std::uint64_t> disk_reads{0};
    std::atomic<std::uint64_t> promotions{0};
    std::atomic<std::uint64_t> write_errors{0};
};

class Tier {
public:
    // `gauge` counts the bytes of spilled entries not yet on disk. With
    // `sync_writes`, every batch waits for the WAL to reach the disk
    // (durability always); see durable_seq().
    Tier(std::unique_ptr<TierStore> store, std::atomic<std::int64_t>* gauge, bool sync_writes = false);
    ~Tier();  // writes everything pending, then closes the store
    Tier(const Tier&) = delete;
    Tier& operator=(const Tier&) = delete;

    // ---- called under the key's shard lock ----
    // An entry leaves memory for the tier.
    void spill(std::size_t db, std::string_view key, const TierRecord& record);
    // An entry that stays in memory is written through (durability on).
    // `new_key`: the tier did not hold the key, so its count grows.
    void write_through(std::size_t db, std::string_view key, const TierRecord& record, bool new_key);
    // The key now lives in memory or is gone: delete it from the tier.
    // `known_present`: it was just read from the tier (a promotion), so the
    // deletion certainly lowers the key count.
    void forget(std::size_t db, std::string_view key, bool known_present);
    // What the writer's queue says of the key: `known` when a spill or a
    // deletion of it is queued (then `record` is the spilled entry, or none
    // for a deletion or an expired entry); otherwise ask the disk.
    struct PendingLookup {
        bool known = false;
        std::optional<TierRecord> record;
    };
    PendingLookup pending(std::size_t db, std::string_view key, std::int64_t now_ms);
    // Whether a spill or deletion of the key is queued (cheaper than pending()).
    bool queued(std::size_t db, std::string_view key) const;
    // False when the key is certainly in neither the pending index nor on disk.
    bool may_contain(std::size_t db, std::string_view key);
    // Drops a database (or all) from the tier, after the writes before it,
    // and waits until it is done.
    void clear(std::optional<std::size_t> db);
    // The same in two steps: queue_clear() takes effect for reads at once
    // and returns the op to wait for with wait_written().
    std::uint64_t queue_clear(std::optional<std::size_t> db);
    void wait_written(std::uint64_t seq);
    // Keys of `db` in the tier, counting queued spills and deletions as done.
    std::uint64_t key_count(std::size_t db) const;

    // ---- may block on disk: never on an event loop thread ----
    std::optional<TierRecord> read(std::size_t db, std::string_view key, std::int64_t now_ms);
    // Blocks until everything queued so far is on disk; `sync` also syncs the WAL.
    void drain(bool sync);
    // The last op queued, and the last one written (synced, with sync_writes):
    // a write is durable once durable_seq() reaches its queued_seq().
    std::uint64_t queued_seq() const;
    std::uint64_t durable_seq() const { return durable_seq_.load(std::memory_order_acquire); }

    void note_promotion() { counters_.promotions.fetch_add(1, std::memory_order_relaxed); }

    TierStore& store() { return *store_; }
    const TierCounters& counters() const { return counters_; }
    std::size_t pending_writes() const;
    std::int64_t pending_bytes() const { return pending_bytes_.load(std::memory_order_relaxed); }
    // Keys of `db` waiting in the pending index (for KEYS).
    std::vector<std::string> pending_keys(std::size_t db) const;
    // Keys of `db` whose tier copy forget() deleted after op `since` (a
    // queued_seq()), for SCAN: such a key moved to memory, maybe behind the
    // scan's walk of memory. False when the log was trimmed past `since`
    // and some are missing.
    bool forgotten_since(std::size_t db, std::uint64_t since, std::vector<std::string>& out) const;
    // A write error the writer met last (disk full...), empty when none.
    std::string last_error() const;
    // The writer cannot write (it retries every second): spilling must stop.
    bool failing() const { return failing_.load(std::memory_order_relaxed); }
    // More than this many bytes of spills wait in memory for the writer:
    // writes that need room should wait too (config tier-max-pending).
    void set_max_pending_bytes(std::int64_t bytes) { max_pending_bytes_.store(bytes, std::memory_order_relaxed); }
    bool backlogged() const { return pending_bytes() > max_pending_bytes_.load(std::memory_order_relaxed); }

private:
    struct Op {
        std::uint64_t seq = 0;
        int expected_delta = 0;  // how the op changes db's key count, as far as known when queued
        std::optional<std::size_t> clear_db;  // a clear; with `all_dbs` every database
        bool all_dbs = false;
        TierWrite write;
    };
    // The newest queued op of a key, until the writer has applied it.
    struct Pending {
        std::uint64_t seq;
        std::optional<std::string> record;  // encoded; none: a deletion
        std::size_t bytes() const { return record ? record->size() : 0; }
    };

    void writer_loop();
    void enqueue(Op op);
    void put(std::size_t db, std::string_view key, const TierRecord& record, bool count_as_new, bool is_spill);
    void adjust_queued(std::size_t db, int delta);
    // Under mutex_: records `p` as the key's newest queued op.
    void set_pending(const std::string& encoded_key, Pending p);
    void drop_pending(std::unordered_map<std::string, Pending>::iterator it);

    std::unique_ptr<TierStore> store_;
    std::atomic<std::int64_t>* gauge_;
    bool sync_writes_;
    TierCounters counters_;
    std::atomic<std::uint64_t> durable_seq_{0};
    std::atomic<bool> failing_{false};

    mutable std::mutex mutex_;  // guards everything below
    std::condition_variable wake_writer_;
    std::condition_variable drained_;
    std::deque<Op> queue_;
    std::unordered_map<std::string, Pending> pending_;  // by encoded key
    std::uint64_t next_seq_ = 1;
    std::uint64_t written_seq_ = 0;
    bool stopping_ = false;
    std::string last_error_;
    std::atomic<std::int64_t> pending_bytes_{0};
    std::atomic<std::int64_t> max_pending_bytes_{64ll << 20};
    std::vector<std::int64_t> queued_delta_;  // per database, under mutex_
    // The forget() log, oldest first, bounded in entries and bytes.
    struct Forgotten {
        std::uint64_t seq;
        std::size_t db;
        std::string key;
    };
    static constexpr std::size_t kMaxForgotten = 65536;
    static constexpr std::size_t kMaxForgottenBytes = 8u << 20;
    std::deque<Forgotten> forgotten_;
    std::size_t forgotten_bytes_ = 0;
    std::uint64_t forgotten_trimmed_through_ = 0;  // seq of the newest entry dropped
    std::thread writer_;
};

}  // namespace tierkv::storage
