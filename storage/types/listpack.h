// Strings packed one after another in one heap block, like Redis's listpack:
// the compact encoding of small hashes and sets and the chunks of a list.
// Each entry is its length (LEB128) and its bytes. A Listpack follows them
// with the entry's own size again, written backwards, so the block can be
// walked from either end (lists, sets, sorted sets); a ForwardListpack
// leaves that out and is walked from the front only (hashes: a byte less
// per field and per value).
//
// Positions are byte offsets of entries; end() is one past the last entry.
// Inserting or erasing invalidates later positions.
//
// The object is one pointer (null while empty): the block starts with the
// entries' byte and entry counts, so a small hash or set costs its block
// and nothing beside it. The block grows to the allocator's size class.
// A ForwardListpack keeps its counts in 4 bytes each (a hash's block of 10
// short fields and values then fits 160 bytes, not 192); its user keeps it
// well below kMaxBytes (a bigger block throws std::length_error).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace tierkv::storage {

template <bool kBackLinks>
class BasicListpack {
public:
    using Pos = std::size_t;
    // Byte and entry counts: 4 bytes each without back links.
    using Count = std::conditional_t<kBackLinks, std::size_t, std::uint32_t>;
    static constexpr std::size_t kMaxBytes = std::numeric_limits<Count>::max();

    BasicListpack() = default;
    BasicListpack(const BasicListpack& other);
    BasicListpack(BasicListpack&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
    BasicListpack& operator=(const BasicListpack& other);
    BasicListpack& operator=(BasicListpack&& other) noexcept;
    ~BasicListpack() { clear(); }

    std::size_t size() const { return block_ ? block_->count : 0; }
    bool empty() const { return size() == 0; }
    // Encoded bytes, and the heap block holding them.
    std::size_t bytes() const { return block_ ? block_->bytes : 0; }
    std::size_t heap_bytes() const;

    Pos begin() const { return 0; }
    Pos end() const { return bytes(); }
    Pos next(Pos pos) const;
    Pos prev(Pos pos) const  // pos > begin()
        requires kBackLinks;
    std::string_view at(Pos pos) const;
    // The position of the index-th entry (index < size()), walked from the
    // nearer end (from the front without back links).
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
    BasicListpack split(Pos pos);
    void append(const BasicListpack& other);
    void clear();

    // What an entry of `value_size` bytes takes in the block.
    static std::size_t entry_bytes(std::size_t value_size);

private:
    struct Header {
        Count bytes;  // of the entries that follow
        Count count;  // entries (each takes a byte or more, so no more than bytes)
    };

    const char* data() const { return reinterpret_cast<const char*>(block_ + 1); }
    char* data() { return reinterpret_cast<char*>(block_ + 1); }
    std::size_t capacity() const;
    // Room for `size` bytes of entries, in a block of the allocator's size
    // class (a small collection would hold up to twice the memory it uses
    // if the block doubled).
    void reserve_exact(std::size_t size);
    // Moves the bytes from `from` on to `to` (either way), adjusting the size.
    void shift_tail(Pos from, Pos to);
    // Gives back capacity once most of it is unused, and the block once empty.
    void maybe_shrink();

    Header* block_ = nullptr;
};

using Listpack = BasicListpack<true>;
using ForwardListpack = BasicListpack<false>;

extern template class BasicListpack<true>;
extern template class BasicListpack<false>;

}  // namespace tierkv::storage
