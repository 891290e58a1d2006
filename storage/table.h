// One database's share of one shard: a chained hash table with a
// power-of-two bucket count. The power of two is what lets SCAN walk it with
// Redis's reverse-binary cursor and still visit every key that stays present,
// even when the table grows or shrinks between calls.
//
// Not thread-safe: the owning shard's lock guards it.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "storage/chains.h"
#include "storage/eviction_policy.h"
#include "storage/key_hash.h"
#include "storage/node_pool.h"
#include "storage/pointer_map.h"
#include "storage/sized_bytes.h"
#include "storage/value.h"

namespace tierkv::storage {

struct Entry {
    // A table node (Table::Node) is a link, this entry, and a tail that
    // holds in order: PolicyLinks (when has_policy_links), the key, and the
    // value's bytes when the table embedded them (Value::embedded()), each
    // of these two after its length (sized_bytes.h). So a key with a short
    // string value costs one allocation. Keep the entry 16 bytes: the fields
    // after `value` sit in its tail padding ([[no_unique_address]]).
    // A key's expiry time is in its table (Table::expire_at), not here:
    // most keys have none.
    [[no_unique_address]] Value value;
    // The tier holds this entry's current value too (durability everysec or
    // always write every change through); see Table::set_disk_copy.
    bool disk_copy : 1 = false;
    // The node's tail starts with PolicyLinks (a queue policy is set).
    bool has_policy_links : 1 = false;

private:
    friend class Table;
    bool has_expiry_ : 1 = false;
    bool pooled_ : 1 = false;  // the node is a NodePool slot, not a malloc block
    // A malloc'ed node of up to NodePool::kMaxSlot bytes asked for a slot
    // size (NodePool::slot_bytes) and got this many kSteps more (jemalloc's
    // classes are coarser): the table's pool counts its nodes by slot size
    // and finds a freed node's size from its block's. kUncounted: not
    // counted (larger nodes).
    std::uint8_t malloc_slack_ : 4 = 0;
    static constexpr std::uint8_t kUncounted = 15;

public:
    // Eviction policy state: Redis's logarithmic access counter (LFU) and a
    // few policy bits; queue links are in PolicyLinks.
    std::uint8_t lfu_counter = 5;  // Redis's LFU_INIT_VAL: new keys are not evicted at once
    std::uint8_t policy_bits = 0;
    std::uint32_t last_access_s = 0;  // seconds since the keyspace started (IDLETIME, LRU, LFU decay)

    std::string_view key() const { return sized_bytes::read(tail()); }
    // The table holds an expiry time for this entry (Table::expire_at).
    bool has_expiry() const { return has_expiry_; }

private:
    const char* tail() const;
};

// The links of a queue-based eviction policy (LRU, FIFO, S3-FIFO). A table
// keeps them at the start of an entry's tail only while such a policy is
// set, so under noeviction or a sampling policy no key pays their 16 bytes.
struct PolicyLinks {
    Entry* prev = nullptr;
    Entry* next = nullptr;
};

// The links after `entry`; entry.has_policy_links must be true.
PolicyLinks& policy_links(Entry& entry);

inline const char* Entry::tail() const {
    return reinterpret_cast<const char*>(this) + sizeof(Entry) + (has_policy_links ? sizeof(PolicyLinks) : 0);
}

// A gauge several tables add their memory to (the keyspace's total).
using MemoryGauge = std::atomic<std::int64_t>;

class Table {
public:
    Table() = default;
    // `gauge` (may be null) follows this table's memory for as long as the
    // table lives, including after it was moved out by FLUSHALL ASYNC.
    // `pool_from`: see NodePool::kPoolFrom (tests pool every node with 0).
    // `hash_seed`: the seed of the key_hash values the caller passes in,
    // which the table needs again when it resizes.
    Table(std::unique_ptr<EvictionPolicy> policy, MemoryGauge* gauge,
          std::uint32_t pool_from = NodePool::kPoolFrom, std::uint64_t hash_seed = 0);
    Table(Table&& other) noexcept;
    Table& operator=(Table&& other) noexcept;
    ~Table();

    std::size_t size() const { return size_; }
    // Bytes the allocator holds for the entries, their keys and values, the
    // buckets and the policy's own bookkeeping.
    std::int64_t memory_bytes() const { return bytes_; }
    std::size_t volatile_size() const { return expires_.size(); }
    std::size_t bucket_count() const { return buckets_.size(); }
    // Pages the table's NodePool holds (for tests).
    std::size_t pool_pages() const { return pool_.pages(); }

