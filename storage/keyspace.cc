#include "storage/keyspace.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <functional>

#include "storage/clock.h"
#include "storage/glob.h"

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
    if (e && e->expired(now_ms_)) {
        table.erase(key, h);
        shard.counters.expired.fetch_add(1, std::memory_order_relaxed);
        return nullptr;
    }
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
    if (!e) return table.insert(key, h, std::move(value), ks_->clock_seconds(now_ms_));
    e->value = std::move(value);
    table.recharge(*e);
    table.set_expire(*e, 0);
    table.touch(*e, ks_->clock_seconds(now_ms_));
    return *e;
}

ValueEdit DbView::edit(Entry& entry) { return ValueEdit(table_for(ks_->hash(entry.key)), entry); }

void DbView::replace_value(Entry& entry, Value value) {
    entry.value = std::move(value);
    table_for(ks_->hash(entry.key)).recharge(entry);
}

bool DbView::erase(std::string_view key) {
    const std::uint64_t h = ks_->hash(key);
    return table_for(h).erase(key, h);
}

void DbView::set_expire(Entry& entry, std::int64_t expire_at_ms) {
    table_for(ks_->hash(entry.key)).set_expire(entry, expire_at_ms);
}

void DbView::touch(Entry& entry) { table_for(ks_->hash(entry.key)).touch(entry, ks_->clock_seconds(now_ms_)); }

// ---- KeyLock --------------------------------------------------------------

bool KeyLock::holds(const std::mutex& shard_mutex) const {
    for (const auto& lock : locks_) {
        if (lock.mutex() == &shard_mutex) return true;
    }
    return false;
}

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

std::uint64_t Keyspace::hash(std::string_view key) const {
    // libstdc++'s string hash is a 64-bit Murmur variant: good low bits for
    // buckets and high bits for shards.
    return std::hash<std::string_view>{}(key);
}

KeyLock Keyspace::lock(std::span<const std::string_view> keys, std::int64_t now_ms) {
    std::vector<std::size_t> indexes;
    indexes.reserve(keys.size());
    for (std::string_view k : keys) indexes.push_back(shard_index(hash(k)));
    std::sort(indexes.begin(), indexes.end());
    indexes.erase(std::unique(indexes.begin(), indexes.end()), indexes.end());
    KeyLock lock(*this, now_ms);
    lock.locks_.reserve(indexes.size());
    for (std::size_t i : indexes) lock.locks_.emplace_back(shards_[i]->mutex);
    return lock;
}

KeyLock Keyspace::lock_all(std::int64_t now_ms) {
    KeyLock lock(*this, now_ms);
    lock.locks_.reserve(shards_.size());
    for (auto& shard : shards_) lock.locks_.emplace_back(shard->mutex);
    return lock;
}

DbSize Keyspace::size(std::size_t db) {
    DbSize total;
    for (auto& shard : shards_) {
        std::lock_guard guard(shard->mutex);
        total.keys += shard->dbs[db].size();
        total.expires += shard->dbs[db].volatile_size();
    }
    return total;
}

std::vector<std::string> Keyspace::keys(std::size_t db, std::string_view pattern, std::int64_t now_ms) {
    std::vector<std::string> out;
    const bool all = pattern == "*";
    for (auto& shard : shards_) {
        std::lock_guard guard(shard->mutex);
        shard->dbs[db].for_each([&](const Entry& e) {
            if (!e.expired(now_ms) && (all || glob_match(pattern, e.key))) out.push_back(e.key);
        });
    }
    return out;
}

ScanPage Keyspace::scan(std::size_t db, std::uint64_t cursor, std::size_t count, std::string_view pattern,
                        std::optional<ValueType> type, std::int64_t now_ms) {
    const std::uint64_t shard_mask = shards_.size() - 1;
    std::size_t shard = cursor & shard_mask;
    std::uint64_t table_cursor = cursor >> shard_bits_;
    count = std::max<std::size_t>(count, 1);
    // The bucket cap keeps one call short on a sparse table.
    const std::size_t max_buckets = count > SIZE_MAX / 10 ? SIZE_MAX : count * 10;
    std::size_t examined = 0;
    std::size_t buckets = 0;
    const bool all = pattern == "*";
    ScanPage page;
    auto visit = [&](const Entry& e) {
        ++examined;
        if (e.expired(now_ms)) return;
        if (type && e.value.type() != *type) return;
        if (!all && !glob_match(pattern, e.key)) return;
        page.keys.push_back(e.key);
    };
    while (shard < shards_.size() && examined < count && buckets < max_buckets) {
        {
            std::lock_guard guard(shards_[shard]->mutex);
            const Table& table = shards_[shard]->dbs[db];
            if (table.size() == 0) {
                table_cursor = 0;  // nothing to return, and empty shards cost no budget
            } else {
                do {
                    table_cursor = table.scan(table_cursor, visit);
                    ++buckets;
                } while (table_cursor != 0 && examined < count && buckets < max_buckets);
            }
        }
        if (table_cursor == 0) ++shard;
    }
    page.next_cursor = shard >= shards_.size() ? 0 : (table_cursor << shard_bits_) | shard;
    return page;
}

