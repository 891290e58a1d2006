// allkeys-random and volatile-random: any key (with a TTL) is as good as another.
#include "storage/eviction/policies.h"
#include "storage/eviction/sampling.h"

namespace tierkv::storage {
namespace {

class RandomEviction final : public EvictionPolicy {
public:
    explicit RandomEviction(SampleScope scope) : scope_(scope) {}
    void on_insert(Entry&) override {}
    void on_access(Entry&, std::uint32_t) override {}
    void on_erase(Entry&) override {}
    Entry* victim(Table& table, std::mt19937_64& rng, std::uint32_t) override {
        if (scope_ == SampleScope::kVolatile) {
            return table.random_volatile(rng);
        }
        return table.random_entry(rng);
    }

private:
    SampleScope scope_;
};

}  // namespace

std::unique_ptr<EvictionPolicy> make_allkeys_random(const EvictionSettings&) {
    return std::make_unique<RandomEviction>(SampleScope::kAllKeys);
}
std::unique_ptr<EvictionPolicy> make_volatile_random(const EvictionSettings&) {
    return std::make_unique<RandomEviction>(SampleScope::kVolatile);
}

}  // namespace tierkv::storage