    // `hash` is key_hash(key, hash_seed), computed once by the caller.
    Entry* find(std::string_view key, std::uint64_t hash);
    // Asks the CPU to fetch, ahead of a find(): the bucket of `hash`
    // (stage 1), then, once that has arrived, the node it points at
    // (stage 2). A pipelined batch runs stage 1 for all its keys, then stage
    // 2, so the cache misses of a large table overlap instead of queueing.
    void prefetch_bucket(std::uint64_t hash) const {
        if (!buckets_.empty()) __builtin_prefetch(&buckets_[index(hash)]);
    }
    void prefetch_node(std::uint64_t hash) const {
        if (buckets_.empty()) return;
        if (const Node* node = buckets_[index(hash)].get()) {
            // The header, the key and an embedded value: the node's first
            // three lines hold most of a 144-byte node (a short key with a
            // ~100-byte value); the reply copies the value right away.
            const auto* bytes = reinterpret_cast<const char*>(node);
            __builtin_prefetch(bytes);
            __builtin_prefetch(bytes + 64);
            __builtin_prefetch(bytes + 128);
        }
    }
    // The key must not be present. `clock_s` becomes its last access time.
    // A string of up to kEmbedMax bytes is embedded in the entry's node.
    Entry& insert(std::string_view key, std::uint64_t hash, Value value, std::uint32_t clock_s = 0);
    // Replaces the entry's value (SET of an existing key), in the node when
    // it fits there, and recounts the entry's memory.
    void assign(Entry& entry, Value value);
    // Moves the value out of the entry (RENAME, UNLINK, eviction to the
    // tier), counting its heap as gone; the entry is left an empty string.
    // The value owns all its memory (nothing in the table's pool).
    Value take_value(Entry& entry);
    bool erase(std::string_view key, std::uint64_t hash);

    // A command read or wrote the entry: tells the policy, then stamps it.
    void touch(Entry& entry, std::uint32_t clock_s);
    // What the entry costs: its node and its value's heap. Constant until
    // the value changes.
    static std::int64_t entry_bytes(const Entry& entry);
    // An in-place change of an entry's value sits between these two
    // (ValueEdit): begin_edit() returns what the entry costs before it;
    // end_edit() moves a small hash's listpack block into a pool slot that
    // fits its new size and recounts the entry's memory.
    std::int64_t begin_edit(Entry& entry);
    void end_edit(Entry& entry, std::int64_t bytes_before) noexcept;
    // memory_bytes() counted again from every entry and structure, for
    // tests that check nothing drifted.
    std::int64_t recount_memory_bytes() const;
    // Whether the pool's per-size counts equal counting every node and
    // block again (for tests).
    bool pool_counts_match() const;

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
    // The entry's expiry time in unix ms; 0 when it has none.
    std::int64_t expire_at(const Entry& entry) const {
        return entry.has_expiry() ? *expires_.find(&entry) : 0;
    }
    bool expired(const Entry& entry, std::int64_t now_ms) const {
        const std::int64_t at = expire_at(entry);
        return at != 0 && at <= now_ms;
    }

    // A random key with an expiry, for sampling; nullptr when none.
    Entry* random_volatile(std::mt19937_64& rng) { return expires_.random(rng); }
    template <class Visit>
    void for_each_volatile(Visit&& visit) {
        expires_.for_each([&](Entry& entry, std::int64_t) { visit(entry); });
    }

    // Visits the bucket `cursor` points at and returns the next cursor, 0 when
    // the walk is complete.
    std::uint64_t scan(std::uint64_t cursor, const std::function<void(const Entry&)>& visit) const;

    // A uniformly chosen bucket's random entry; nullptr when empty.
    Entry* random_entry(std::mt19937_64& rng);

    void for_each(const std::function<void(const Entry&)>& visit) const;
    void for_each(const std::function<void(Entry&)>& visit);
    void clear();

