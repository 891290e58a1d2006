#include "storage/table.h"

#include <bit>

namespace tierkv::storage {
namespace {

constexpr std::size_t kMinBuckets = 4;

std::uint64_t reverse_bits(std::uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ull) | ((v & 0x5555555555555555ull) << 1);
    v = ((v >> 2) & 0x3333333333333333ull) | ((v & 0x3333333333333333ull) << 2);
    v = ((v >> 4) & 0x0F0F0F0F0F0F0F0Full) | ((v & 0x0F0F0F0F0F0F0F0Full) << 4);
    v = ((v >> 8) & 0x00FF00FF00FF00FFull) | ((v & 0x00FF00FF00FF00FFull) << 8);
    v = ((v >> 16) & 0x0000FFFF0000FFFFull) | ((v & 0x0000FFFF0000FFFFull) << 16);
    return (v >> 32) | (v << 32);
}

}  // namespace

Table::~Table() { clear(); }

Entry* Table::find(std::string_view key, std::uint64_t hash) {
    if (size_ == 0) return nullptr;
    for (Node* n = buckets_[index(hash)].get(); n; n = n->next.get()) {
        if (n->hash == hash && n->entry.key == key) return &n->entry;
    }
    return nullptr;
}

Entry& Table::insert(std::string_view key, std::uint64_t hash, Value value) {
    maybe_grow();
    auto node = std::make_unique<Node>();
    node->hash = hash;
    node->entry.key.assign(key);
    node->entry.value = std::move(value);
    auto& head = buckets_[index(hash)];
    node->next = std::move(head);
    head = std::move(node);
    ++size_;
    return head->entry;
}

bool Table::erase(std::string_view key, std::uint64_t hash) {
    if (size_ == 0) return false;
    for (std::unique_ptr<Node>* link = &buckets_[index(hash)]; *link; link = &(*link)->next) {
        Node& n = **link;
        if (n.hash == hash && n.entry.key == key) {
            drop_volatile(n.entry);
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
}

void Table::set_expire(Entry& entry, std::int64_t expire_at_ms) {
    if (expire_at_ms == 0) {
        drop_volatile(entry);
        return;
    }
    if (!entry.has_expiry()) {
        entry.volatile_slot = static_cast<std::uint32_t>(volatile_.size());
        volatile_.push_back(&entry);
    }
    entry.expire_at_ms = expire_at_ms;
}

void Table::resize(std::size_t bucket_count) {
    std::vector<std::unique_ptr<Node>> old = std::move(buckets_);
    buckets_ = std::vector<std::unique_ptr<Node>>(bucket_count);
    for (auto& head : old) {
        while (head) {
            std::unique_ptr<Node> node = std::move(head);
            head = std::move(node->next);
            auto& dest = buckets_[index(node->hash)];
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
    // Increment the reversed cursor: walks buckets high bit first, which is
    // what keeps the walk valid across resizes.
    cursor |= ~mask;
    cursor = reverse_bits(cursor);
    ++cursor;
    return reverse_bits(cursor);
}

Entry* Table::random_entry(std::mt19937_64& rng) {
    if (size_ == 0) return nullptr;
    std::uniform_int_distribution<std::size_t> pick_bucket(0, buckets_.size() - 1);
    const Node* head = nullptr;
    while (!head) head = buckets_[pick_bucket(rng)].get();
    std::size_t chain = 0;
    for (const Node* n = head; n; n = n->next.get()) ++chain;
    std::size_t skip = std::uniform_int_distribution<std::size_t>(0, chain - 1)(rng);
    Node* n = buckets_[index(head->hash)].get();
    while (skip--) n = n->next.get();
    return &n->entry;
}

void Table::for_each(const std::function<void(const Entry&)>& visit) const {
    for (const auto& head : buckets_) {
        for (const Node* n = head.get(); n; n = n->next.get()) visit(n->entry);
    }
}

void Table::clear() {
    // Unlink chains iteratively so a long chain cannot recurse deeply.
    for (auto& head : buckets_) {
        while (head) head = std::move(head->next);
    }
    buckets_.clear();
    volatile_.clear();
    size_ = 0;
}

}  // namespace tierkv::storage
