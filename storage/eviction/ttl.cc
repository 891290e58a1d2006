// volatile-ttl: among sampled keys with a TTL, the one that expires first.
#include "storage/eviction/policies.h"
#include "storage/eviction/sampling.h"

namespace tierkv::storage {
namespace {

class VolatileTtl final : public EvictionPolicy {
public:
    explicit VolatileTtl(const EvictionSettings& settings) : settings_(settings) {}
    void on_insert(Entry&) override {}
    void on_access(Entry&, std::uint32_t) override {}
    void on_erase(Entry&) override {}
    Entry* victim(Table& table, std::mt19937_64& rng, std::uint32_t) override {
        return pick_by_sampling(table, SampleScope::kVolatile, rng, settings_.samples.load(),
                                [&table](const Entry& e) { return -table.expire_at(e); });
    }

private:
    const EvictionSettings& settings_;
};

}  // namespace

std::unique_ptr<EvictionPolicy> make_volatile_ttl(const EvictionSettings& s) { return std::make_unique<VolatileTtl>(s); }

}  // namespace tierkv::storage
