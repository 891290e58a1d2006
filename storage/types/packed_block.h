// The heap block behind a listpack (Listpack, PairListpack): a byte count
// and an entry count of type Count, then the encoded entries. The object is
// one pointer, null while empty; copies are deep. The block grows to the
// allocator's size class rather than doubling (a small collection would
// hold up to twice the memory it uses), gives back capacity once most of
// it is unused, and is freed once it holds no entry.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>
#include <utility>

#include "storage/memory.h"

namespace tierkv::storage {

template <class Count>
class PackedBlock {
public:
    static constexpr std::size_t kMaxBytes = std::numeric_limits<Count>::max();

    PackedBlock() = default;
    PackedBlock(const PackedBlock& other) {
        if (!other.block_) return;
        reserve_exact(other.bytes());
        std::memcpy(data(), other.data(), other.bytes());
        *block_ = *other.block_;
    }
    PackedBlock(PackedBlock&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
    PackedBlock& operator=(const PackedBlock& other) {
        if (this != &other) *this = PackedBlock(other);
        return *this;
    }
    PackedBlock& operator=(PackedBlock&& other) noexcept {
        if (this != &other) {
            clear();
            block_ = std::exchange(other.block_, nullptr);
        }
        return *this;
    }
    ~PackedBlock() { clear(); }

    std::size_t count() const { return block_ ? block_->count : 0; }
    // Encoded bytes, and the heap block holding them.
    std::size_t bytes() const { return block_ ? block_->bytes : 0; }
    std::size_t heap_bytes() const { return block_ ? block_size(block_) : 0; }
    const char* data() const { return reinterpret_cast<const char*>(block_ + 1); }
    char* data() { return reinterpret_cast<char*>(block_ + 1); }

    // Room for `size` bytes of entries; past kMaxBytes throws
    // std::length_error and changes nothing.
    void reserve_exact(std::size_t size) {
        if (size <= capacity()) return;
        if (size > kMaxBytes) throw std::length_error("listpack too large");
        const bool fresh = block_ == nullptr;
        void* grown = std::realloc(block_, allocation_size(sizeof(Header) + size));
        if (!grown) throw std::bad_alloc();
        block_ = static_cast<Header*>(grown);
        if (fresh) new (block_) Header{0, 0};
    }
    // Moves the bytes from `from` on to `to` (either way; the room must be
    // reserved), adjusting the byte count.
    void shift_tail(std::size_t from, std::size_t to) {
        const std::size_t tail = bytes() - from;
        if (tail > 0) std::memmove(data() + to, data() + from, tail);
        block_->bytes = static_cast<Count>(to + tail);
    }
    // The block must exist (room reserved) for these two.
    void set_bytes(std::size_t bytes) { block_->bytes = static_cast<Count>(bytes); }
    void set_count(std::size_t count) { block_->count = static_cast<Count>(count); }
    // Gives back capacity once most of it is unused, and the block once
    // it holds no entry.
    void maybe_shrink() {
        if (!block_) return;
        if (block_->count == 0) {
            clear();
            return;
        }
        constexpr std::size_t kSmall = 64;
        const std::size_t cap = capacity();
        if (cap > kSmall && bytes() < cap / 4) {
            void* smaller = std::realloc(block_, allocation_size(sizeof(Header) + bytes()));
            if (smaller) block_ = static_cast<Header*>(smaller);  // else keep the larger block
        }
    }
    void clear() {
        std::free(block_);
        block_ = nullptr;
    }

private:
    struct Header {
        Count bytes;  // of the entries that follow
        Count count;  // entries
    };
    std::size_t capacity() const { return block_ ? block_size(block_) - sizeof(Header) : 0; }

    Header* block_ = nullptr;
};

}  // namespace tierkv::storage
