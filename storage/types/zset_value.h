// A Redis sorted set: members ordered by (score, member bytes). Small sets
// are a listpack of member/score pairs kept in that order (the score as its
// 8 raw bytes); one with more members than zset-max-listpack-entries, or a
// member longer than zset-max-listpack-value, becomes a skiplist with span
// counts (rank and ranges in O(log n), as Redis's zskiplist) plus a hash
// table member -> score, and stays one.
//
// Every query is by rank: count_while() finds where a score or lex range
// starts and ends, visit_ranks() walks the ranks in between.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <variant>

#include "storage/types/dict.h"
#include "storage/types/encoding_limits.h"
#include "storage/types/listpack.h"

namespace tierkv::storage {

// The ordered part of a large sorted set.
class ZSkiplist {
public:
    static constexpr int kMaxLevel = 32;

    struct Node;
    struct Level {
        Node* forward = nullptr;
        std::size_t span = 0;
    };
    struct Node {
        std::string member;
        double score = 0;
        Node* backward = nullptr;
        int height = 0;
        Level* levels() { return reinterpret_cast<Level*>(this + 1); }
        const Level* levels() const { return reinterpret_cast<const Level*>(this + 1); }
        const Node* next() const { return levels()[0].forward; }
    };

    ZSkiplist();
    ZSkiplist(const ZSkiplist& other);
    ZSkiplist& operator=(const ZSkiplist& other);
    ZSkiplist(ZSkiplist&& other) noexcept;
    ZSkiplist& operator=(ZSkiplist&& other) noexcept;
    ~ZSkiplist();

    std::size_t size() const { return length_; }
    std::size_t heap_bytes() const { return node_bytes_; }

    // The member must not be present.
    void insert(double score, std::string_view member);
    bool erase(double score, std::string_view member);
    // 1-based rank of an element that is present.
    std::size_t rank(double score, std::string_view member) const;
    // The element at 1-based `rank` (1..size()).
    const Node* at_rank(std::size_t rank) const;

    // How many leading elements satisfy before(score, member); `before`
    // must hold for a prefix of the order.
    template <class Pred>
    std::size_t count_while(Pred&& before) const {
        std::size_t n = 0;
        const Node* x = header_;
        for (int i = level_ - 1; i >= 0; --i) {
            while (x->levels()[i].forward && before(x->levels()[i].forward->score,
                                                    std::string_view(x->levels()[i].forward->member))) {
                n += x->levels()[i].span;
                x = x->levels()[i].forward;
            }
        }
        return n;
    }

private:
    static Node* make_node(int height, double score, std::string_view member);
    void free_node(Node* node);
    static int random_level();
    void clear();

    Node* header_;
    Node* tail_ = nullptr;
    std::size_t length_ = 0;
    int level_ = 1;
    std::size_t node_bytes_ = 0;  // every node (the header too) and its member's heap buffer
};

class ZSetValue {
public:
    enum class Encoding : std::uint8_t { kListpack, kSkiplist };

    struct Element {
        std::string_view member;
        double score = 0;
    };

    Encoding encoding() const { return std::holds_alternative<Listpack>(rep_) ? Encoding::kListpack : Encoding::kSkiplist; }
    std::size_t size() const;
    bool empty() const { return size() == 0; }
    std::size_t heap_bytes() const;

    std::optional<double> score(std::string_view member) const;
    bool contains(std::string_view member) const { return score(member).has_value(); }
    // Adds the member or moves it to `score`; true when it is new. The
    // score must not be NaN.
    bool set(std::string_view member, double score, const EncodingLimits& limits);
    // False when the member is absent.
    bool erase(std::string_view member);
    // 0-based rank in ascending order; nullopt when absent.
    std::optional<std::size_t> rank(std::string_view member) const;

    // How many leading elements (ascending) satisfy before(score, member);
    // `before` must hold for a prefix of the order.
    template <class Pred>
    std::size_t count_while(Pred&& before) const {
        if (const Listpack* lp = std::get_if<Listpack>(&rep_)) {
            std::size_t n = 0;
            for (Listpack::Pos p = lp->begin(); p < lp->end(); ++n) {
                const Listpack::Pos s = lp->next(p);
                if (!before(decode_score(lp->at(s)), lp->at(p))) break;
                p = lp->next(s);
            }
            return n;
        }
        return std::get<Skiplist>(rep_).list.count_while(before);
    }

    // Calls visit(member, score) for `count` elements from 0-based rank
    // `first`: ranks first, first+1, ... or, when `reverse`, first, first-1, ...
    template <class Visit>
    void visit_ranks(std::size_t first, std::size_t count, bool reverse, Visit&& visit) const {
        if (count == 0) return;
        if (const Listpack* lp = std::get_if<Listpack>(&rep_)) {
            Listpack::Pos p = lp->seek(2 * first);
            for (std::size_t i = 0; i < count; ++i) {
                const Listpack::Pos s = lp->next(p);
                visit(lp->at(p), decode_score(lp->at(s)));
                if (i + 1 == count) break;
                p = reverse ? lp->prev(lp->prev(p)) : lp->next(s);
            }
            return;
        }
        const ZSkiplist::Node* n = std::get<Skiplist>(rep_).list.at_rank(first + 1);
        for (std::size_t i = 0; i < count && n; ++i) {
            visit(std::string_view(n->member), n->score);
            n = reverse ? n->backward : n->next();
        }
    }

    // Every element, ascending.
    template <class Visit>
    void for_each(Visit&& visit) const {
        visit_ranks(0, size(), false, visit);
    }

    // One step of ZSCAN: visit(member, score) for some elements; returns the
    // next cursor (0 when done). A listpack is visited whole in one step.
    template <class Visit>
    std::uint64_t scan(std::uint64_t cursor, Visit&& visit) const {
        if (encoding() == Encoding::kListpack) {
            for_each(visit);
            return 0;
        }
        return std::get<Skiplist>(rep_).dict.scan(
            cursor, [&](std::string_view member, double score) { visit(member, score); });
    }

    // A uniformly chosen element (the set must not be empty).
    Element random(std::mt19937_64& rng) const;

    static double decode_score(std::string_view bytes) {
        double d;
        std::memcpy(&d, bytes.data(), sizeof d);
        return d;
    }

private:
    struct Skiplist {
        ZSkiplist list;
        Dict<double> dict;
    };
    void convert_to_skiplist();

    std::variant<Listpack, Skiplist> rep_;
};

}  // namespace tierkv::storage
