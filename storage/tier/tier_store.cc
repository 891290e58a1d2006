#include "storage/tier/tier_store.h"

#include <sys/statvfs.h>

#include <algorithm>

#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/statistics.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include "storage/clock.h"

namespace tierkv::storage {
namespace {

// Where the per-database key counts are kept across a graceful restart;
// after the last database's range (databases are limited to 65535).
const std::string kCountsKey = std::string("\xff\xff", 2) + "tierkv:counts";
const std::string kHotKeysKey = std::string("\xff\xff", 2) + "tierkv:hot-keys";

rocksdb::CompressionType compression_of(const std::string& name) {
    if (name == "none") return rocksdb::kNoCompression;
    if (name == "zstd") return rocksdb::kZSTD;
    return rocksdb::kLZ4Compression;
}

// Drops expired entries while RocksDB compacts, counting them per database.
class ExpiryFilter final : public rocksdb::CompactionFilter {
public:
    ExpiryFilter(std::shared_ptr<std::atomic<std::uint64_t>> dropped,
                 std::shared_ptr<std::vector<std::atomic<std::int64_t>>> per_db)
        : dropped_(std::move(dropped)), per_db_(std::move(per_db)) {}

    bool Filter(int, const rocksdb::Slice& key, const rocksdb::Slice& value, std::string*, bool*) const override {
        const auto expiry = tier_record_expiry(std::string_view(value.data(), value.size()));
        if (!expiry || *expiry == 0 || *expiry > unix_time_ms()) return false;
        const auto decoded = decode_tier_key(std::string_view(key.data(), key.size()));
        if (decoded && decoded->first < per_db_->size()) (*per_db_)[decoded->first].fetch_add(1);
        dropped_->fetch_add(1, std::memory_order_relaxed);
        return true;
    }
    const char* Name() const override { return "tierkv.expiry"; }

private:
    std::shared_ptr<std::atomic<std::uint64_t>> dropped_;
    std::shared_ptr<std::vector<std::atomic<std::int64_t>>> per_db_;
};

class ExpiryFilterFactory final : public rocksdb::CompactionFilterFactory {
public:
    ExpiryFilterFactory(std::shared_ptr<std::atomic<std::uint64_t>> dropped,
                        std::shared_ptr<std::vector<std::atomic<std::int64_t>>> per_db)
        : dropped_(std::move(dropped)), per_db_(std::move(per_db)) {}
    std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(
        const rocksdb::CompactionFilter::Context&) override {
        return std::make_unique<ExpiryFilter>(dropped_, per_db_);
    }
    const char* Name() const override { return "tierkv.expiry"; }

private:
    std::shared_ptr<std::atomic<std::uint64_t>> dropped_;
    std::shared_ptr<std::vector<std::atomic<std::int64_t>>> per_db_;
};

std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

}  // namespace

std::unique_ptr<TierStore> TierStore::open(const TierOptions& options, std::string& error) {
    std::unique_ptr<TierStore> store(new TierStore());
    store->counts_ = std::vector<std::atomic<std::int64_t>>(options.databases);
    store->expired_dropped_ = std::make_shared<std::atomic<std::uint64_t>>(0);
    store->dropped_per_db_ = std::make_shared<std::vector<std::atomic<std::int64_t>>>(options.databases);
    store->statistics_ = rocksdb::CreateDBStatistics();

    rocksdb::Options db_options;
    db_options.create_if_missing = true;
    db_options.statistics = store->statistics_;
    db_options.IncreaseParallelism(2);
    db_options.compression = compression_of(options.compression);
    // Large values live in blob files, so compaction moves only small records.
    db_options.enable_blob_files = true;
    db_options.min_blob_size = options.blob_min_bytes;
    db_options.blob_compression_type = db_options.compression;
    db_options.enable_blob_garbage_collection = true;
    db_options.compaction_filter_factory =
        std::make_shared<ExpiryFilterFactory>(store->expired_dropped_, store->dropped_per_db_);
    rocksdb::BlockBasedTableOptions table;
    // Bloom filters kept in memory: a read of a key that never spilled costs no I/O.
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

    rocksdb::DB* raw = nullptr;
    const rocksdb::Status status = rocksdb::DB::Open(db_options, options.dir, &raw);
    if (!status.ok()) {
        error = "cannot open the tier in '" + options.dir + "': " + status.ToString();
        return nullptr;
    }
    store->db_.reset(raw);
    store->dir_ = options.dir;
    store->load_counts();
    return store;
}

TierStore::~TierStore() {
    if (!db_) return;
    save_counts();
    db_->FlushWAL(true);
    db_->Close();
}

void TierStore::load_counts() {
    std::string saved;
    if (db_->Get(rocksdb::ReadOptions(), kCountsKey, &saved).ok() && saved.size() == counts_.size() * 8) {
        for (std::size_t db = 0; db < counts_.size(); ++db) {
            std::int64_t v = 0;
            for (int i = 0; i < 8; ++i) v |= static_cast<std::int64_t>(static_cast<unsigned char>(saved[db * 8 + i])) << (8 * i);
            counts_[db] = v;
        }
    } else {
        // No counts saved: the last run did not stop cleanly. Count the keys.
        std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
            const auto decoded = decode_tier_key(view(it->key()));
            if (decoded && decoded->first < counts_.size()) counts_[decoded->first].fetch_add(1);
        }
    }
    // Until the next clean stop the saved counts would be stale.
    db_->Delete(rocksdb::WriteOptions(), kCountsKey);
}

