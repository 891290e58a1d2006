// Factories of the eviction policies, one family per file in this folder;
// registry.cc maps maxmemory-policy names to them.
#pragma once

#include <memory>

#include "storage/eviction_policy.h"

namespace tierkv::storage {

std::unique_ptr<EvictionPolicy> make_noeviction(const EvictionSettings&);
std::unique_ptr<EvictionPolicy> make_allkeys_lru(const EvictionSettings&);
std::unique_ptr<EvictionPolicy> make_volatile_lru(const EvictionSettings&);
std::unique_ptr<EvictionPolicy> make_allkeys_lfu(const EvictionSettings&);
std::unique_ptr<EvictionPolicy> make_volatile_lfu(const EvictionSettings&);
std::unique_ptr<EvictionPolicy> make_allkeys_random(const EvictionSettings&);
std::unique_ptr<EvictionPolicy> make_volatile_random(const EvictionSettings&);
std::unique_ptr<EvictionPolicy> make_volatile_ttl(const EvictionSettings&);
std::unique_ptr<EvictionPolicy> make_allkeys_fifo(const EvictionSettings&);
std::unique_ptr<EvictionPolicy> make_allkeys_s3fifo(const EvictionSettings&);

}  // namespace tierkv::storage
