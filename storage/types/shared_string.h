// The bytes of a large string value, immutable and shared by reference
// count: a GET of a 4 MiB value hands the connection a reference instead of
// a copy, and the bytes stay alive until the socket has taken them, even
// when the key is overwritten or deleted meanwhile. A command that changes
// such a value in place (APPEND, SETRANGE) first turns it back into an
// ordinary string (Value::mutable_str), so no holder ever sees bytes change.
//
// The count is atomic: copies are made under the owning shard's lock, but
// released on whichever connection thread wrote them.
//
// The bytes live in the process's ValuePages (a memfd a reply can sendfile
// from), or, when it has no room, in a heap block.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

#include "storage/memory.h"
#include "storage/value_pages.h"

namespace tierkv::storage {

class SharedString {
public:
    // A copy of `bytes`.
    explicit SharedString(std::string_view bytes) : SharedString(bytes.size()) {
        if (!bytes.empty()) std::memcpy(block_->data, bytes.data(), bytes.size());
    }
    // `size` bytes, not initialised: fill them through data_to_fill() before
    // anyone else sees the string (a connection reads a value into it).
    static SharedString uninitialized(std::size_t size) { return SharedString(size); }

    SharedString(const SharedString& other) noexcept : block_(other.block_) {
        block_->refs.fetch_add(1, std::memory_order_relaxed);
    }
    SharedString(SharedString&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
    SharedString& operator=(SharedString other) noexcept {
        std::swap(block_, other.block_);
        return *this;
    }
    ~SharedString() {
        if (block_ && block_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete block_;
    }

    std::string_view view() const { return {block_->data, block_->size}; }
    std::size_t size() const { return block_->size; }
    char* data_to_fill() { return block_->data; }
    // A reply references these bytes and may hand their pages to a socket
    // (sendfile): once freed they must not be reused as they are (see
    // ValuePages). Every reply that references a SharedString marks it.
    void mark_sent() const { block_->sent.store(true, std::memory_order_relaxed); }
    // What the bytes cost: whole pages in ValuePages, else malloc's block.
    std::size_t bytes_held() const {
        return block_->in_pages ? ValuePages::pages_for(block_->size) : allocation_size(block_->size);
    }

    // The small heap block holding the count, apart from the bytes.
    static constexpr std::size_t block_size() { return sizeof(Block); }

private:
    struct Block {
        explicit Block(std::size_t n) : size(n) {
            ValuePages* pages = ValuePages::instance();
            data = pages && n > 0 ? pages->allocate(n) : nullptr;
            in_pages = data != nullptr;
            if (!in_pages) data = new char[n];
        }
        Block(const Block&) = delete;
        Block& operator=(const Block&) = delete;
        ~Block() {
            if (in_pages) {
                ValuePages::instance()->release(data, size, sent.load(std::memory_order_relaxed));
            } else {
                delete[] data;
            }
        }
        char* data;
        std::size_t size;
        std::atomic<std::uint32_t> refs{1};
        std::atomic<bool> sent{false};
        bool in_pages;
    };

    explicit SharedString(std::size_t size) : block_(new Block(size)) {}

    Block* block_;
};

}  // namespace tierkv::storage
