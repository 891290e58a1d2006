#include "storage/table.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include "storage/memory.h"

namespace tierkv::storage {
namespace {

// The table doubles its buckets when it holds this many keys per bucket.
// Two, not Redis's one: a bucket is 8 bytes, which at 1.0 cost 8-16 bytes
// per key (5-10% of a small string key), at 2 half that; a lookup then
// walks 1.5-2 nodes instead of 1.25-1.5 (the first one prefetched).
constexpr std::size_t kMaxKeysPerBucket = 2;

}  // namespace

PolicyLinks& policy_links(Entry& entry) {
    // The tail starts right after the entry (Table::Node's static_assert),
    // and make_node constructed the links there.
    return *std::launder(reinterpret_cast<PolicyLinks*>(reinterpret_cast<char*>(&entry) + sizeof(Entry)));
}

Table::NodePtr Table::make_node(std::string_view key, bool with_links, std::size_t embed_bytes) {
    const std::size_t needed =
        sizeof(Node) + (with_links ? sizeof(PolicyLinks) : 0) + sized_bytes::footprint(key.size()) + embed_bytes;
    const bool counted = needed <= NodePool::kMaxSlot;
    const std::size_t bytes = counted ? NodePool::slot_bytes(needed) : needed;
    const bool pooled = counted && pool_.pools(bytes);
    if (counted) pool_.count_node(bytes);  // may throw: nothing is allocated yet
    void* memory = nullptr;
    try {
        memory = pooled ? pool_.allocate(bytes) : std::malloc(bytes);
        if (!memory) throw std::bad_alloc();
    } catch (...) {
        if (counted) pool_.uncount_node(bytes);
        throw;
    }
    // A malloc'ed block may exceed the slot size it was asked for (the
    // allocator's classes); the excess in kSteps lets uncount() find the
    // size it was counted at.
    std::uint8_t slack = counted ? 0 : Entry::kUncounted;
    if (counted && !pooled) {
        const std::size_t excess = (block_size(memory) - bytes) / NodePool::kStep;
        if (excess < Entry::kUncounted) {
            slack = static_cast<std::uint8_t>(excess);
        } else {
            pool_.uncount_node(bytes);  // an allocator this coarse is not counted
            slack = Entry::kUncounted;
        }
    }
    Node* node = new (memory) Node();
    Entry& entry = node->entry;
    entry.pooled_ = pooled;
    entry.malloc_slack_ = slack;
    entry.has_policy_links = with_links;
    if (with_links) new (static_cast<char*>(memory) + sizeof(Node)) PolicyLinks();
    sized_bytes::write(const_cast<char*>(entry.tail()), key);
    return NodePtr(node);
}

void Table::NodeDelete::operator()(Node* node) const {
    const bool pooled = node->entry.pooled_;
    node->~Node();  // PolicyLinks is trivially destructible
    if (pooled) {
        NodePool::deallocate(node);
    } else {
        std::free(node);
    }
}

std::size_t Table::node_bytes(const Node& node) {
    return node.entry.pooled_ ? NodePool::slot_size(&node) : block_size(&node);
}

std::size_t Table::counted_slot(const Node& node) noexcept {
    const Entry& entry = node.entry;
    if (entry.pooled_) return NodePool::slot_size(&node);
    if (entry.malloc_slack_ == Entry::kUncounted) return 0;
    return block_size(&node) - entry.malloc_slack_ * NodePool::kStep;
}

void Table::uncount(const Node& node) noexcept {
    if (const std::size_t slot = counted_slot(node)) pool_.uncount_node(slot);
    uncount_block(node.entry.value);
}

const PairListpack::Block* Table::poolable_block(const Value& value) {
    return value.is<HashValue>() ? value.as<HashValue>().listpack_block() : nullptr;
}

PairListpack::Block* Table::poolable_block(Value& value) {
    return value.is<HashValue>() ? value.as<HashValue>().listpack_block() : nullptr;
}

std::size_t Table::block_slot(const Value& value) {
    const PairListpack::Block* block = poolable_block(value);
    const std::size_t needed = block ? block->footprint() : 0;
    return needed > 0 && needed <= NodePool::kMaxSlot ? NodePool::slot_bytes(needed) : 0;
}

void Table::count_block(const Value& value) noexcept {
    if (const std::size_t slot = block_slot(value)) pool_.count_node(slot);
}

void Table::uncount_block(const Value& value) noexcept {
    if (const std::size_t slot = block_slot(value)) pool_.uncount_node(slot);
}

void Table::place_block(Value& value) noexcept {
    const std::size_t slot = block_slot(value);
    // No block, one too large for a slot, or of a size the pool does not
    // (yet) hold: it stays where it is.
    if (slot == 0 || !pool_.pools(slot)) return;
    PairListpack::Block& block = *poolable_block(value);
    if (block.pooled() && NodePool::slot_size(block.address()) == slot) return;
    try {
        block.move_to(pool_.allocate(slot), true);
    } catch (const std::bad_alloc&) {
        // It stays where it is.
    }
}

void Table::move_block_to_pool(Entry& entry) noexcept {
    const PairListpack::Block* block = poolable_block(entry.value);
    if (!block || block->pooled()) return;
    const std::int64_t before = entry_bytes(entry);
    place_block(entry.value);
    charge(entry_bytes(entry) - before);
}

void Table::unpool_block(Value& value) {
    PairListpack::Block* block = poolable_block(value);
    if (!block || !block->pooled()) return;
    void* memory = std::malloc(block->footprint());
    if (!memory) throw std::bad_alloc();
    block->move_to(memory, false);
}

std::size_t Table::embeddable_size(const Value& value) {
    if (value.type() != ValueType::kString || value.shared_string()) return 0;
    const std::size_t size = value.str().size();
    return size > Value::kInlineMax && size <= kEmbedMax ? sized_bytes::footprint(size) : 0;
}

void Table::store_value(Entry& entry, Value value) {
    const std::size_t bytes = embeddable_size(value);
    const std::string_view key = entry.key();
    char* room = const_cast<char*>(key.data() + key.size());
    const auto room_bytes = [&] {
        const Node& node = node_of(entry);
        return node_bytes(node) - static_cast<std::size_t>(room - reinterpret_cast<const char*>(&node));
    };
    if (bytes == 0 || bytes > room_bytes()) {
        entry.value = std::move(value);
        return;
    }
    // The entry's current value may be embedded in the same room: it has no
    // bytes of its own to free, so overwriting them first is safe.
    sized_bytes::write(room, value.str());
    entry.value.embed_in_node(room, value.modified_in_place());
}

Table::Table(std::unique_ptr<EvictionPolicy> policy, MemoryGauge* gauge, std::uint32_t pool_from,
             std::uint64_t hash_seed)
    : pool_(pool_from), policy_(std::move(policy)), hash_seed_(hash_seed), gauge_(gauge) {
    charge_policy();
}

Table::Table(Table&& other) noexcept
    : pool_(std::move(other.pool_)),
      buckets_(std::move(other.buckets_)),
      size_(std::exchange(other.size_, 0)),
      disk_copies_(std::exchange(other.disk_copies_, 0)),
      expires_(std::move(other.expires_)),
      policy_(std::move(other.policy_)),
      hash_seed_(other.hash_seed_),
      bytes_(std::exchange(other.bytes_, 0)),
      policy_bytes_(std::exchange(other.policy_bytes_, 0)),
      gauge_(other.gauge_) {}

Table& Table::operator=(Table&& other) noexcept {
    if (this != &other) {
        clear();
        charge(-bytes_);  // what clear() leaves: the policy's own overhead
        pool_ = std::move(other.pool_);
        buckets_ = std::move(other.buckets_);
        size_ = std::exchange(other.size_, 0);
        disk_copies_ = std::exchange(other.disk_copies_, 0);
        expires_ = std::move(other.expires_);
        policy_ = std::move(other.policy_);
        hash_seed_ = other.hash_seed_;
        bytes_ = std::exchange(other.bytes_, 0);
        policy_bytes_ = std::exchange(other.policy_bytes_, 0);
        gauge_ = other.gauge_;
    }
    return *this;
}

Table::~Table() {
    clear();
    charge(-bytes_);
}

void Table::charge(std::int64_t delta) {
    bytes_ += delta;
    if (gauge_ && delta != 0) gauge_->fetch_add(delta, std::memory_order_relaxed);
}

template <typename Vector, typename Change>
void Table::charge_vector(Vector& vec, Change change) {
    const std::size_t before = vec.capacity();
    change();
    if (vec.capacity() != before) {
        const auto block = [](std::size_t capacity) {
            return static_cast<std::int64_t>(allocation_size(capacity * sizeof(typename Vector::value_type)));
        };
        charge(block(vec.capacity()) - block(before));
    }
}

void Table::charge_policy() {
    const auto now = static_cast<std::int64_t>(policy_ ? policy_->overhead_bytes() : 0);
    charge(now - policy_bytes_);
    policy_bytes_ = now;
}

std::int64_t Table::entry_bytes(const Entry& entry) {
    return static_cast<std::int64_t>(node_bytes(node_of(entry)) + value_heap_bytes(entry.value));
}

std::int64_t Table::begin_edit(Entry& entry) {
    pool_.prepare_counts();  // end_edit() cannot fail
    uncount_block(entry.value);
    return entry_bytes(entry);
}

void Table::end_edit(Entry& entry, std::int64_t bytes_before) noexcept {
    place_block(entry.value);
    count_block(entry.value);
    charge(entry_bytes(entry) - bytes_before);
}

bool Table::pool_counts_match() const {
    NodePool::Counts counts{};
    for_each([&](const Entry& e) {
        if (const std::size_t slot = counted_slot(node_of(e))) ++counts[slot / NodePool::kStep - 1];
        if (const std::size_t slot = block_slot(e.value)) ++counts[slot / NodePool::kStep - 1];
    });
    for (std::size_t i = 0; i < counts.size(); ++i) {
        if (pool_.counted((i + 1) * NodePool::kStep) != counts[i]) return false;
    }
    return true;
}

std::int64_t Table::recount_memory_bytes() const {
    std::int64_t bytes = policy_bytes_;
    for_each([&](const Entry& e) { bytes += entry_bytes(e); });
    bytes += static_cast<std::int64_t>(allocation_size(buckets_.capacity() * sizeof(NodePtr)));
    bytes += static_cast<std::int64_t>(allocation_size(expires_.capacity_bytes()));
    return bytes;
}

Entry* Table::find(std::string_view key, std::uint64_t hash) {
    if (size_ == 0) return nullptr;
    for (Node* n = buckets_[index(hash)].get(); n; n = n->next.get()) {
        if (n->entry.key() == key) return &n->entry;
    }
    return nullptr;
}

Entry& Table::insert(std::string_view key, std::uint64_t hash, Value value, std::uint32_t clock_s) {
    maybe_grow();
    pool_.prepare_counts();  // count_block() below cannot fail
    NodePtr node = make_node(key, policy_needs_links(), embeddable_size(value));
    Entry& entry = node->entry;
    store_value(entry, std::move(value));
    place_block(entry.value);
    count_block(entry.value);
    entry.last_access_s = clock_s;
    charge(entry_bytes(entry));
    auto& head = buckets_[index(hash)];
    node->next = std::move(head);
    head = std::move(node);
    ++size_;
    if (policy_) {
        policy_->on_insert(entry);
        charge_policy();
    }
    return entry;
}

Value Table::take_value(Entry& entry) {
    const std::int64_t before = entry_bytes(entry);
    unpool_block(entry.value);  // may throw: nothing else changed yet
    uncount_block(entry.value);
    Value value = std::move(entry.value);
    charge(entry_bytes(entry) - before);
    return value;
}

void Table::touch(Entry& entry, std::uint32_t clock_s) {
    if (policy_) policy_->on_access(entry, clock_s);
    entry.last_access_s = clock_s;
}

void Table::set_disk_copy(Entry& entry, bool has_copy) {
    if (entry.disk_copy == has_copy) return;
    entry.disk_copy = has_copy;
    if (has_copy) {
        ++disk_copies_;
    } else {
        --disk_copies_;
    }
}

void Table::assign(Entry& entry, Value value) {
    const std::int64_t before = begin_edit(entry);
    store_value(entry, std::move(value));
    end_edit(entry, before);
}

Entry* Table::eviction_victim(std::mt19937_64& rng, std::uint32_t clock_s) {
    if (!policy_ || size_ == 0) return nullptr;
    Entry* victim = policy_->victim(*this, rng, clock_s);
    charge_policy();
    return victim;
}

void Table::set_policy(std::unique_ptr<EvictionPolicy> policy) {
    if (policy_) {
        for_each([this](Entry& e) { policy_->on_erase(e); });
    }
    policy_ = std::move(policy);
    relink_nodes(policy_needs_links());
    if (policy_) {
        std::vector<Entry*> entries;
        entries.reserve(size_);
        for_each([&](Entry& e) { entries.push_back(&e); });
        std::stable_sort(entries.begin(), entries.end(),
                         [](const Entry* a, const Entry* b) { return a->last_access_s < b->last_access_s; });
        for (Entry* e : entries) policy_->on_insert(*e);
    }
    charge_policy();
}

bool Table::erase(std::string_view key, std::uint64_t hash) {
    if (size_ == 0) return false;
    for (NodePtr* link = &buckets_[index(hash)]; *link; link = &(*link)->next) {
        Node& n = **link;
        if (n.entry.key() == key) {
            drop_volatile(n.entry);
            if (n.entry.disk_copy) --disk_copies_;
            if (policy_) policy_->on_erase(n.entry);
            charge(-entry_bytes(n.entry));
            uncount(n);
            *link = std::move(n.next);  // destroys n
            --size_;
            maybe_shrink();
            return true;
        }
    }
    return false;
}

template <typename Change>
void Table::charge_expiring(Change change) {
    const std::size_t before = expires_.capacity_bytes();
    change();
    if (expires_.capacity_bytes() != before) {
        charge(static_cast<std::int64_t>(allocation_size(expires_.capacity_bytes())) -
               static_cast<std::int64_t>(allocation_size(before)));
    }
}

void Table::drop_volatile(Entry& entry) {
    if (!entry.has_expiry()) return;
    charge_expiring([&] { expires_.erase(&entry); });
    entry.has_expiry_ = false;
}

void Table::set_expire(Entry& entry, std::int64_t expire_at_ms) {
    if (expire_at_ms == 0) {
        drop_volatile(entry);
        return;
    }
    charge_expiring([&] { expires_.insert_or_assign(&entry, expire_at_ms); });
    entry.has_expiry_ = true;
}

void Table::relink_nodes(bool with_links) {
    for (NodePtr& head : buckets_) {
        for (NodePtr* link = &head; *link; link = &(*link)->next) {
            Entry& old = (*link)->entry;
            if (old.has_policy_links == with_links) continue;
            const std::int64_t old_bytes = entry_bytes(old);
            NodePtr moved = make_node(old.key(), with_links, embeddable_size(old.value));
            Entry& entry = moved->entry;
            store_value(entry, std::move(old.value));
            entry.last_access_s = old.last_access_s;
            entry.lfu_counter = old.lfu_counter;
            entry.policy_bits = old.policy_bits;
            entry.disk_copy = old.disk_copy;
            if (old.has_expiry()) {
                const std::int64_t expire_at_ms = expire_at(old);
                charge_expiring([&] {
                    expires_.erase(&old);
                    expires_.insert_or_assign(&entry, expire_at_ms);
                });
                entry.has_expiry_ = true;
            }
            moved->next = std::move((*link)->next);
            charge(entry_bytes(entry) - old_bytes);
            uncount(**link);
            *link = std::move(moved);  // frees the old node
        }
    }
}

void Table::resize(std::size_t bucket_count) {
    std::vector<NodePtr> old = std::move(buckets_);
    charge_vector(buckets_, [&] { buckets_ = std::vector<NodePtr>(bucket_count); });
    charge(-static_cast<std::int64_t>(allocation_size(old.capacity() * sizeof(old[0]))));
    chains::rehash(old, buckets_, [&](Node& node) {
        // Blocks from before their size was pooled move now, as every node
        // passes here anyway.
        move_block_to_pool(node.entry);
        return key_hash(node.entry.key(), hash_seed_);
    });
}

void Table::maybe_grow() {
    if (buckets_.empty()) {
        resize(chains::kMinBuckets);
    } else if (size_ >= buckets_.size() * kMaxKeysPerBucket) {
        resize(buckets_.size() * 2);
    }
}

void Table::maybe_shrink() {
    if (const std::size_t count = chains::shrunk_count(size_, buckets_.size())) resize(count);
}

std::uint64_t Table::scan(std::uint64_t cursor, const std::function<void(const Entry&)>& visit) const {
    return chains::scan(buckets_, cursor, [&](const Node& n) { visit(n.entry); });
}

Entry* Table::random_entry(std::mt19937_64& rng) {
    if (size_ == 0) return nullptr;
    return &chains::random_node(buckets_, rng)->entry;
}

void Table::for_each(const std::function<void(const Entry&)>& visit) const {
    chains::for_each(buckets_, [&](const Node& n) { visit(n.entry); });
}

void Table::for_each(const std::function<void(Entry&)>& visit) {
    chains::for_each(buckets_, [&](Node& n) { visit(n.entry); });
}

void Table::clear() {
    if (policy_) for_each([this](Entry& e) { policy_->on_erase(e); });
    // Unlink chains iteratively so a long chain cannot recurse deeply.
    for (auto& head : buckets_) {
        while (head) {
            uncount(*head);
            head = std::move(head->next);
        }
    }
    charge_vector(buckets_, [&] { decltype(buckets_)().swap(buckets_); });
    charge_expiring([&] { expires_.clear(); });
    size_ = 0;
    disk_copies_ = 0;
    // What is left is the policy's own bookkeeping.
    charge(policy_bytes_ - bytes_);
}

}  // namespace tierkv::storage