void TierStore::save_counts() {
    std::string saved;
    for (std::size_t db = 0; db < counts_.size(); ++db) {
        const auto v = static_cast<std::uint64_t>(counts_[db].load() - (*dropped_per_db_)[db].load());
        for (int i = 0; i < 8; ++i) saved.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    }
    rocksdb::WriteOptions sync;
    sync.sync = true;
    db_->Put(sync, kCountsKey, saved);
}

std::optional<TierRecord> TierStore::get(std::size_t db, std::string_view key, std::int64_t now_ms) {
    const std::string encoded = encode_tier_key(db, key);
    std::string value;
    if (!db_->Get(rocksdb::ReadOptions(), encoded, &value).ok()) return std::nullopt;
    auto record = decode_tier_record(value, encoding_limits());
    if (!record || record->expired(now_ms)) return std::nullopt;
    return record;
}

bool TierStore::may_contain(std::size_t db, std::string_view key) {
    std::string ignored;
    return db_->KeyMayExist(rocksdb::ReadOptions(), encode_tier_key(db, key), &ignored);
}

bool TierStore::exists(const std::string& encoded_key) {
    std::string ignored;
    if (!db_->KeyMayExist(rocksdb::ReadOptions(), encoded_key, &ignored)) return false;
    rocksdb::PinnableSlice value;
    return db_->Get(rocksdb::ReadOptions(), db_->DefaultColumnFamily(), encoded_key, &value).ok();
}

std::string TierStore::check_free_space(std::size_t batch_bytes) const {
    struct statvfs fs {};
    if (statvfs(dir_.c_str(), &fs) != 0) return {};
    const std::uint64_t free_bytes = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
    const std::uint64_t size = static_cast<std::uint64_t>(fs.f_blocks) * fs.f_frsize;
    // Keep a reserve (RocksDB's own files, compactions) of 5% of the disk, at most 256 MiB.
    const std::uint64_t reserve = std::min<std::uint64_t>(size / 20, 256ull << 20);
    if (free_bytes >= reserve + 2 * static_cast<std::uint64_t>(batch_bytes)) return {};
    return "no space left for the tier in '" + dir_ + "' (" + std::to_string(free_bytes >> 10) + " KiB free)";
}

std::string TierStore::write(std::span<const TierWrite> writes, bool sync, std::vector<std::int64_t>& delta) {
    rocksdb::WriteBatch batch;
    delta.assign(counts_.size(), 0);
    std::size_t batch_bytes = 0;
    for (const TierWrite& w : writes) batch_bytes += w.key.size() + (w.record ? w.record->size() : 0) + 16;
    if (std::string full = check_free_space(batch_bytes); !full.empty()) return full;
    // Existence is checked against the disk before this batch; a key twice
    // in one batch is judged by its earlier write.
    std::vector<std::pair<std::string, bool>> seen;
    for (const TierWrite& w : writes) {
        std::string key = encode_tier_key(w.db, w.key);
        bool existed = false;
        auto it = std::find_if(seen.begin(), seen.end(), [&](const auto& s) { return s.first == key; });
        if (it != seen.end()) {
            existed = it->second;
        } else {
            existed = exists(key);
            seen.emplace_back(key, existed);
            it = seen.end() - 1;
        }
        if (w.record) {
            batch.Put(key, *w.record);
            if (!existed && w.db < delta.size()) ++delta[w.db];
        } else {
            batch.Delete(key);
            if (existed && w.db < delta.size()) --delta[w.db];
        }
        it->second = w.record.has_value();
    }
    rocksdb::WriteOptions options;
    options.sync = sync;
    const rocksdb::Status status = db_->Write(options, &batch);
    if (!status.ok()) return status.ToString();
    return {};
}

