// A Redis list, as Redis 7.0's quicklist: a sequence of listpack chunks,
// each filled up to list-max-listpack-size (entries when positive, 4 KB <<
// (-n - 1) of encoded bytes when negative). A small list is one chunk.
// Indexes are 0-based from the head and must be in range.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/types/encoding_limits.h"
#include "storage/types/listpack.h"

namespace tierkv::storage {

class ListValue {
public:
    ListValue() = default;
    ListValue(const ListValue& other);
    ListValue& operator=(const ListValue& other);
    ListValue(ListValue&&) noexcept = default;
    ListValue& operator=(ListValue&&) noexcept = default;
    ~ListValue() = default;

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    std::size_t heap_bytes() const;
    std::size_t chunk_count() const { return chunks_.size(); }

    void push_front(std::string_view value, const EncodingLimits& limits);
    void push_back(std::string_view value, const EncodingLimits& limits);
    // The list must not be empty.
    std::string pop_front();
    std::string pop_back();

    std::string_view at(std::size_t index) const;
    void set(std::size_t index, std::string_view value);
    // Inserts next to the first element equal to `pivot`; false when there is none.
    bool insert(std::string_view pivot, std::string_view value, bool after, const EncodingLimits& limits);
    // LREM: removes up to `limit` elements equal to `value` (0 = all), from
    // the tail when `from_tail`. Returns how many it removed.
    std::size_t remove(std::string_view value, std::size_t limit, bool from_tail);
    // Keeps the elements in [start, stop), drops the rest.
    void trim(std::size_t start, std::size_t stop);

    // Calls visit(element) from index `start` towards the tail while it returns true.
    template <class Visit>
    void for_each_from(std::size_t start, Visit&& visit) const {
        if (start >= size_) return;
        auto [chunk, offset] = locate(start);
        Listpack::Pos pos = chunks_[chunk].seek(offset);
        for (; chunk < chunks_.size(); ++chunk, pos = 0) {
            const Listpack& lp = chunks_[chunk];
            for (; pos < lp.end(); pos = lp.next(pos)) {
                if (!visit(lp.at(pos))) return;
            }
        }
    }

    // Calls visit(element) from the tail towards the head while it returns true.
    template <class Visit>
    void for_each_reverse(Visit&& visit) const {
        for (std::size_t chunk = chunks_.size(); chunk-- > 0;) {
            const Listpack& lp = chunks_[chunk];
            for (Listpack::Pos pos = lp.end(); pos > lp.begin();) {
                pos = lp.prev(pos);
                if (!visit(lp.at(pos))) return;
            }
        }
    }

private:
    struct Location {
        std::size_t chunk;
        std::size_t offset;  // index within the chunk
    };
    Location locate(std::size_t index) const;
    // Whether `value` may join `chunk` under the fill limit.
    static bool fits(const Listpack& chunk, std::string_view value, int fill);
    // Runs `change` on chunk `i`, keeping chunk_bytes_ right.
    template <class Change>
    auto edit_chunk(std::size_t i, Change change);
    void insert_chunk(std::size_t i, std::string_view value);
    void drop_chunk_if_empty(std::size_t i);
    void insert_at(std::size_t chunk, Listpack::Pos pos, std::string_view value, const EncodingLimits& limits);
    void erase_front(std::size_t n);
    void erase_back(std::size_t n);
    void recount_chunk_bytes();

    std::vector<Listpack> chunks_;
    std::size_t size_ = 0;
    std::size_t chunk_bytes_ = 0;  // heap blocks of the chunks
};

}  // namespace tierkv::storage
