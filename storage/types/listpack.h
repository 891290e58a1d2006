// Strings packed one after another in one heap block, like Redis's listpack:
// the compact encoding of small hashes and sets and the chunks of a list.
// Each entry is its length (LEB128), its bytes, then its own size again
// written backwards, so the block can be walked from either end.
//
// Positions are byte offsets of entries; end() is one past the last entry.
// Inserting or erasing invalidates later positions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tierkv::storage {

class Listpack {
public:
    using Pos = std::size_t;

    std::size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    // Encoded bytes, and the heap block holding them.
    std::size_t bytes() const { return buf_.size(); }
    std::size_t heap_bytes() const;

    Pos begin() const { return 0; }
    Pos end() const { return buf_.size(); }
    Pos next(Pos pos) const;
    Pos prev(Pos pos) const;  // pos > begin()
    std::string_view at(Pos pos) const;
    // The position of the index-th entry (index < size()), walked from the
    // nearer end.
    Pos seek(std::size_t index) const;
    // The first entry equal to `value` at or after `from`, looking at every
    // `step`-th entry (2 visits the fields of field/value pairs); end() if none.
    Pos find(std::string_view value, Pos from = 0, std::size_t step = 1) const;

    // Inserts before `pos`; returns the new entry's position.
    Pos insert(Pos pos, std::string_view value);
    void push_back(std::string_view value) { insert(end(), value); }
    void push_front(std::string_view value) { insert(begin(), value); }
    // Returns the position of the entry that followed the erased one.
    Pos erase(Pos pos);
    // Erases the entries in [first, last), `count` of them.
    void erase(Pos first, Pos last, std::size_t count);
    void replace(Pos pos, std::string_view value);
    // Moves the entries from `pos` on into the returned listpack.
    Listpack split(Pos pos);
    void append(const Listpack& other);
    void clear();

    // What an entry of `value_size` bytes takes in the block.
    static std::size_t entry_bytes(std::size_t value_size);

private:
    // Gives back capacity once most of it is unused.
    void maybe_shrink();
    void reserve_exact(std::size_t size);

    std::string buf_;
    std::size_t count_ = 0;
};

}  // namespace tierkv::storage
