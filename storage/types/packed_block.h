// The heap block behind a listpack (Listpack, PairListpack): a byte count
// and an entry count of type Count, then the encoded entries. The object is
// one pointer, null while empty; copies are deep. The block grows to the
// allocator's size class rather than doubling (a small collection would
// hold up to twice the memory it uses), gives back capacity once most of
// it is unused, and is freed once it holds no entry.
//
// A table may move the block into one of its NodePool's slots (move_to),
// whose 8-byte steps fit a small block closer than malloc's classes (a
// 144-byte block takes 144 bytes there, 160 from jemalloc). Such a block
// is marked in its pointer's bit 1 and may only be freed or grown under the
// lock of the table whose pool holds it: growing it past its slot moves it
// back to malloc, and the table takes it out of the pool before the value
// leaves (Table::take_value).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>
#include <utility>

#include "storage/memory.h"
#include "storage/node_pool.h"

namespace tierkv::storage {

template <class Count>
class PackedBlock {
public:
    static constexpr std::size_t kMaxBytes = std::numeric_limits<Count>::max();

    PackedBlock() = default;
    PackedBlock(const PackedBlock& other) {
        if (!other.header()) return;
        reserve_exact(other.bytes());
        std::memcpy(data(), other.data(), other.bytes());
        *header() = *other.header();
    }
    PackedBlock(PackedBlock&& other) noexcept : word_(std::exchange(other.word_, 0)) {}
    PackedBlock& operator=(const PackedBlock& other) {
        if (this != &other) *this = PackedBlock(other);
        return *this;
    }
    PackedBlock& operator=(PackedBlock&& other) noexcept {
        if (this != &other) {
            clear();
            word_ = std::exchange(other.word_, 0);
        }
        return *this;
    }
    ~PackedBlock() { clear(); }

    std::size_t count() const { return header() ? header()->count : 0; }
    // Encoded bytes, and the heap block (or pool slot) holding them.
    std::size_t bytes() const { return header() ? header()->bytes : 0; }
    std::size_t heap_bytes() const {
        if (!header()) return 0;
        return pooled() ? NodePool::slot_size(header()) : block_size(header());
    }
    const char* data() const { return reinterpret_cast<const char*>(header() + 1); }
    char* data() { return reinterpret_cast<char*>(header() + 1); }

    // The block is a NodePool slot.
    bool pooled() const { return (word_ & kPooledTag) != 0; }
    // What a block holding these entries needs at least: 0 while empty.
    std::size_t footprint() const { return header() ? sizeof(Header) + bytes() : 0; }
    // The block's address, to find its pool slot's size (pooled() only).
    const void* address() const { return header(); }
    // Copies the block into `memory` (footprint() bytes at least, from
    // NodePool::allocate when `pooled`, else from malloc) and frees the old
    // one. The block must exist.
    void move_to(void* memory, bool pooled) noexcept {
        Header* old = header();
        std::memcpy(memory, old, footprint());
        free_block();
        word_ = reinterpret_cast<std::uintptr_t>(memory) | (pooled ? kPooledTag : 0);
    }

    // Room for `size` bytes of entries; past kMaxBytes throws
    // std::length_error and changes nothing.
    void reserve_exact(std::size_t size) {
        if (size <= capacity()) return;
        if (size > kMaxBytes) throw std::length_error("listpack too large");
        const std::size_t wanted = allocation_size(sizeof(Header) + size);
        if (pooled()) {
            // A slot cannot grow: the entries move to a malloc block.
            void* grown = std::malloc(wanted);
            if (!grown) throw std::bad_alloc();
            move_to(grown, false);
            return;
        }
        const bool fresh = header() == nullptr;
        void* grown = std::realloc(header(), wanted);
        if (!grown) throw std::bad_alloc();
        word_ = reinterpret_cast<std::uintptr_t>(grown);
        if (fresh) new (header()) Header{0, 0};
    }
    // Moves the bytes from `from` on to `to` (either way; the room must be
    // reserved), adjusting the byte count.
    void shift_tail(std::size_t from, std::size_t to) {
        const std::size_t tail = bytes() - from;
        if (tail > 0) std::memmove(data() + to, data() + from, tail);
        header()->bytes = static_cast<Count>(to + tail);
    }
    // The block must exist (room reserved) for these two.
    void set_bytes(std::size_t bytes) { header()->bytes = static_cast<Count>(bytes); }
    void set_count(std::size_t count) { header()->count = static_cast<Count>(count); }
    // Gives back capacity once most of it is unused, and the block once
    // it holds no entry. A pooled block keeps its slot: its table fits it
    // to a smaller one after the change.
    void maybe_shrink() {
        if (!header()) return;
        if (header()->count == 0) {
            clear();
            return;
        }
        constexpr std::size_t kSmall = 64;
        const std::size_t cap = capacity();
        if (!pooled() && cap > kSmall && bytes() < cap / 4) {
            void* smaller = std::realloc(header(), allocation_size(sizeof(Header) + bytes()));
            if (smaller) word_ = reinterpret_cast<std::uintptr_t>(smaller);  // else keep the larger block
        }
    }
    void clear() {
        if (header()) free_block();
        word_ = 0;
    }

private:
    struct Header {
        Count bytes;  // of the entries that follow
        Count count;  // entries
    };
    // Bit 0 stays clear: HashValue tags its hash table's address with it.
    static constexpr std::uintptr_t kPooledTag = 2;
    static_assert(alignof(std::max_align_t) > kPooledTag && NodePool::kStep > kPooledTag,
                  "blocks from malloc and from a pool leave the tag bit clear");

    Header* header() const { return reinterpret_cast<Header*>(word_ & ~kPooledTag); }
    std::size_t capacity() const { return header() ? heap_bytes() - sizeof(Header) : 0; }
    void free_block() noexcept {
        if (pooled()) {
            NodePool::deallocate(header());
        } else {
            std::free(header());
        }
    }

    std::uintptr_t word_ = 0;  // the block's address, kPooledTag set when it is a pool slot
};

}  // namespace tierkv::storage
