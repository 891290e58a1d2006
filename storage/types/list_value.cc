#include "storage/types/list_value.h"

#include <algorithm>
#include <cassert>

#include "storage/memory.h"

namespace tierkv::storage {
namespace {

// Redis's cap on a chunk filled by entry count (SIZE_SAFETY_LIMIT).
constexpr std::size_t kCountFillMaxBytes = 8192;

std::size_t chunk_byte_limit(int fill) {
    if (fill >= 0) return kCountFillMaxBytes;
    const int level = std::min(-fill, 5);  // Redis clamps below -5
    return std::size_t{4096} << (level - 1);
}

}  // namespace

ListValue::ListValue(const ListValue& other) : chunks_(other.chunks_), size_(other.size_) { recount_chunk_bytes(); }

ListValue& ListValue::operator=(const ListValue& other) {
    if (this != &other) {
        chunks_ = other.chunks_;
        size_ = other.size_;
        recount_chunk_bytes();
    }
    return *this;
}

void ListValue::recount_chunk_bytes() {
    chunk_bytes_ = 0;
    for (const Listpack& lp : chunks_) chunk_bytes_ += lp.heap_bytes();
}

std::size_t ListValue::heap_bytes() const {
    return chunk_bytes_ + allocation_size(chunks_.capacity() * sizeof(Listpack));
}

template <class Change>
auto ListValue::edit_chunk(std::size_t i, Change change) {
    Listpack& lp = chunks_[i];
    chunk_bytes_ -= lp.heap_bytes();
    struct Recount {
        ListValue& list;
        Listpack& lp;
        ~Recount() { list.chunk_bytes_ += lp.heap_bytes(); }
    } recount{*this, lp};
    return change(lp);
}

bool ListValue::fits(const Listpack& chunk, std::string_view value, int fill) {
    if (chunk.empty()) return true;
    if (fill >= 0 && chunk.size() + 1 > static_cast<std::size_t>(fill)) return false;
    return chunk.bytes() + Listpack::entry_bytes(value.size()) <= chunk_byte_limit(fill);
}

void ListValue::insert_chunk(std::size_t i, std::string_view value) {
    chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(i), Listpack());
    edit_chunk(i, [&](Listpack& lp) { lp.push_back(value); });
}

void ListValue::drop_chunk_if_empty(std::size_t i) {
    if (!chunks_[i].empty()) return;
    chunk_bytes_ -= chunks_[i].heap_bytes();
    chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(i));
    if (chunks_.capacity() > 16 && chunks_.size() < chunks_.capacity() / 4) chunks_.shrink_to_fit();
}

void ListValue::push_front(std::string_view value, const EncodingLimits& limits) {
    if (chunks_.empty() || !fits(chunks_.front(), value, limits.list_max_listpack_size)) {
        insert_chunk(0, value);
    } else {
        edit_chunk(0, [&](Listpack& lp) { lp.push_front(value); });
    }
    ++size_;
}

void ListValue::push_back(std::string_view value, const EncodingLimits& limits) {
    if (chunks_.empty() || !fits(chunks_.back(), value, limits.list_max_listpack_size)) {
        insert_chunk(chunks_.size(), value);
    } else {
        edit_chunk(chunks_.size() - 1, [&](Listpack& lp) { lp.push_back(value); });
    }
    ++size_;
}

std::string ListValue::pop_front() {
    assert(size_ > 0);
    std::string value = edit_chunk(0, [](Listpack& lp) {
        std::string v(lp.at(lp.begin()));
        lp.erase(lp.begin());
        return v;
    });
    drop_chunk_if_empty(0);
    --size_;
    return value;
}

std::string ListValue::pop_back() {
    assert(size_ > 0);
    const std::size_t last = chunks_.size() - 1;
    std::string value = edit_chunk(last, [](Listpack& lp) {
        const Listpack::Pos pos = lp.prev(lp.end());
        std::string v(lp.at(pos));
        lp.erase(pos);
        return v;
    });
    drop_chunk_if_empty(last);
    --size_;
    return value;
}

ListValue::Location ListValue::locate(std::size_t index) const {
    assert(index < size_);
    if (index < size_ / 2) {
        std::size_t chunk = 0;
        while (index >= chunks_[chunk].size()) index -= chunks_[chunk++].size();
        return {chunk, index};
    }
    std::size_t from_tail = size_ - 1 - index;  // 0 = the last element
    std::size_t chunk = chunks_.size() - 1;
    while (from_tail >= chunks_[chunk].size()) from_tail -= chunks_[chunk--].size();
    return {chunk, chunks_[chunk].size() - 1 - from_tail};
}

std::string_view ListValue::at(std::size_t index) const {
    const Location loc = locate(index);
    const Listpack& lp = chunks_[loc.chunk];
    return lp.at(lp.seek(loc.offset));
}

void ListValue::set(std::size_t index, std::string_view value) {
    const Location loc = locate(index);
    edit_chunk(loc.chunk, [&](Listpack& lp) { lp.replace(lp.seek(loc.offset), value); });
}

