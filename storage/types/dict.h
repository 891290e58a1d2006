// The hash table encoding of large hashes (V = std::string, the field's
// value), sets (V = NoValue) and sorted sets (V = double, the score):
// chained, with a power-of-two bucket count, so HSCAN/SSCAN/ZSCAN can walk
// it with Redis's reverse-binary cursor and still visit every element that
// stays present across resizes.
//
// It keeps its heap byte count up to date as it changes (node blocks, the
// strings' heap buffers, the bucket array), so asking costs O(1). Each dict
// draws its own hash seed (key_hash.h), which copies keep with the nodes'
// stored hashes.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/chains.h"
#include "storage/key_hash.h"
#include "storage/memory.h"

namespace tierkv::storage {

struct NoValue {
    friend bool operator==(NoValue, NoValue) = default;
};

inline std::size_t heap_bytes_of(const std::string& s) { return string_heap_bytes(s); }
inline std::size_t heap_bytes_of(NoValue) { return 0; }
inline std::size_t heap_bytes_of(double) { return 0; }  // a sorted set's member -> score

template <class V>
class Dict {
public:
    Dict() = default;
    Dict(const Dict& other) { copy_from(other); }
    Dict& operator=(const Dict& other) {
        if (this != &other) {
            Dict copy(other);
            *this = std::move(copy);
        }
        return *this;
    }
    Dict(Dict&& other) noexcept
        : buckets_(std::move(other.buckets_)),
          size_(std::exchange(other.size_, 0)),
          node_bytes_(std::exchange(other.node_bytes_, 0)),
          seed_(other.seed_) {}
    Dict& operator=(Dict&& other) noexcept {
        seed_ = other.seed_;
        buckets_ = std::move(other.buckets_);
        size_ = std::exchange(other.size_, 0);
        node_bytes_ = std::exchange(other.node_bytes_, 0);
        return *this;
    }
    ~Dict() = default;

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    std::size_t heap_bytes() const {
        return node_bytes_ + allocation_size(buckets_.capacity() * sizeof(std::unique_ptr<Node>));
    }

    V* find(std::string_view key) {
        Node* n = find_node(key, hash(key));
        return n ? &n->value : nullptr;
    }
    const V* find(std::string_view key) const { return const_cast<Dict*>(this)->find(key); }
    bool contains(std::string_view key) const { return find(key) != nullptr; }

    // Adds `key` with `value` unless present. True when added.
    bool insert(std::string_view key, V value = V()) {
        const std::uint64_t h = hash(key);
        if (find_node(key, h)) return false;
        if (size_ >= buckets_.size()) resize(std::max(chains::kMinBuckets, buckets_.size() * 2));
        auto node = std::make_unique<Node>();
        node->hash = h;
        node->key.assign(key);
        node->value = std::move(value);
        node_bytes_ += node_bytes(*node);
        auto& head = buckets_[index(h)];
        node->next = std::move(head);
        head = std::move(node);
        ++size_;
        return true;
    }

    // Runs `change` on the value of `key` (which must be present), keeping
    // the byte count right.
    template <class Change>
    void update(std::string_view key, Change change) {
        Node* n = find_node(key, hash(key));
        node_bytes_ -= heap_bytes_of(n->value);
        change(n->value);
        node_bytes_ += heap_bytes_of(n->value);
    }

    bool erase(std::string_view key) {
        if (size_ == 0) return false;
        const std::uint64_t h = hash(key);
        for (std::unique_ptr<Node>* link = &buckets_[index(h)]; *link; link = &(*link)->next) {
            Node& n = **link;
            if (n.hash == h && n.key == key) {
                node_bytes_ -= node_bytes(n);
                *link = std::move(n.next);
                --size_;
                if (const std::size_t count = chains::shrunk_count(size_, buckets_.size())) resize(count);
                return true;
            }
        }
        return false;
    }

    // Calls visit(key, value) for every element, in bucket order.
    template <class Visit>
    void for_each(Visit&& visit) const {
        chains::for_each(buckets_, [&](const Node& n) { visit(std::string_view(n.key), n.value); });
    }

    // Visits the bucket `cursor` points at; returns the next cursor, 0 at the end.
    template <class Visit>
    std::uint64_t scan(std::uint64_t cursor, Visit&& visit) const {
        return chains::scan(buckets_, cursor, [&](const Node& n) { visit(std::string_view(n.key), n.value); });
    }

    // A random element (the dict must not be empty), see chains::random_node.
    std::pair<std::string_view, const V*> random(std::mt19937_64& rng) const {
        const Node* n = chains::random_node(buckets_, rng);
        return {n->key, &n->value};
    }

    void reserve(std::size_t n) {
        if (n > buckets_.size()) resize(std::bit_ceil(std::max(n, chains::kMinBuckets)));
    }

private:
    struct Node {
        std::unique_ptr<Node> next;
        std::uint64_t hash = 0;
        std::string key;
        [[no_unique_address]] V value;
    };

    std::uint64_t hash(std::string_view key) const { return key_hash(key, seed_); }
    static std::size_t node_bytes(const Node& n) {
        return allocation_size(sizeof(Node)) + string_heap_bytes(n.key) + heap_bytes_of(n.value);
    }
    std::size_t index(std::uint64_t h) const { return chains::index(h, buckets_.size()); }

    Node* find_node(std::string_view key, std::uint64_t h) {
        if (size_ == 0) return nullptr;
        for (Node* n = buckets_[index(h)].get(); n; n = n->next.get()) {
            if (n->hash == h && n->key == key) return n;
        }
        return nullptr;
    }

    void resize(std::size_t bucket_count) {
        std::vector<std::unique_ptr<Node>> old = std::exchange(buckets_, std::vector<std::unique_ptr<Node>>(bucket_count));
        chains::rehash(old, buckets_, [](const Node& node) { return node.hash; });
    }

    void copy_from(const Dict& other) {
        seed_ = other.seed_;
        buckets_.resize(other.buckets_.size());
        for (std::size_t i = 0; i < other.buckets_.size(); ++i) {
            for (const Node* n = other.buckets_[i].get(); n; n = n->next.get()) {
                auto node = std::make_unique<Node>();
                node->hash = n->hash;
                node->key = n->key;
                node->value = n->value;
                node_bytes_ += node_bytes(*node);  // a copy's strings may be tighter than the original's
                node->next = std::move(buckets_[i]);
                buckets_[i] = std::move(node);
            }
        }
        size_ = other.size_;
    }

    std::vector<std::unique_ptr<Node>> buckets_;
    std::size_t size_ = 0;
    std::size_t node_bytes_ = 0;  // nodes and the heap buffers of their strings
    std::uint64_t seed_ = random_hash_seed();
};

}  // namespace tierkv::storage
