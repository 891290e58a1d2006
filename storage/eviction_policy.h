// How a table chooses what to drop when memory runs out. Each Table owns one
// policy object, so a shard evicts on its own, under its own lock, with no
// global pass. Policies are registered by name in eviction/registry.cc; each
// lives in one file under eviction/.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <string_view>

namespace tierkv::storage {

struct Entry;
class Table;

// Settings every policy reads; CONFIG SET changes them while tables run.
struct EvictionSettings {
    std::atomic<int> samples{5};         // maxmemory-samples: keys a sampling policy compares per choice
    std::atomic<int> lfu_log_factor{10};  // lfu-log-factor
    std::atomic<int> lfu_decay_time{1};   // lfu-decay-time: minutes per counter decrement; 0 = never
};

class EvictionPolicy {
public:
    virtual ~EvictionPolicy() = default;

    // Hooks the Table calls under its shard's lock. `clock_s` is the
    // keyspace clock (seconds); on_access runs before the entry's
    // last_access_s moves to it, so a policy can see how long it was idle.
    virtual void on_insert(Entry& entry) = 0;
    virtual void on_access(Entry& entry, std::uint32_t clock_s) = 0;
    virtual void on_erase(Entry& entry) = 0;

    // The entry to evict next from `table`, or nullptr when none qualifies
    // (an empty table, or no key with a TTL for volatile-*). The caller
    // erases it. May reorder the policy's own queues on the way.
    virtual Entry* victim(Table& table, std::mt19937_64& rng, std::uint32_t clock_s) = 0;

    // Memory the policy keeps besides the entries (S3-FIFO's ghost queue).
    virtual std::size_t overhead_bytes() const { return 0; }
    // Whether it keeps entries in queues through policy_links() (see
    // storage/table.h); the table then gives every node room for them.
    virtual bool uses_entry_links() const { return false; }
};

// maxmemory-policy values, Redis's first.
std::span<const std::string_view> eviction_policy_names();
// nullptr for an unknown name.
std::unique_ptr<EvictionPolicy> make_eviction_policy(std::string_view name, const EvictionSettings& settings);
// LFU policies keep access counters (OBJECT FREQ) instead of idle times (OBJECT IDLETIME).
bool policy_tracks_frequency(std::string_view name);

}  // namespace tierkv::storage
