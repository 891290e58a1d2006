// Strings packed one after another in one heap block, like Redis's listpack:
// the compact encoding of small hashes and sets and the chunks of a list.
// Each entry is its length (LEB128), its bytes, then its own size again
// written backwards, so the block can be walked from either end.
//
// Positions are byte offsets of entries; end() is one past the last entry.
// Inserting or erasing invalidates later positions.
//
// The object is one pointer (null while empty): the block starts with the
// entries' byte and entry counts, so a small hash or set costs its block
// and nothing beside it. The block grows to the allocator's size class.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace tierkv::storage {

class Listpack {
public:
    using Pos = std::size_t;

    Listpack() = default;
    Listpack(const Listpack& other);
    Listpack(Listpack&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
    Listpack& operator=(const Listpack& other);
    Listpack& operator=(Listpack&& other) noexcept;
    ~Listpack() { clear(); }

    std::size_t size() const { return block_ ? block_->count : 0; }
    bool empty() const { return size() == 0; }
    // Encoded bytes, and the heap block holding them.
    std::size_t bytes() const { return block_ ? block_->bytes : 0; }
    std::size_t heap_bytes() const;

    Pos begin() const { return 0; }
    Pos end() const { return bytes(); }
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
    struct Header {
        std::size_t bytes;  // of the entries that follow
        std::size_t count;  // entries
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

}  // namespace tierkv::storage