    static constexpr std::size_t kEmbedMax = 256;

private:
    // No stored hash: the key is inside the node, so comparing it costs no
    // cache miss, and a resize hashes the keys again (as Redis's rehash does).
    // A node is allocated with its tail (see Entry), hence raw memory and
    // the deleter: a slot of the table's NodePool once the table holds
    // NodePool::kPoolFrom nodes of its slot size, else a malloc block. The
    // slot's or block's size is what the node costs (node_bytes).
    struct Node;
    struct NodeDelete {
        void operator()(Node* node) const;
    };
    using NodePtr = std::unique_ptr<Node, NodeDelete>;
    struct Node {
        NodePtr next;
        Entry entry;  // last, so the tail follows it directly
    };
    static_assert(sizeof(Entry) == 16 && sizeof(Node) == sizeof(NodePtr) + sizeof(Entry),
                  "a node is 24 bytes before its tail");
    static const Node& node_of(const Entry& entry) {
        return *reinterpret_cast<const Node*>(reinterpret_cast<const char*>(&entry) - sizeof(NodePtr));
    }
    // A node for `key` with room for `embed_bytes` of value after it.
    NodePtr make_node(std::string_view key, bool with_links, std::size_t embed_bytes);
    static std::size_t node_bytes(const Node& node);
    // Takes a node that is about to be freed, and its value's block, off
    // the pool's counts.
    void uncount(const Node& node) noexcept;
    // The slot size the pool counts the node at; 0 when not counted.
    static std::size_t counted_slot(const Node& node) noexcept;

    // A small hash's listpack block may live in a pool slot (PackedBlock):
    // 8-byte steps fit it closer than malloc's classes. The pool counts
    // such blocks by the slot they fit, moved or not, like nodes; that size
    // follows from the value's state, so a change is uncounted before and
    // counted after by the same rule (begin_edit, end_edit).
    // The block the pool would hold and counts, when the value has one.
    static const PairListpack::Block* poolable_block(const Value& value);
    static PairListpack::Block* poolable_block(Value& value);
    // The slot size a block is counted at: 0 for none or one too large.
    static std::size_t block_slot(const Value& value);
    void count_block(const Value& value) noexcept;  // the pool's counts must exist
    void uncount_block(const Value& value) noexcept;
    // Moves the value's block into a pool slot of its size when the pool
    // pools that size and it is not in one yet.
    void place_block(Value& value) noexcept;
    // place_block() for a block still in malloc, recounting the entry's
    // memory; resize() does it for every entry.
    void move_block_to_pool(Entry& entry) noexcept;
    // Moves a pooled block back to malloc: its value leaves the table, and
    // the slot's page may only change under this table's lock.
    static void unpool_block(Value& value);
    // The bytes `value` would take in a node, with its length (0: none, it
    // keeps its own).
    static std::size_t embeddable_size(const Value& value);
    // Puts `value` in the entry, its bytes in the node's tail when they fit.
    static void store_value(Entry& entry, Value value);
    bool policy_needs_links() const { return policy_ && policy_->uses_entry_links(); }
    // Reallocates every node with or without links (the policy changed).
    void relink_nodes(bool with_links);

    std::size_t index(std::uint64_t hash) const { return chains::index(hash, buckets_.size()); }
    // Rehashes every node into `bucket_count` buckets, moving on the way
    // the hash blocks that were left in malloc until the pool took their
    // size (move_block_to_pool).
    void resize(std::size_t bucket_count);
    void maybe_grow();
    void maybe_shrink();
    void drop_volatile(Entry& entry);
    void charge(std::int64_t delta);
    // Charges growth or shrinkage of a vector's heap block.
    template <typename Vector, typename Change>
    void charge_vector(Vector& vec, Change change);
    // Charges a change of the expiry map's slot array.
    template <typename Change>
    void charge_expiring(Change change);
    void charge_policy();

    NodePool pool_;  // first: the nodes in buckets_ go before it
    std::vector<NodePtr> buckets_;
    std::size_t size_ = 0;
    std::size_t disk_copies_ = 0;
    // The expiry time (unix ms) of each entry that has one; sampled by the
    // active expiry cycle and volatile-* eviction. Non-owning: nodes never
    // move in memory.
    PointerMap<Entry, std::int64_t> expires_;
    std::unique_ptr<EvictionPolicy> policy_;  // null: no eviction
    std::uint64_t hash_seed_ = 0;
    std::int64_t bytes_ = 0;
    std::int64_t policy_bytes_ = 0;  // policy_->overhead_bytes() as last charged
    MemoryGauge* gauge_ = nullptr;
};

}  // namespace tierkv::storage