std::optional<std::string> Keyspace::random_key(std::size_t db, std::int64_t now_ms) {
    // Pick a shard weighted by its size, then a random entry in it. An
    // expired pick is deleted and another drawn: every round either answers
    // or removes a key, so this ends.
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::vector<std::size_t> sizes(shards_.size());
    for (;;) {
        std::size_t total = 0;
        for (std::size_t i = 0; i < shards_.size(); ++i) {
            std::lock_guard guard(shards_[i]->mutex);
            sizes[i] = shards_[i]->dbs[db].size();
            total += sizes[i];
        }
        if (total == 0) return std::nullopt;
        std::size_t pick = std::uniform_int_distribution<std::size_t>(0, total - 1)(rng);
        std::size_t i = 0;
        while (pick >= sizes[i]) pick -= sizes[i++];
        Shard& shard = *shards_[i];
        std::lock_guard guard(shard.mutex);
        Table& table = shard.dbs[db];
        Entry* e = table.random_entry(rng);
        if (!e) continue;  // emptied since it was counted
        if (!e->expired(now_ms)) return e->key;
        const std::string key = e->key;
        table.erase(key, hash(key));
        shard.counters.expired.fetch_add(1, std::memory_order_relaxed);
    }
}

std::vector<Table> Keyspace::flush(std::optional<std::size_t> db) {
    std::vector<Table> old;
    for (auto& shard : shards_) {
        std::lock_guard guard(shard->mutex);
        for (std::size_t i = 0; i < databases_; ++i) {
            if (db && *db != i) continue;
            old.push_back(std::move(shard->dbs[i]));
            shard->dbs[i] = make_table();
        }
    }
    return old;
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
                    std::size_t slot =
                        std::uniform_int_distribution<std::size_t>(0, table.volatile_size() - 1)(shard.rng);
                    Entry& e = table.volatile_entry(slot);
                    if (e.expired(now_ms)) {
                        std::string key = e.key;
                        table.erase(key, hash(key));
                        ++expired;
                    }
                }
                deleted += expired;
                shard.counters.expired.fetch_add(expired, std::memory_order_relaxed);
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
    return Table(make_eviction_policy(policy_name_, eviction_settings_), &used_bytes_);
}

bool Keyspace::set_eviction_policy(std::string_view name) {
    if (!make_eviction_policy(name, eviction_settings_)) return false;
    {
        std::lock_guard guard(policy_mutex_);
        policy_name_ = name;
    }
    // One shard at a time: clients wait at most for one shard's rebuild.
    for (auto& shard : shards_) {
        std::lock_guard guard(shard->mutex);
        for (Table& table : shard->dbs) table.set_policy(make_eviction_policy(name, eviction_settings_));
    }
    return true;
}

std::string Keyspace::eviction_policy() const {
    std::lock_guard guard(policy_mutex_);
    return policy_name_;
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
    const std::string key = victim->key;
    fullest->erase(key, hash(key));
    shard.counters.evicted.fetch_add(1, std::memory_order_relaxed);
    return true;
}

EvictionResult Keyspace::evict(const KeyLock* held, std::size_t max_victims, std::int64_t now_ms) {
    EvictionResult result;
    // Shards take turns, so each gives up its own least valuable keys and
    // no shard is emptied for the others.
    std::size_t fruitless = 0;  // shards in a row that had nothing to give
    while (over_memory_limit() && result.evicted < max_victims && fruitless < shards_.size()) {
        Shard& shard = *shards_[evict_next_shard_.fetch_add(1, std::memory_order_relaxed) % shards_.size()];
        bool evicted = false;
        if (held && held->holds(shard.mutex)) {
            evicted = evict_one(shard, now_ms);
        } else if (std::unique_lock lock(shard.mutex, std::try_to_lock); lock.owns_lock()) {
            evicted = evict_one(shard, now_ms);
        }
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
