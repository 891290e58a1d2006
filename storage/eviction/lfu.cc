// allkeys-lfu and volatile-lfu: on each access the key's counter decays by
// its idle time and then grows logarithmically; eviction samples keys and
// drops the one with the lowest counter (the longest idle among equals).
#include "storage/eviction/lfu.h"

#include "storage/eviction/policies.h"
#include "storage/eviction/sampling.h"

namespace tierkv::storage {

std::uint8_t lfu_decayed(std::uint8_t counter, std::uint32_t idle_s, int decay_time_minutes) {
    if (decay_time_minutes <= 0) return counter;
    const std::uint64_t periods = idle_s / 60 / static_cast<std::uint32_t>(decay_time_minutes);
    return periods >= counter ? 0 : static_cast<std::uint8_t>(counter - periods);
}

std::uint8_t lfu_incremented(std::uint8_t counter, double chance, int log_factor) {
    constexpr int kInitial = 5;  // new keys start here; increments below it are certain
    if (counter == 255) return counter;
    const double base = counter > kInitial ? counter - kInitial : 0;
    const double p = 1.0 / (base * log_factor + 1);
    return chance < p ? static_cast<std::uint8_t>(counter + 1) : counter;
}

namespace {

class Lfu final : public EvictionPolicy {
public:
    Lfu(const EvictionSettings& settings, SampleScope scope) : settings_(settings), scope_(scope) {}

    void on_insert(Entry&) override {}
    void on_erase(Entry&) override {}

    void on_access(Entry& e, std::uint32_t clock_s) override {
        const std::uint32_t idle = clock_s > e.last_access_s ? clock_s - e.last_access_s : 0;
        const std::uint8_t decayed = lfu_decayed(e.lfu_counter, idle, settings_.lfu_decay_time.load());
        e.lfu_counter = lfu_incremented(decayed, next_chance(), settings_.lfu_log_factor.load());
    }

    Entry* victim(Table& table, std::mt19937_64& rng, std::uint32_t clock_s) override {
        const int decay = settings_.lfu_decay_time.load();
        return pick_by_sampling(table, scope_, rng, settings_.samples.load(), [&](const Entry& e) {
            const std::uint32_t idle = clock_s > e.last_access_s ? clock_s - e.last_access_s : 0;
            const std::int64_t rarity = 255 - lfu_decayed(e.lfu_counter, idle, decay);
            return (rarity << 32) + idle;
        });
    }

private:
    // splitmix64: a few instructions per access, and no shared state.
    double next_chance() {
        std::uint64_t z = (rng_state_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        return static_cast<double>(z >> 11) * 0x1.0p-53;
    }

    const EvictionSettings& settings_;
    SampleScope scope_;
    std::uint64_t rng_state_ = 0x2545f4914f6cdd1dull;
};

}  // namespace

std::unique_ptr<EvictionPolicy> make_allkeys_lfu(const EvictionSettings& s) {
    return std::make_unique<Lfu>(s, SampleScope::kAllKeys);
}
std::unique_ptr<EvictionPolicy> make_volatile_lfu(const EvictionSettings& s) {
    return std::make_unique<Lfu>(s, SampleScope::kVolatile);
}

}  // namespace tierkv::storage
