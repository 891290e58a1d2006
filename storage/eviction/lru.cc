// Least recently used. allkeys-lru keeps an exact recency queue (an access
// moves the key to the front, the back is evicted), which is better than
// Redis's sampled approximation at the cost of two pointers per key.
// volatile-lru samples keys with a TTL by idle time, as Redis does.
#include "storage/eviction/entry_list.h"
#include "storage/eviction/policies.h"
#include "storage/eviction/sampling.h"

namespace tierkv::storage {
namespace {

class AllKeysLru final : public EvictionPolicy {
public:
    bool uses_entry_links() const override { return true; }
    void on_insert(Entry& e) override { queue_.push_newest(e); }
    void on_access(Entry& e, std::uint32_t) override { queue_.move_to_newest(e); }
    void on_erase(Entry& e) override { queue_.unlink(e); }
    Entry* victim(Table&, std::mt19937_64&, std::uint32_t) override { return queue_.oldest(); }

private:
    EntryList queue_;
};

class VolatileLru final : public EvictionPolicy {
public:
    explicit VolatileLru(const EvictionSettings& settings) : settings_(settings) {}
    void on_insert(Entry&) override {}
    void on_access(Entry&, std::uint32_t) override {}
    void on_erase(Entry&) override {}
    Entry* victim(Table& table, std::mt19937_64& rng, std::uint32_t clock_s) override {
        return pick_by_sampling(table, SampleScope::kVolatile, rng, settings_.samples.load(), [&](const Entry& e) {
            return static_cast<std::int64_t>(clock_s) - static_cast<std::int64_t>(e.last_access_s);
        });
    }

private:
    const EvictionSettings& settings_;
};

}  // namespace

std::unique_ptr<EvictionPolicy> make_allkeys_lru(const EvictionSettings&) { return std::make_unique<AllKeysLru>(); }
std::unique_ptr<EvictionPolicy> make_volatile_lru(const EvictionSettings& s) {
    return std::make_unique<VolatileLru>(s);
}

}  // namespace tierkv::storage
