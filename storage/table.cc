#include "storage/table.h"

#include <algorithm>
#include <bit>
#include <new>
#include <utility>

#include "storage/memory.h"
#include "storage/scan_cursor.h"

namespace tierkv::storage {
namespace {

constexpr std::size_t kMinBuckets = 4;

}  // namespace

PolicyLinks& policy_links(Entry& entry) {
    // The entry ends its node (Table::Node's static_asserts), and the links
    // were constructed right after it (Table::make_node).
    return *std::launder(reinterpret_cast<PolicyLinks*>(reinterpret_cast<char*>(&entry) + sizeof(Entry)));
}

Table::NodePtr Table::make_node(bool with_links) {
    void* memory = ::operator new(node_bytes(with_links));
    Node* node = new (memory) Node();
    if (with_links) new (static_cast<char*>(memory) + sizeof(Node)) PolicyLinks();
    node->entry.has_policy_links = with_links;
    return NodePtr(node);
}

void Table::NodeDelete::operator()(Node* node) const {
    node->~Node();  // PolicyLinks is trivially destructible
    ::operator delete(node);
}

Table::Table(std::unique_ptr<EvictionPolicy> policy, MemoryGauge* gauge)
    : policy_(std::move(policy)), gauge_(gauge) {
    charge_policy();
}

Table::Table(Table&& other) noexcept
    : buckets_(std::move(other.buckets_)),
      size_(std::exchange(other.size_, 0)),
      disk_copies_(std::exchange(other.disk_copies_, 0)),
      volatile_(std::move(other.volatile_)),
      policy_(std::move(other.policy_)),
      bytes_(std::exchange(other.bytes_, 0)),
      policy_bytes_(std::exchange(other.policy_bytes_, 0)),
      gauge_(other.gauge_) {}

Table& Table::operator=(Table&& other) noexcept {
    if (this != &other) {
        clear();
        charge(-bytes_);  // what clear() leaves: the policy's own overhead
        buckets_ = std::move(other.buckets_);
        size_ = std::exchange(other.size_, 0);
        disk_copies_ = std::exchange(other.disk_copies_, 0);
        volatile_ = std::move(other.volatile_);
        policy_ = std::move(other.policy_);
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

std::uint32_t Table::entry_bytes(const Entry& entry) {
    return static_cast<std::uint32_t>(allocation_size(node_bytes(entry.has_policy_links)) +
                                      string_heap_bytes(entry.key) + value_heap_bytes(entry.value));
}

Entry* Table::find(std::string_view key, std::uint64_t hash) {
    if (size_ == 0) return nullptr;
    for (Node* n = buckets_[index(hash)].get(); n; n = n->next.get()) {
        if (n->entry.key == key) return &n->entry;
    }
    return nullptr;
}

Entry& Table::insert(std::string_view key, std::uint64_t hash, Value value, std::uint32_t clock_s) {
    maybe_grow();
    NodePtr node = make_node(policy_needs_links());
    Entry& entry = node->entry;
    entry.key.assign(key);
    entry.value = std::move(value);
    entry.last_access_s = clock_s;
    entry.charged_bytes = entry_bytes(entry);
    charge(entry.charged_bytes);
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

void Table::recharge(Entry& entry) {
    const std::uint32_t now = entry_bytes(entry);
    charge(static_cast<std::int64_t>(now) - static_cast<std::int64_t>(entry.charged_bytes));
    entry.charged_bytes = now;
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
        if (n.entry.key == key) {
            drop_volatile(n.entry);
            if (n.entry.disk_copy) --disk_copies_;
            if (policy_) policy_->on_erase(n.entry);
            charge(-static_cast<std::int64_t>(n.entry.charged_bytes));
            *link = std::move(n.next);  // destroys n
            --size_;
            maybe_shrink();
            return true;
        }
    }
    return false;
}

void Table::drop_volatile(Entry& entry) {
    if (!entry.has_expiry()) return;
    const std::uint32_t slot = entry.volatile_slot;
    Entry* last = volatile_.back();
    volatile_[slot] = last;
    last->volatile_slot = slot;
    volatile_.pop_back();
    entry.expire_at_ms = 0;
    // Give back a list that has become mostly empty.
    if (volatile_.capacity() > 64 && volatile_.size() * 4 < volatile_.capacity()) {
        charge_vector(volatile_, [&] { volatile_.shrink_to_fit(); });
    }
}

void Table::set_expire(Entry& entry, std::int64_t expire_at_ms) {
    if (expire_at_ms == 0) {
        drop_volatile(entry);
        return;
    }
    if (!entry.has_expiry()) {
        entry.volatile_slot = static_cast<std::uint32_t>(volatile_.size());
        charge_vector(volatile_, [&] { volatile_.push_back(&entry); });
    }
    entry.expire_at_ms = expire_at_ms;
}

void Table::relink_nodes(bool with_links) {
    for (NodePtr& head : buckets_) {
        for (NodePtr* link = &head; *link; link = &(*link)->next) {
            if ((*link)->entry.has_policy_links == with_links) continue;
            NodePtr moved = make_node(with_links);
            moved->entry = std::move((*link)->entry);
            moved->entry.has_policy_links = with_links;
            moved->next = std::move((*link)->next);
            if (moved->entry.has_expiry()) volatile_[moved->entry.volatile_slot] = &moved->entry;
            *link = std::move(moved);  // frees the old node
            recharge((*link)->entry);
        }
    }
}

void Table::resize(std::size_t bucket_count) {
    std::vector<NodePtr> old = std::move(buckets_);
    charge_vector(buckets_, [&] { buckets_ = std::vector<NodePtr>(bucket_count); });
    charge(-static_cast<std::int64_t>(allocation_size(old.capacity() * sizeof(old[0]))));
    for (auto& head : old) {
        while (head) {
            NodePtr node = std::move(head);
            head = std::move(node->next);
            auto& dest = buckets_[index(key_hash(node->entry.key))];
            node->next = std::move(dest);
            dest = std::move(node);
        }
    }
}

void Table::maybe_grow() {
    if (buckets_.empty()) {
        resize(kMinBuckets);
    } else if (size_ >= buckets_.size()) {
        resize(buckets_.size() * 2);
    }
}

void Table::maybe_shrink() {
    // Shrink when under 1/8 full, like Redis, so a sparse table does not make
    // random sampling and SCAN walk mostly empty buckets.
    if (buckets_.size() > kMinBuckets && size_ * 8 < buckets_.size()) {
        resize(std::max(kMinBuckets, std::bit_ceil(std::max<std::size_t>(size_, 1))));
    }
}

std::uint64_t Table::scan(std::uint64_t cursor, const std::function<void(const Entry&)>& visit) const {
    if (buckets_.empty()) return 0;
    const std::uint64_t mask = buckets_.size() - 1;
    for (const Node* n = buckets_[cursor & mask].get(); n; n = n->next.get()) visit(n->entry);
    return next_scan_cursor(cursor, mask);
}

Entry* Table::random_entry(std::mt19937_64& rng) {
    if (size_ == 0) return nullptr;
    std::uniform_int_distribution<std::size_t> pick_bucket(0, buckets_.size() - 1);
    Node* head = nullptr;
    while (!head) head = buckets_[pick_bucket(rng)].get();
    std::size_t chain = 0;
    for (const Node* n = head; n; n = n->next.get()) ++chain;
    std::size_t skip = std::uniform_int_distribution<std::size_t>(0, chain - 1)(rng);
    Node* n = head;
    while (skip--) n = n->next.get();
    return &n->entry;
}

void Table::for_each(const std::function<void(const Entry&)>& visit) const {
    for (const auto& head : buckets_) {
        for (const Node* n = head.get(); n; n = n->next.get()) visit(n->entry);
    }
}

void Table::for_each(const std::function<void(Entry&)>& visit) {
    for (auto& head : buckets_) {
        for (Node* n = head.get(); n; n = n->next.get()) visit(n->entry);
    }
}

void Table::clear() {
    if (policy_) for_each([this](Entry& e) { policy_->on_erase(e); });
    // Unlink chains iteratively so a long chain cannot recurse deeply.
    for (auto& head : buckets_) {
        while (head) head = std::move(head->next);
    }
    charge_vector(buckets_, [&] { decltype(buckets_)().swap(buckets_); });
    charge_vector(volatile_, [&] { decltype(volatile_)().swap(volatile_); });
    size_ = 0;
    disk_copies_ = 0;
    // What is left is the policy's own bookkeeping.
    charge(policy_bytes_ - bytes_);
}

}  // namespace tierkv::storage
