// Keyspace's SCAN: the walk of memory, shard by shard and bucket by bucket
// with a cursor that survives resizes, and with a tier, the walk of the
// tier after it.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "storage/glob.h"
#include "storage/keyspace.h"

namespace tierkv::storage {

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

}  // namespace tierkv::storage
