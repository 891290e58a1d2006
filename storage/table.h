// One database's share of one shard: a chained hash table with a
// power-of-two bucket count. The power of two is what lets SCAN walk it with
// Redis's reverse-binary cursor and still visit every key that stays present,
// even when the table grows or shrinks between calls.
//
// Not thread-safe: the owning shard's lock guards it.
#pragma once

#include <cstdint>
#include <atomic>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "storage/eviction_policy.h"
#include "storage/key_string.h"
#include "storage/value.h"

namespace tierkv::storage {

struct Entry {
    // Laid out so that a table node (Table::Node: a link and an Entry) fills
    // one 96-byte allocation (112 with PolicyLinks): keep it so when adding
    // fields.
    KeyString key;
    Value value;
    std::int64_t expire_at_ms = 0;  // unix time in ms; 0 = no expiry
    std::uint32_t last_access_s = 0;  // seconds since the keyspace started (IDLETIME, LRU, LFU decay)
    std::uint32_t volatile_slot = 0;  // index in Table::volatile_ while expire_at_ms != 0
    std::uint32_t charged_bytes = 0;  // what this entry adds to the table's memory count
    // Eviction policy state: Redis's logarithmic access counter (LFU), a few
    // policy bits, and the links of the policy's queue (LRU, FIFO, S3-FIFO).
    std::uint8_t lfu_counter = 5;  // Redis's LFU_INIT_VAL: new keys are not evicted at once
    std::uint8_t policy_bits = 0;
    // The tier holds this entry's current value too (durability everysec or
    // always write every change through); see Table::set_disk_copy.
    bool disk_copy = false;
    // The node carries PolicyLinks after the entry (a queue policy is set).
    bool has_policy_links = false;

    bool has_expiry() const { return expire_at_ms != 0; }
    bool expired(std::int64_t now_ms) const { return expire_at_ms != 0 && expire_at_ms <= now_ms; }
};

// The links of a queue-based eviction policy (LRU, FIFO, S3-FIFO). A table
// keeps them right after an entry's node only while such a policy is set,
// so under noeviction or a sampling policy no key pays their 16 bytes.
struct PolicyLinks {
    Entry* prev = nullptr;
    Entry* next = nullptr;
};

// The links after `entry`'s node; entry.has_policy_links must be true.
PolicyLinks& policy_links(Entry& entry);

// The hash every table and the keyspace use for a key: its low bits pick
// the bucket, its high bits the shard. libstdc++'s string hash is a 64-bit
// Murmur variant, good at both ends.
inline std::uint64_t key_hash(std::string_view key) { return std::hash<std::string_view>{}(key); }

// A gauge several tables add their memory to (the keyspace's total).
using MemoryGauge = std::atomic<std::int64_t>;

class Table {
public:
    Table() = default;
    // `gauge` (may be null) follows this table's memory for as long as the
    // table lives, including after it was moved out by FLUSHALL ASYNC.
    Table(std::unique_ptr<EvictionPolicy> policy, MemoryGauge* gauge);
    Table(Table&& other) noexcept;
    Table& operator=(Table&& other) noexcept;
    ~Table();

    std::size_t size() const { return size_; }
    // Bytes the allocator holds for the entries, their keys and values, the
    // buckets and the policy's own bookkeeping.
    std::int64_t memory_bytes() const { return bytes_; }
    std::size_t volatile_size() const { return volatile_.size(); }
    std::size_t bucket_count() const { return buckets_.size(); }

    // `hash` is key_hash(key), computed once by the caller.
    Entry* find(std::string_view key, std::uint64_t hash);
    // The key must not be present. `clock_s` becomes its last access time.
    Entry& insert(std::string_view key, std::uint64_t hash, Value value, std::uint32_t clock_s = 0);
    bool erase(std::string_view key, std::uint64_t hash);

    // A command read or wrote the entry: tells the policy, then stamps it.
    void touch(Entry& entry, std::uint32_t clock_s);
    // The entry's value changed size in place: recount its memory.
    void recharge(Entry& entry);

    // Marks whether the tier holds the entry's current value; the table counts
    // such entries, so the keyspace counts each key once.
    void set_disk_copy(Entry& entry, bool has_copy);
    std::size_t disk_copies() const { return disk_copies_; }

    // What the policy would evict next; nullptr when nothing qualifies.
    Entry* eviction_victim(std::mt19937_64& rng, std::uint32_t clock_s);
    // Hands every entry to a new policy (CONFIG SET maxmemory-policy),
    // least recently used first, so recency-ordered policies start sensibly.
    void set_policy(std::unique_ptr<EvictionPolicy> policy);

    void set_expire(Entry& entry, std::int64_t expire_at_ms);  // 0 removes the expiry

    // The i-th key with an expiry (i < volatile_size()), for sampling.
    Entry& volatile_entry(std::size_t i) { return *volatile_[i]; }

    // Visits the bucket `cursor` points at and returns the next cursor, 0 when
    // the walk is complete.
    std::uint64_t scan(std::uint64_t cursor, const std::function<void(const Entry&)>& visit) const;

    // A uniformly chosen bucket's random entry; nullptr when empty.
    Entry* random_entry(std::mt19937_64& rng);

    void for_each(const std::function<void(const Entry&)>& visit) const;
    void for_each(const std::function<void(Entry&)>& visit);
    void clear();

private:
    // No stored hash: the key is inside the node, so comparing it costs no
    // cache miss, and a resize hashes the keys again (as Redis's rehash does).
    // Allocated with PolicyLinks right after it when the policy needs them,
    // hence the sized allocation (make_node) and deleter.
    struct Node;
    struct NodeDelete {
        void operator()(Node* node) const;
    };
    using NodePtr = std::unique_ptr<Node, NodeDelete>;
    struct Node {
        NodePtr next;
        Entry entry;  // last, so PolicyLinks follow it directly
    };
    static_assert(sizeof(Node) == sizeof(NodePtr) + sizeof(Entry), "nothing between the entry and its links");
    static_assert(sizeof(Node) <= 96, "a node should fill one 96-byte allocation (see Entry)");
    static std::size_t node_bytes(bool with_links) { return sizeof(Node) + (with_links ? sizeof(PolicyLinks) : 0); }
    static NodePtr make_node(bool with_links);
    bool policy_needs_links() const { return policy_ && policy_->uses_entry_links(); }
    // Reallocates every node with or without links (the policy changed).
    void relink_nodes(bool with_links);

    std::size_t index(std::uint64_t hash) const { return hash & (buckets_.size() - 1); }
    void resize(std::size_t bucket_count);
    void maybe_grow();
    void maybe_shrink();
    void drop_volatile(Entry& entry);
    void charge(std::int64_t delta);
    // Charges growth or shrinkage of a vector's heap block.
    template <typename Vector, typename Change>
    void charge_vector(Vector& vec, Change change);
    void charge_policy();
    static std::uint32_t entry_bytes(const Entry& entry);

    std::vector<NodePtr> buckets_;
    std::size_t size_ = 0;
    std::size_t disk_copies_ = 0;
    // Entries with an expiry, for O(1) sampling by the active expiry cycle
    // and volatile-* eviction. Non-owning: nodes never move in memory.
    std::vector<Entry*> volatile_;
    std::unique_ptr<EvictionPolicy> policy_;  // null: no eviction
    std::int64_t bytes_ = 0;
    std::int64_t policy_bytes_ = 0;  // policy_->overhead_bytes() as last charged
    MemoryGauge* gauge_ = nullptr;
};

}  // namespace tierkv::storage
