// What a chained hash table does that does not depend on what its nodes
// hold, shared by Table (the keyspace) and Dict (a collection's elements).
// Both keep a power-of-two vector of owning links (`Link`: a unique_ptr to a
// node whose `next` is the same kind of link), two rules for its size, and
// walk it the same ways: a SCAN step, a random node, a rehash.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "storage/scan_cursor.h"

namespace tierkv::storage::chains {

constexpr std::size_t kMinBuckets = 4;

// The bucket of `hash` among `count` (a power of two).
inline std::size_t index(std::uint64_t hash, std::size_t count) { return hash & (count - 1); }

// The bucket count to shrink to, or 0 to keep `count`: a table under 1/8
// full shrinks, like Redis's, so random sampling and SCAN do not walk
// mostly empty buckets.
inline std::size_t shrunk_count(std::size_t size, std::size_t count) {
    if (count <= kMinBuckets || size * 8 >= count) return 0;
    return std::max(kMinBuckets, std::bit_ceil(std::max<std::size_t>(size, 1)));
}

// Calls visit(node) for every node.
template <class Link, class Visit>
void for_each(const std::vector<Link>& buckets, Visit&& visit) {
    for (const Link& head : buckets) {
        for (auto* n = head.get(); n; n = n->next.get()) visit(*n);
    }
}

// One SCAN step: visit(node) for the nodes of the bucket `cursor` names.
// Returns the next cursor, 0 when the walk is over (see scan_cursor.h).
template <class Link, class Visit>
std::uint64_t scan(const std::vector<Link>& buckets, std::uint64_t cursor, Visit&& visit) {
    if (buckets.empty()) return 0;
    const std::uint64_t mask = buckets.size() - 1;
    for (auto* n = buckets[cursor & mask].get(); n; n = n->next.get()) visit(*n);
    return next_scan_cursor(cursor, mask);
}

// A random node: a random non-empty bucket, then a random place in its
// chain (so a node sharing its bucket is less likely than one alone in
// its). There must be a node.
template <class Link>
auto* random_node(const std::vector<Link>& buckets, std::mt19937_64& rng) {
    std::uniform_int_distribution<std::size_t> pick_bucket(0, buckets.size() - 1);
    auto* head = buckets[pick_bucket(rng)].get();
    while (!head) head = buckets[pick_bucket(rng)].get();
    std::size_t chain = 0;
    for (auto* n = head; n; n = n->next.get()) ++chain;
    std::size_t skip = std::uniform_int_distribution<std::size_t>(0, chain - 1)(rng);
    auto* n = head;
    while (skip--) n = n->next.get();
    return n;
}

// Moves every node from `from` into `to` (sized already), each to the
// bucket of hash_of(node), which is called once per node before it is
// linked again.
template <class Link, class HashOf>
void rehash(std::vector<Link>& from, std::vector<Link>& to, HashOf&& hash_of) {
    for (Link& head : from) {
        while (head) {
            Link node = std::move(head);
            head = std::move(node->next);
            Link& dest = to[index(hash_of(*node), to.size())];
            node->next = std::move(dest);
            dest = std::move(node);
        }
    }
}

}  // namespace tierkv::storage::chains
