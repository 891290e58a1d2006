#include "storage/warmup.h"

#include <spdlog/spdlog.h>

#include <vector>

#include "storage/clock.h"
#include "storage/glob.h"
#include "storage/keyspace.h"

namespace tierkv::storage {
namespace {

constexpr double kFullShare = 0.9;  // of maxmemory: leave room so warm-up evicts nothing

std::int64_t steady_now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

Warmup::~Warmup() { stop(); }

void Warmup::stop() {
    stop_ = true;
    if (worker_.joinable()) worker_.join();
    stop_ = false;
}

bool Warmup::start(Source source, std::size_t db, std::string pattern) {
    if (running_.exchange(true)) return false;
    if (worker_.joinable()) worker_.join();  // the previous job, finished
    loaded_ = 0;
    total_ = 0;
    started_ms_ = steady_now_ms();
    finished_ms_ = 0;
    {
        std::lock_guard guard(source_mutex_);
        source_ = source == Source::kHot ? "hot" : source == Source::kAll ? "all" : "pattern";
    }
    worker_ = std::thread([this, source, db, pattern = std::move(pattern)] { run(source, db, pattern); });
    return true;
}

Warmup::Progress Warmup::progress() const {
    Progress p;
    p.running = running_.load();
    {
        std::lock_guard guard(source_mutex_);
        p.source = source_;
    }
    p.loaded = loaded_.load();
    p.total = total_.load();
    const std::int64_t end = p.running ? steady_now_ms() : finished_ms_.load();
    p.seconds = started_ms_.load() ? static_cast<double>(end - started_ms_.load()) / 1000.0 : 0;
    if (p.running && p.loaded > 0 && p.total > p.loaded) {
        p.eta_seconds = p.seconds * static_cast<double>(p.total - p.loaded) / static_cast<double>(p.loaded);
    }
    return p;
}

bool Warmup::memory_full() const {
    const std::int64_t limit = keyspace_.maxmemory();
    return limit > 0 && static_cast<double>(keyspace_.used_memory()) >= kFullShare * static_cast<double>(limit);
}

void Warmup::run(Source source, std::size_t db, std::string pattern) {
    Tier* tier = keyspace_.tier();
    std::vector<TierStore::HotKey> keys;
    if (tier && source == Source::kHot) {
        keys = tier->store().load_hot_keys();
    } else if (tier) {
        // Keys only; the values are read one by one below.
        const std::int64_t now = unix_time_ms();
        tier->store().for_each(db, {}, now, [&](std::string_view key, ValueType) {
            if (pattern == "*" || glob_match(pattern, key)) keys.push_back(TierStore::HotKey{db, std::string(key)});
            return !stop_;
        });
    }
    total_ = keys.size();
    std::int64_t last_log = steady_now_ms();
    for (const TierStore::HotKey& k : keys) {
        if (stop_) break;
        const std::int64_t now = unix_time_ms();
        if (memory_full()) {
            // After a start, the hot set fills memory and no more. Asked for
            // by name (TIERKV WARMUP), keys come in and the policy makes room.
            if (source != Source::kPattern) break;
            keyspace_.evict(nullptr, 64, now);
        }
        if (auto record = tier->read(k.db, k.key, now)) keyspace_.promote(k.db, k.key, std::move(*record), now);
        loaded_.fetch_add(1, std::memory_order_relaxed);
        if (steady_now_ms() - last_log >= 1000) {
            last_log = steady_now_ms();
            const Progress p = progress();
            spdlog::info("warm-up ({}): {} of {} keys, about {:.0f} s left", p.source, p.loaded, p.total, p.eta_seconds);
        }
    }
    finished_ms_ = steady_now_ms();
    const Progress p = progress();
    if (p.total > 0) {
        spdlog::info("warm-up ({}) done: {} of {} keys in memory in {:.1f} s{}", p.source, p.loaded, p.total, p.seconds,
                     memory_full() ? " (memory full)" : "");
    }
    running_ = false;
}

}  // namespace tierkv::storage
