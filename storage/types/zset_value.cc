#include "storage/types/zset_value.h"

#include <new>
#include <utility>

#include "storage/memory.h"

namespace tierkv::storage {
namespace {

bool less(double score_a, std::string_view member_a, double score_b, std::string_view member_b) {
    return score_a < score_b || (score_a == score_b && member_a < member_b);
}

std::string encode_score(double score) {
    std::string bytes(sizeof score, '\0');
    std::memcpy(bytes.data(), &score, sizeof score);
    return bytes;
}

std::size_t node_alloc_bytes(int height) {
    return sizeof(ZSkiplist::Node) + static_cast<std::size_t>(height) * sizeof(ZSkiplist::Level);
}

}  // namespace

// ---- ZSkiplist -------------------------------------------------------------------

ZSkiplist::Node* ZSkiplist::make_node(int height, double score, std::string_view member) {
    void* memory = ::operator new(node_alloc_bytes(height));
    Node* node = new (memory) Node;
    node->member.assign(member);
    node->score = score;
    node->height = height;
    for (int i = 0; i < height; ++i) new (&node->levels()[i]) Level{};
    return node;
}

void ZSkiplist::free_node(Node* node) {
    node_bytes_ -= allocation_size(node_alloc_bytes(node->height)) + string_heap_bytes(node->member);
    node->~Node();
    ::operator delete(node);
}

int ZSkiplist::random_level() {
    thread_local std::minstd_rand rng{std::random_device{}()};
    int level = 1;
    while (level < kMaxLevel && (rng() & 3) == 0) ++level;  // p = 1/4, as Redis
    return level;
}

ZSkiplist::ZSkiplist() : header_(make_node(kMaxLevel, 0, {})) {
    node_bytes_ = allocation_size(node_alloc_bytes(kMaxLevel));
}

ZSkiplist::ZSkiplist(const ZSkiplist& other) : ZSkiplist() {
    for (const Node* n = other.header_ ? other.header_->next() : nullptr; n; n = n->next()) insert(n->score, n->member);
}

ZSkiplist& ZSkiplist::operator=(const ZSkiplist& other) {
    if (this != &other) {
        ZSkiplist copy(other);
        *this = std::move(copy);
    }
    return *this;
}

ZSkiplist::ZSkiplist(ZSkiplist&& other) noexcept
    : header_(std::exchange(other.header_, nullptr)),
      tail_(std::exchange(other.tail_, nullptr)),
      length_(std::exchange(other.length_, 0)),
      level_(std::exchange(other.level_, 1)),
      node_bytes_(std::exchange(other.node_bytes_, 0)) {}

ZSkiplist& ZSkiplist::operator=(ZSkiplist&& other) noexcept {
    std::swap(header_, other.header_);
    std::swap(tail_, other.tail_);
    std::swap(length_, other.length_);
    std::swap(level_, other.level_);
    std::swap(node_bytes_, other.node_bytes_);
    return *this;
}

ZSkiplist::~ZSkiplist() { clear(); }

void ZSkiplist::clear() {
    if (!header_) return;
    Node* n = header_->levels()[0].forward;
    while (n) {
        Node* next = n->levels()[0].forward;
        free_node(n);
        n = next;
    }
    free_node(header_);
    header_ = nullptr;
}

void ZSkiplist::insert(double score, std::string_view member) {
    Node* update[kMaxLevel];
    std::size_t rank[kMaxLevel];
    Node* x = header_;
    for (int i = level_ - 1; i >= 0; --i) {
        rank[i] = i == level_ - 1 ? 0 : rank[i + 1];
        while (x->levels()[i].forward &&
               less(x->levels()[i].forward->score, x->levels()[i].forward->member, score, member)) {
            rank[i] += x->levels()[i].span;
            x = x->levels()[i].forward;
        }
        update[i] = x;
    }
    const int height = random_level();
    if (height > level_) {
        for (int i = level_; i < height; ++i) {
            rank[i] = 0;
            update[i] = header_;
            header_->levels()[i].span = length_;
        }
        level_ = height;
    }
    x = make_node(height, score, member);
    node_bytes_ += allocation_size(node_alloc_bytes(height)) + string_heap_bytes(x->member);
    for (int i = 0; i < height; ++i) {
        Level& prev = update[i]->levels()[i];
        x->levels()[i].forward = prev.forward;
        prev.forward = x;
        x->levels()[i].span = prev.span - (rank[0] - rank[i]);
        prev.span = (rank[0] - rank[i]) + 1;
    }
    for (int i = height; i < level_; ++i) update[i]->levels()[i].span++;
    x->backward = update[0] == header_ ? nullptr : update[0];
    if (x->levels()[0].forward) {
        x->levels()[0].forward->backward = x;
    } else {
        tail_ = x;
    }
    ++length_;
}

bool ZSkiplist::erase(double score, std::string_view member) {
    Node* update[kMaxLevel];
    Node* x = header_;
    for (int i = level_ - 1; i >= 0; --i) {
        while (x->levels()[i].forward &&
               less(x->levels()[i].forward->score, x->levels()[i].forward->member, score, member)) {
            x = x->levels()[i].forward;
        }
        update[i] = x;
    }
    x = x->levels()[0].forward;
    if (!x || x->score != score || x->member != member) return false;
    for (int i = 0; i < level_; ++i) {
        Level& prev = update[i]->levels()[i];
        if (prev.forward == x) {
            prev.span += x->levels()[i].span - 1;
            prev.forward = x->levels()[i].forward;
        } else {
            prev.span -= 1;
        }
    }
    if (x->levels()[0].forward) {
        x->levels()[0].forward->backward = x->backward;
    } else {
        tail_ = x->backward;
    }
    while (level_ > 1 && !header_->levels()[level_ - 1].forward) --level_;
    --length_;
    free_node(x);
    return true;
}

std::size_t ZSkiplist::rank(double score, std::string_view member) const {
    return count_while([&](double s, std::string_view m) { return !less(score, member, s, m); });
}

const ZSkiplist::Node* ZSkiplist::at_rank(std::size_t rank) const {
    std::size_t traversed = 0;
    const Node* x = header_;
    for (int i = level_ - 1; i >= 0; --i) {
        while (x->levels()[i].forward && traversed + x->levels()[i].span <= rank) {
            traversed += x->levels()[i].span;
            x = x->levels()[i].forward;
        }
        if (traversed == rank) return x == header_ ? nullptr : x;
    }
    return nullptr;
}

// ---- ZSetValue --------------------------------------------------------------------

std::size_t ZSetValue::size() const {
    if (const Listpack* lp = std::get_if<Listpack>(&rep_)) return lp->size() / 2;
    return std::get<Skiplist>(rep_).list.size();
}

std::size_t ZSetValue::heap_bytes() const {
    if (const Listpack* lp = std::get_if<Listpack>(&rep_)) return lp->heap_bytes();
    const Skiplist& sk = std::get<Skiplist>(rep_);
    return sk.list.heap_bytes() + sk.dict.heap_bytes();
}

std::optional<double> ZSetValue::score(std::string_view member) const {
    if (const Listpack* lp = std::get_if<Listpack>(&rep_)) {
        const Listpack::Pos p = lp->find(member, lp->begin(), 2);
        if (p == lp->end()) return std::nullopt;
        return decode_score(lp->at(lp->next(p)));
    }
    const double* s = std::get<Skiplist>(rep_).dict.find(member);
    if (!s) return std::nullopt;
    return *s;
}

bool ZSetValue::set(std::string_view member, double score, const EncodingLimits& limits) {
    if (Listpack* lp = std::get_if<Listpack>(&rep_)) {
        if (member.size() <= limits.zset_max_listpack_value) {
            bool added = true;
            const Listpack::Pos found = lp->find(member, lp->begin(), 2);
            if (found != lp->end()) {
                if (decode_score(lp->at(lp->next(found))) == score) return false;
                lp->erase(found, lp->next(lp->next(found)), 2);
                added = false;
            }
            Listpack::Pos p = lp->begin();
            while (p < lp->end()) {
                const Listpack::Pos s = lp->next(p);
                if (less(score, member, decode_score(lp->at(s)), lp->at(p))) break;
                p = lp->next(s);
            }
            const Listpack::Pos at = lp->insert(p, member);
            lp->insert(lp->next(at), encode_score(score));
            if (lp->size() / 2 > limits.zset_max_listpack_entries) convert_to_skiplist();
            return added;
        }
        convert_to_skiplist();
    }
    Skiplist& sk = std::get<Skiplist>(rep_);
    if (const double* old = sk.dict.find(member)) {
        if (*old != score) {
            sk.list.erase(*old, member);
            sk.list.insert(score, member);
            sk.dict.update(member, [&](double& s) { s = score; });
        }
        return false;
    }
    sk.list.insert(score, member);
    sk.dict.insert(member, score);
    return true;
}

bool ZSetValue::erase(std::string_view member) {
    if (Listpack* lp = std::get_if<Listpack>(&rep_)) {
        const Listpack::Pos p = lp->find(member, lp->begin(), 2);
        if (p == lp->end()) return false;
        lp->erase(p, lp->next(lp->next(p)), 2);
        return true;
    }
    Skiplist& sk = std::get<Skiplist>(rep_);
    const double* s = sk.dict.find(member);
    if (!s) return false;
    sk.list.erase(*s, member);
    sk.dict.erase(member);
    return true;
}

std::optional<std::size_t> ZSetValue::rank(std::string_view member) const {
    if (const Listpack* lp = std::get_if<Listpack>(&rep_)) {
        std::size_t r = 0;
        for (Listpack::Pos p = lp->begin(); p < lp->end(); p = lp->next(lp->next(p)), ++r) {
            if (lp->at(p) == member) return r;
        }
        return std::nullopt;
    }
    const Skiplist& sk = std::get<Skiplist>(rep_);
    const double* s = sk.dict.find(member);
    if (!s) return std::nullopt;
    return sk.list.rank(*s, member) - 1;
}

ZSetValue::Element ZSetValue::random(std::mt19937_64& rng) const {
    if (const Listpack* lp = std::get_if<Listpack>(&rep_)) {
        const std::size_t i = std::uniform_int_distribution<std::size_t>(0, lp->size() / 2 - 1)(rng);
        const Listpack::Pos p = lp->seek(2 * i);
        return {lp->at(p), decode_score(lp->at(lp->next(p)))};
    }
    const auto [member, score] = std::get<Skiplist>(rep_).dict.random(rng);
    return {member, *score};
}

void ZSetValue::convert_to_skiplist() {
    Skiplist sk;
    sk.dict.reserve(size());
    for_each([&](std::string_view member, double score) {
        sk.list.insert(score, member);
        sk.dict.insert(member, score);
    });
    rep_ = std::move(sk);
}

}  // namespace tierkv::storage