bool ListValue::insert(std::string_view pivot, std::string_view value, bool after, const EncodingLimits& limits) {
    for (std::size_t chunk = 0; chunk < chunks_.size(); ++chunk) {
        const Listpack& lp = chunks_[chunk];
        const Listpack::Pos pos = lp.find(pivot);
        if (pos == lp.end()) continue;
        insert_at(chunk, after ? lp.next(pos) : pos, value, limits);
        return true;
    }
    return false;
}

// Inserts before `pos` of chunk `chunk`: into that chunk while it has room,
// else into a neighbour at a chunk boundary, else by splitting the chunk.
void ListValue::insert_at(std::size_t chunk, Listpack::Pos pos, std::string_view value, const EncodingLimits& limits) {
    const int fill = limits.list_max_listpack_size;
    ++size_;
    Listpack& lp = chunks_[chunk];
    if (fits(lp, value, fill)) {
        edit_chunk(chunk, [&](Listpack& c) { c.insert(pos, value); });
        return;
    }
    if (pos == lp.end()) {
        if (chunk + 1 < chunks_.size() && fits(chunks_[chunk + 1], value, fill)) {
            edit_chunk(chunk + 1, [&](Listpack& c) { c.push_front(value); });
        } else {
            insert_chunk(chunk + 1, value);
        }
        return;
    }
    if (pos == lp.begin()) {
        if (chunk > 0 && fits(chunks_[chunk - 1], value, fill)) {
            edit_chunk(chunk - 1, [&](Listpack& c) { c.push_back(value); });
        } else {
            insert_chunk(chunk, value);
        }
        return;
    }
    Listpack tail = edit_chunk(chunk, [&](Listpack& c) { return c.split(pos); });
    chunk_bytes_ += tail.heap_bytes();
    chunks_.insert(chunks_.begin() + static_cast<std::ptrdiff_t>(chunk + 1), std::move(tail));
    if (fits(chunks_[chunk], value, fill)) {
        edit_chunk(chunk, [&](Listpack& c) { c.push_back(value); });
    } else if (fits(chunks_[chunk + 1], value, fill)) {
        edit_chunk(chunk + 1, [&](Listpack& c) { c.push_front(value); });
    } else {
        insert_chunk(chunk + 1, value);
    }
}

std::size_t ListValue::remove(std::string_view value, std::size_t limit, bool from_tail) {
    std::size_t removed = 0;
    const auto more = [&] { return limit == 0 || removed < limit; };
    if (!from_tail) {
        for (std::size_t chunk = 0; chunk < chunks_.size() && more(); ++chunk) {
            edit_chunk(chunk, [&](Listpack& lp) {
                for (Listpack::Pos pos = lp.begin(); pos < lp.end() && more();) {
                    if (lp.at(pos) == value) {
                        pos = lp.erase(pos);
                        ++removed;
                    } else {
                        pos = lp.next(pos);
                    }
                }
            });
        }
    } else {
        for (std::size_t chunk = chunks_.size(); chunk-- > 0 && more();) {
            edit_chunk(chunk, [&](Listpack& lp) {
                for (Listpack::Pos pos = lp.end(); pos > lp.begin() && more();) {
                    pos = lp.prev(pos);
                    if (lp.at(pos) == value) {
                        lp.erase(pos);
                        ++removed;
                    }
                }
            });
        }
    }
    for (std::size_t chunk = chunks_.size(); chunk-- > 0;) drop_chunk_if_empty(chunk);
    size_ -= removed;
    return removed;
}

void ListValue::erase_front(std::size_t n) {
    std::size_t whole = 0;  // chunks dropped entirely
    while (whole < chunks_.size() && chunks_[whole].size() <= n) {
        n -= chunks_[whole].size();
        size_ -= chunks_[whole].size();
        chunk_bytes_ -= chunks_[whole].heap_bytes();
        ++whole;
    }
    chunks_.erase(chunks_.begin(), chunks_.begin() + static_cast<std::ptrdiff_t>(whole));
    if (n > 0) {
        edit_chunk(0, [&](Listpack& lp) { lp.erase(lp.begin(), lp.seek(n), n); });
        size_ -= n;
    }
}

void ListValue::erase_back(std::size_t n) {
    while (!chunks_.empty() && chunks_.back().size() <= n) {
        n -= chunks_.back().size();
        size_ -= chunks_.back().size();
        chunk_bytes_ -= chunks_.back().heap_bytes();
        chunks_.pop_back();
    }
    if (n > 0) {
        edit_chunk(chunks_.size() - 1, [&](Listpack& lp) { lp.erase(lp.seek(lp.size() - n), lp.end(), n); });
        size_ -= n;
    }
}

void ListValue::trim(std::size_t start, std::size_t stop) {
    stop = std::min(stop, size_);
    if (start >= stop) {
        erase_back(size_);
    } else {
        erase_back(size_ - stop);
        erase_front(start);
    }
    if (chunks_.capacity() > 16 && chunks_.size() < chunks_.capacity() / 4) chunks_.shrink_to_fit();
}

}  // namespace tierkv::storage
