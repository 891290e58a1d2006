#include "storage/tier/tier.h"

#include <spdlog/spdlog.h>

namespace tierkv::storage {
namespace {

constexpr std::size_t kMaxBatchOps = 4096;
constexpr std::size_t kMaxBatchBytes = 8 << 20;

}  // namespace

Tier::Tier(std::unique_ptr<TierStore> store, std::atomic<std::int64_t>* gauge, bool sync_writes)
    : store_(std::move(store)),
      gauge_(gauge),
      sync_writes_(sync_writes),
      queued_delta_(store_->databases(), 0),
      writer_([this] { writer_loop(); }) {}

Tier::~Tier() {
    drain(true);
    {
        std::lock_guard guard(mutex_);
        stopping_ = true;
    }
    wake_writer_.notify_all();
    writer_.join();
}

void Tier::enqueue(Op op) {
    if (!op.clear_db && !op.all_dbs) adjust_queued(op.write.db, op.expected_delta);
    queue_.push_back(std::move(op));
    wake_writer_.notify_one();
}

void Tier::adjust_queued(std::size_t db, int delta) {
    if (db < queued_delta_.size()) queued_delta_[db] += delta;
}

std::uint64_t Tier::key_count(std::size_t db) const {
    std::lock_guard guard(mutex_);
    const std::int64_t n = static_cast<std::int64_t>(store_->key_count(db)) +
                           (db < queued_delta_.size() ? queued_delta_[db] : 0);
    return n > 0 ? static_cast<std::uint64_t>(n) : 0;
}

void Tier::set_pending(const std::string& encoded_key, Pending p) {
    auto [it, inserted] = pending_.try_emplace(encoded_key, Pending{0, std::nullopt});
    const auto delta = static_cast<std::int64_t>(p.bytes() + (inserted ? encoded_key.size() : 0)) -
                       static_cast<std::int64_t>(it->second.bytes());
    it->second = std::move(p);
    pending_bytes_ += delta;
    if (gauge_) gauge_->fetch_add(delta, std::memory_order_relaxed);
}

void Tier::drop_pending(std::unordered_map<std::string, Pending>::iterator it) {
    const auto bytes = static_cast<std::int64_t>(it->second.bytes() + it->first.size());
    pending_bytes_ -= bytes;
    if (gauge_) gauge_->fetch_sub(bytes, std::memory_order_relaxed);
    pending_.erase(it);
}

void Tier::spill(std::size_t db, std::string_view key, const TierRecord& record) {
    // A key in memory is not in the tier (taking it into memory queued its
    // deletion): one more key here, unless a spill of it is still queued.
    put(db, key, record, true, true);
}

void Tier::write_through(std::size_t db, std::string_view key, const TierRecord& record, bool new_key) {
    put(db, key, record, new_key, false);
}

void Tier::put(std::size_t db, std::string_view key, const TierRecord& record, bool count_as_new, bool is_spill) {
    std::string encoded = encode_tier_record(record);
    const std::string tier_key = encode_tier_key(db, key);
    std::lock_guard guard(mutex_);
    const std::uint64_t seq = next_seq_++;
    auto it = pending_.find(tier_key);
    const bool replaces_put = it != pending_.end() && it->second.record;
    set_pending(tier_key, Pending{seq, encoded});
    if (is_spill) counters_.spills.fetch_add(1, std::memory_order_relaxed);
    const int delta = count_as_new && !replaces_put ? 1 : 0;
    enqueue(Op{seq, delta, std::nullopt, false, TierWrite{db, std::string(key), std::move(encoded)}});
}

std::uint64_t Tier::queued_seq() const {
    std::lock_guard guard(mutex_);
    return next_seq_ - 1;
}

void Tier::forget(std::size_t db, std::string_view key, bool known_present) {
    std::lock_guard guard(mutex_);
    const std::uint64_t seq = next_seq_++;
    // Reads must see the deletion before the writer makes it: a queued
    // tombstone hides the older copy on disk.
    set_pending(encode_tier_key(db, key), Pending{seq, std::nullopt});
    enqueue(Op{seq, known_present ? -1 : 0, std::nullopt, false, TierWrite{db, std::string(key), std::nullopt}});
    forgotten_.push_back(Forgotten{seq, db, std::string(key)});
    forgotten_bytes_ += key.size();
    while (forgotten_.size() > kMaxForgotten || forgotten_bytes_ > kMaxForgottenBytes) {
        forgotten_trimmed_through_ = forgotten_.front().seq;
        forgotten_bytes_ -= forgotten_.front().key.size();
        forgotten_.pop_front();
    }
}

bool Tier::forgotten_since(std::size_t db, std::uint64_t since, std::vector<std::string>& out) const {
    std::lock_guard guard(mutex_);
    for (auto it = forgotten_.rbegin(); it != forgotten_.rend() && it->seq > since; ++it) {
        if (it->db == db) out.push_back(it->key);
    }
    return forgotten_trimmed_through_ <= since;
}

Tier::PendingLookup Tier::pending(std::size_t db, std::string_view key, std::int64_t now_ms) {
    std::lock_guard guard(mutex_);
    auto it = pending_.find(encode_tier_key(db, key));
    if (it == pending_.end()) return {};
    PendingLookup found{true, std::nullopt};
    if (it->second.record) {
        auto record = decode_tier_record(*it->second.record, store_->encoding_limits());
        if (record && !record->expired(now_ms)) found.record = std::move(record);
    }
    return found;
}

bool Tier::queued(std::size_t db, std::string_view key) const {
    std::lock_guard guard(mutex_);
    return pending_.count(encode_tier_key(db, key)) != 0;
}

bool Tier::may_contain(std::size_t db, std::string_view key) {
    {
        std::lock_guard guard(mutex_);
        auto it = pending_.find(encode_tier_key(db, key));
        if (it != pending_.end()) return it->second.record.has_value();
    }
    return store_->may_contain(db, key);
}

void Tier::clear(std::optional<std::size_t> db) { wait_written(queue_clear(db)); }

std::uint64_t Tier::queue_clear(std::optional<std::size_t> db) {
    std::lock_guard guard(mutex_);
    for (auto it = pending_.begin(); it != pending_.end();) {
        const auto decoded = decode_tier_key(it->first);
        auto next = std::next(it);
        if (!db || (decoded && decoded->first == *db)) drop_pending(it);
        it = next;
    }
    enqueue(Op{next_seq_++, 0, db.value_or(0), !db.has_value(), {}});
    return next_seq_ - 1;
}

void Tier::wait_written(std::uint64_t seq) {
    std::unique_lock lock(mutex_);
    drained_.wait(lock, [&] { return written_seq_ >= seq || !last_error_.empty(); });
}

std::optional<TierRecord> Tier::read(std::size_t db, std::string_view key, std::int64_t now_ms) {
    if (PendingLookup queued = pending(db, key, now_ms); queued.known) return std::move(queued.record);
    counters_.disk_reads.fetch_add(1, std::memory_order_relaxed);
    // A key spilled just now may move from the pending index to the disk
    // between the two looks; the writer removes it from the index only
    // after the disk has it, so the disk read then finds it.
    return store_->get(db, key, now_ms);
}

void Tier::drain(bool sync) {
    std::unique_lock lock(mutex_);
    const std::uint64_t target = next_seq_ - 1;
    drained_.wait(lock, [&] { return written_seq_ >= target || !last_error_.empty(); });
    lock.unlock();
    if (sync) store_->sync_wal();
}

std::size_t Tier::pending_writes() const {
    std::lock_guard guard(mutex_);
    return queue_.size();
}

std::vector<std::string> Tier::pending_keys(std::size_t db) const {
    std::lock_guard guard(mutex_);
    std::vector<std::string> keys;
    for (const auto& [encoded, p] : pending_) {
        const auto decoded = decode_tier_key(encoded);
        if (p.record && decoded && decoded->first == db) keys.emplace_back(decoded->second);
    }
    return keys;
}

std::string Tier::last_error() const {
    std::lock_guard guard(mutex_);
    return last_error_;
}

void Tier::writer_loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_writer_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and nothing left
        // A clear stands alone; writes go in batches up to the next clear.
        if (queue_.front().clear_db || queue_.front().all_dbs) {
            Op op = std::move(queue_.front());
            queue_.pop_front();
            lock.unlock();
            store_->clear(op.all_dbs ? std::nullopt : op.clear_db);
            lock.lock();
            written_seq_ = op.seq;
            durable_seq_.store(op.seq, std::memory_order_release);
            drained_.notify_all();
            continue;
        }
        std::vector<Op> batch;
        std::size_t bytes = 0;
        while (!queue_.empty() && batch.size() < kMaxBatchOps && bytes < kMaxBatchBytes &&
               !queue_.front().clear_db && !queue_.front().all_dbs) {
            bytes += queue_.front().write.record ? queue_.front().write.record->size() : 0;
            batch.push_back(std::move(queue_.front()));
            queue_.pop_front();
        }
        lock.unlock();
        std::vector<TierWrite> writes;
        writes.reserve(batch.size());
        for (Op& op : batch) writes.push_back(std::move(op.write));
        std::vector<std::int64_t> count_deltas;
        const std::string error = store_->write(writes, sync_writes_, count_deltas);
        lock.lock();
        if (error.empty()) {
            // The store counts these ops exactly now; in the same step they
            // stop counting as queued, so key_count() never sees them twice.
            store_->add_counts(count_deltas);
            for (std::size_t i = 0; i < batch.size(); ++i) adjust_queued(writes[i].db, -batch[i].expected_delta);
        }
        if (!error.empty()) {
            // Keep the entries readable in the pending index and retry later.
            if (!failing_.exchange(true)) {
                spdlog::error("tier: writing to disk failed, spilling stops until it works again: {}", error);
            }
            last_error_ = error;
            counters_.write_errors.fetch_add(1, std::memory_order_relaxed);
            for (std::size_t i = batch.size(); i-- > 0;) {
                batch[i].write = std::move(writes[i]);
                queue_.push_front(std::move(batch[i]));
            }
            drained_.notify_all();
            // Try again in a second; a RocksDB error must be cleared first.
            wake_writer_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; });
            if (stopping_) return;
            lock.unlock();
            store_->resume();
            lock.lock();
            continue;
        }
        if (failing_.exchange(false)) spdlog::warn("tier: writing to disk works again");
        last_error_.clear();
        for (std::size_t i = 0; i < batch.size(); ++i) {
            const std::string encoded = encode_tier_key(writes[i].db, writes[i].key);
            auto it = pending_.find(encoded);
            if (it != pending_.end() && it->second.seq == batch[i].seq) drop_pending(it);
        }
        written_seq_ = batch.back().seq;
        durable_seq_.store(written_seq_, std::memory_order_release);
        drained_.notify_all();
    }
}

}  // namespace tierkv::storage