void TierStore::add_counts(const std::vector<std::int64_t>& count_deltas) {
    for (std::size_t db = 0; db < count_deltas.size() && db < counts_.size(); ++db) counts_[db] += count_deltas[db];
}

void TierStore::sync_wal() { db_->FlushWAL(true); }

bool TierStore::resume() { return db_->Resume().ok(); }

void TierStore::compact() {
    db_->Flush(rocksdb::FlushOptions());
    rocksdb::CompactRangeOptions options;
    options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    db_->CompactRange(options, nullptr, nullptr);
}

void TierStore::clear(std::optional<std::size_t> db) {
    const std::size_t first = db ? *db : 0;
    const std::size_t last = db ? *db + 1 : counts_.size();
    db_->DeleteRange(rocksdb::WriteOptions(), db_->DefaultColumnFamily(), tier_db_prefix(first), tier_db_prefix(last));
    for (std::size_t i = first; i < last; ++i) {
        counts_[i] = 0;
        (*dropped_per_db_)[i] = 0;
    }
}

std::uint64_t TierStore::key_count(std::size_t db) const {
    if (db >= counts_.size()) return 0;
    const std::int64_t n = counts_[db].load() - (*dropped_per_db_)[db].load();
    return n > 0 ? static_cast<std::uint64_t>(n) : 0;
}

std::uint64_t TierStore::key_count() const {
    std::uint64_t total = 0;
    for (std::size_t db = 0; db < counts_.size(); ++db) total += key_count(db);
    return total;
}

void TierStore::for_each(std::size_t db, std::string_view after, std::int64_t now_ms,
                         const std::function<bool(std::string_view key, ValueType type)>& visit) {
    const std::string start = encode_tier_key(db, after);
    const std::string end = tier_db_prefix(db + 1);
    rocksdb::Slice upper(end);
    rocksdb::ReadOptions read;
    read.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read));
    for (it->Seek(start); it->Valid(); it->Next()) {
        const auto decoded = decode_tier_key(view(it->key()));
        if (!decoded || (!after.empty() && decoded->second == after)) continue;
        const std::string_view value = view(it->value());
        const auto expiry = tier_record_expiry(value);
        const auto type = tier_record_type(value);
        if (!expiry || !type || (*expiry != 0 && *expiry <= now_ms)) continue;
        if (!visit(decoded->second, *type)) return;
    }
}

TierStats TierStore::stats() const {
    TierStats s;
    s.keys = key_count();
    std::uint64_t v = 0;
    if (db_->GetIntProperty("rocksdb.total-sst-files-size", &v)) s.disk_bytes += v;
    if (db_->GetIntProperty("rocksdb.total-blob-file-size", &v)) s.disk_bytes += v;
    s.expired_dropped = expired_dropped_->load();
    s.stall_micros = statistics_->getTickerCount(rocksdb::STALL_MICROS);
    s.compaction_write_bytes = statistics_->getTickerCount(rocksdb::COMPACT_WRITE_BYTES);
    if (db_->GetIntProperty("rocksdb.num-running-compactions", &v)) s.running_compactions = v;
    return s;
}

void TierStore::save_hot_keys(const std::vector<HotKey>& keys) {
    // Each as: db (2 bytes) + key length (4 bytes) + key.
    std::string out;
    for (const HotKey& k : keys) {
        out += tier_db_prefix(k.db);
        const auto n = static_cast<std::uint32_t>(k.key.size());
        for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
        out += k.key;
    }
    rocksdb::WriteOptions sync;
    sync.sync = true;
    db_->Put(sync, kHotKeysKey, out);
}

std::vector<TierStore::HotKey> TierStore::load_hot_keys() {
    std::vector<HotKey> keys;
    std::string in;
    if (!db_->Get(rocksdb::ReadOptions(), kHotKeysKey, &in).ok()) return keys;
    std::size_t at = 0;
    while (at + 6 <= in.size()) {
        const auto db = decode_tier_key(std::string_view(in).substr(at, 2))->first;
        std::uint32_t n = 0;
        for (int i = 0; i < 4; ++i) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(in[at + 2 + i])) << (8 * i);
        at += 6;
        if (at + n > in.size()) break;
        keys.push_back(HotKey{db, in.substr(at, n)});
        at += n;
    }
    return keys;
}

}  // namespace tierkv::storage
