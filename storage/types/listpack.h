// Strings packed one after another in one heap block, like Redis's listpack:
// the compact encoding of small sets and sorted sets and the chunks of a
// list (a small hash's is PairListpack). Each entry is its length (LEB128),
// its bytes, and the entry's own size again, written backwards, so the
// block can be walked from either end.
//
// Positions are byte offsets of entries; end() is one past the last entry.
// Inserting or erasing invalidates later positions.
//
// The object is one pointer (null while empty) to a PackedBlock: the
// entries' byte and entry counts, then the entries, so a small set costs
// its block and nothing beside it.
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>

#include "storage/types/packed_block.h"

namespace tierkv::storage {

class Listpack {
public:
    using Pos = std::size_t;

    std::size_t size() const { return block_.count(); }
    bool empty() const { return size() == 0; }
    // Encoded bytes, and the heap block holding them.
    std::size_t bytes() const { return block_.bytes(); }
    std::size_t heap_bytes() const { return block_.heap_bytes(); }

    Pos begin() const { return 0; }
    Pos end() const { return bytes(); }
    Pos next(Pos pos) const;
    Pos prev(Pos pos) const;  // pos > begin()
    std::string_view at(Pos pos) const;
    // The position of the index-th entry (index < size()), walked from the
    // nearer end.
    Pos seek(std::size_t index) const;
    // The first entry equal to `value` at or after `from`, looking at every
    // `step`-th entry (2 visits the members of member/score pairs); end() if none.
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
    void clear() { block_.clear(); }

    // What an entry of `value_size` bytes takes in the block.
    static std::size_t entry_bytes(std::size_t value_size);

private:
    const char* data() const { return block_.data(); }
    char* data() { return block_.data(); }

    PackedBlock<std::size_t> block_;
};

}  // namespace tierkv::storage
