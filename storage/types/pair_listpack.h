// A small hash's fields and values, pair after pair in one heap block: the
// compact encoding Redis calls a listpack, made for pairs. A pair starts
// with one byte holding both lengths, four bits each, so a field and a value
// of up to 14 bytes each (most field names and small values) cost one byte
// beyond their own; a longer one's nibble is 15 and its length follows as a
// varint (field's first). Then come the field's bytes and the value's.
//
// Pairs are walked from the front only. Positions are byte offsets of
// pairs; end() is one past the last. Changing a pair invalidates the
// positions after it.
//
// The object is one pointer (null while empty) to a PackedBlock: the byte
// and pair counts, 2 bytes each, then the pairs, so a small hash costs its
// block and nothing beside it (10 fields and values of 6-7 bytes take 144
// bytes). Its user keeps it within kMaxBytes (a change past it throws
// std::length_error and changes nothing).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "storage/types/packed_block.h"

namespace tierkv::storage {

class PairListpack {
public:
    using Pos = std::size_t;
    using Block = PackedBlock<std::uint16_t>;
    static constexpr std::size_t kMaxBytes = Block::kMaxBytes;

    struct Pair {
        std::string_view field;
        std::string_view value;
    };

    // Pairs held.
    std::size_t size() const { return block_.count(); }
    bool empty() const { return size() == 0; }
    // Encoded bytes, and the heap block holding them.
    std::size_t bytes() const { return block_.bytes(); }
    std::size_t heap_bytes() const { return block_.heap_bytes(); }

    Pos begin() const { return 0; }
    Pos end() const { return bytes(); }
    Pos next(Pos pos) const;
    Pair at(Pos pos) const;
    // The pair with this field; end() if none.
    Pos find(std::string_view field) const;
    // The position of the index-th pair (index < size()).
    Pos seek(std::size_t index) const;

    void push_back(std::string_view field, std::string_view value);
    void set_value(Pos pos, std::string_view value);
    void erase(Pos pos);
    void clear() { block_.clear(); }

    // The block itself, for a table to move into its NodePool.
    Block& block() { return block_; }
    const Block& block() const { return block_; }

    // What a pair of these sizes takes in the block.
    static std::size_t pair_bytes(std::size_t field_size, std::size_t value_size);

private:
    // Where a pair's parts lie, from its position.
    struct Layout {
        std::size_t head;  // the lengths byte and any varints
        std::size_t field_size;
        std::size_t value_size;
        std::size_t total() const { return head + field_size + value_size; }
    };

    const char* data() const { return block_.data(); }
    char* data() { return block_.data(); }
    Layout layout(Pos pos) const;

    Block block_;
};

}  // namespace tierkv::storage
