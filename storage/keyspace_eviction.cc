// Keyspace's memory limit: each table's eviction policy, and eviction
// across shards when a write needs room.
#include <algorithm>
#include <mutex>
#include <string>
#include <utility>

#include "storage/keyspace.h"
#include "storage/thread_rng.h"

namespace tierkv::storage {

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

}  // namespace tierkv::storage
