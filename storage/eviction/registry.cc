#include <array>
#include <string_view>

#include "storage/eviction/policies.h"

namespace tierkv::storage {
namespace {

struct RegisteredPolicy {
    std::string_view name;
    std::unique_ptr<EvictionPolicy> (*make)(const EvictionSettings&);
};

constexpr std::array kPolicies{
    RegisteredPolicy{"noeviction", make_noeviction},
    RegisteredPolicy{"allkeys-lru", make_allkeys_lru},
    RegisteredPolicy{"allkeys-lfu", make_allkeys_lfu},
    RegisteredPolicy{"allkeys-random", make_allkeys_random},
    RegisteredPolicy{"volatile-lru", make_volatile_lru},
    RegisteredPolicy{"volatile-lfu", make_volatile_lfu},
    RegisteredPolicy{"volatile-random", make_volatile_random},
    RegisteredPolicy{"volatile-ttl", make_volatile_ttl},
    RegisteredPolicy{"allkeys-fifo", make_allkeys_fifo},
    RegisteredPolicy{"allkeys-s3fifo", make_allkeys_s3fifo},
};

constexpr auto kNames = [] {
    std::array<std::string_view, kPolicies.size()> names{};
    for (std::size_t i = 0; i < kPolicies.size(); ++i) names[i] = kPolicies[i].name;
    return names;
}();

}  // namespace

std::span<const std::string_view> eviction_policy_names() { return kNames; }

std::unique_ptr<EvictionPolicy> make_eviction_policy(std::string_view name, const EvictionSettings& settings) {
    for (const auto& p : kPolicies) {
        if (p.name == name) return p.make(settings);
    }
    return nullptr;
}

bool policy_tracks_frequency(std::string_view name) { return name.ends_with("-lfu"); }

}  // namespace tierkv::storage
