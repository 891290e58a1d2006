#include "storage/types/listpack.h"

#include <cassert>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>

#include "storage/memory.h"

namespace tierkv::storage {
namespace {

std::size_t varint_size(std::size_t n) {
    std::size_t size = 1;
    while (n >= 0x80) {
        n >>= 7;
        ++size;
    }
    return size;
}

// LEB128: low 7 bits first, the high bit says another byte follows.
char* write_forward(char* out, std::size_t n) {
    while (n >= 0x80) {
        *out++ = static_cast<char>((n & 0x7f) | 0x80);
        n >>= 7;
    }
    *out++ = static_cast<char>(n);
    return out;
}

// The mirror image, read from its last byte backwards: that byte holds the
// low 7 bits, and its high bit says another byte precedes it.
char* write_backward(char* out, std::size_t n) {
    const std::size_t size = varint_size(n);
    for (std::size_t i = 0; i < size; ++i) {
        const auto bits = static_cast<unsigned char>((n >> (7 * i)) & 0x7f);
        out[size - 1 - i] = static_cast<char>(i + 1 < size ? bits | 0x80 : bits);
    }
    return out + size;
}

struct LengthField {
    std::size_t length;  // of the value
    std::size_t size;    // of the header itself
};

LengthField read_forward(const char* in) {
    LengthField h{0, 0};
    unsigned shift = 0;
    for (;;) {
        const auto byte = static_cast<unsigned char>(in[h.size++]);
        h.length |= static_cast<std::size_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) return h;
        shift += 7;
    }
}

// Reads the backward varint that ends just before `end`.
LengthField read_backward(const char* end) {
    LengthField h{0, 0};
    unsigned shift = 0;
    for (;;) {
        const auto byte = static_cast<unsigned char>(*(end - 1 - h.size++));
        h.length |= static_cast<std::size_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) return h;
        shift += 7;
    }
}

// Writes the whole entry for `value` at `out` (entry_bytes(value.size()) bytes).
template <bool kBackLinks>
void encode(char* out, std::string_view value) {
    char* p = write_forward(out, value.size());
    if (!value.empty()) std::memcpy(p, value.data(), value.size());
    p += value.size();
    if constexpr (kBackLinks) write_backward(p, static_cast<std::size_t>(p - out));
}

}  // namespace

template <bool kBackLinks>
std::size_t BasicListpack<kBackLinks>::entry_bytes(std::size_t value_size) {
    const std::size_t body = varint_size(value_size) + value_size;
    return kBackLinks ? body + varint_size(body) : body;
}

template <bool kBackLinks>
BasicListpack<kBackLinks>::BasicListpack(const BasicListpack& other) {
    if (other.empty()) return;
    reserve_exact(other.bytes());
    std::memcpy(data(), other.data(), other.bytes());
    block_->bytes = static_cast<Count>(other.bytes());
    block_->count = static_cast<Count>(other.size());
}

template <bool kBackLinks>
BasicListpack<kBackLinks>& BasicListpack<kBackLinks>::operator=(const BasicListpack& other) {
    if (this != &other) *this = BasicListpack(other);
    return *this;
}

template <bool kBackLinks>
BasicListpack<kBackLinks>& BasicListpack<kBackLinks>::operator=(BasicListpack&& other) noexcept {
    if (this != &other) {
        clear();
        block_ = std::exchange(other.block_, nullptr);
    }
    return *this;
}

template <bool kBackLinks>
std::size_t BasicListpack<kBackLinks>::heap_bytes() const { return block_ ? block_size(block_) : 0; }

template <bool kBackLinks>
std::size_t BasicListpack<kBackLinks>::capacity() const { return block_ ? block_size(block_) - sizeof(Header) : 0; }

template <bool kBackLinks>
void BasicListpack<kBackLinks>::reserve_exact(std::size_t size) {
    if (size <= capacity()) return;
    if (size > kMaxBytes) throw std::length_error("listpack too large");
    const bool fresh = block_ == nullptr;
    void* grown = std::realloc(block_, allocation_size(sizeof(Header) + size));
    if (!grown) throw std::bad_alloc();
    block_ = static_cast<Header*>(grown);
    if (fresh) new (block_) Header{0, 0};
}

template <bool kBackLinks>
void BasicListpack<kBackLinks>::shift_tail(Pos from, Pos to) {
    const std::size_t tail = bytes() - from;
    if (tail > 0) std::memmove(data() + to, data() + from, tail);
    block_->bytes = static_cast<Count>(to + tail);
}

template <bool kBackLinks>
void BasicListpack<kBackLinks>::maybe_shrink() {
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

template <bool kBackLinks>
typename BasicListpack<kBackLinks>::Pos BasicListpack<kBackLinks>::next(Pos pos) const {
    const LengthField h = read_forward(data() + pos);
    const std::size_t body = h.size + h.length;
    return pos + (kBackLinks ? body + varint_size(body) : body);
}

template <bool kBackLinks>
typename BasicListpack<kBackLinks>::Pos BasicListpack<kBackLinks>::prev(Pos pos) const
    requires kBackLinks
{
    assert(pos > 0);
    const LengthField back = read_backward(data() + pos);
    return pos - back.size - back.length;
}

template <bool kBackLinks>
std::string_view BasicListpack<kBackLinks>::at(Pos pos) const {
    const LengthField h = read_forward(data() + pos);
    return std::string_view(data() + pos + h.size, h.length);
}

template <bool kBackLinks>
typename BasicListpack<kBackLinks>::Pos BasicListpack<kBackLinks>::seek(std::size_t index) const {
    const std::size_t count = size();
    assert(index < count);
    if (!kBackLinks || index <= count / 2) {
        Pos pos = begin();
        while (index-- > 0) pos = next(pos);
        return pos;
    }
    if constexpr (kBackLinks) {
        Pos pos = end();
        for (std::size_t steps = count - index; steps > 0; --steps) pos = prev(pos);
        return pos;
    }
    return end();  // not reached: a forward-only listpack walks from the front
}

template <bool kBackLinks>
typename BasicListpack<kBackLinks>::Pos BasicListpack<kBackLinks>::find(std::string_view value, Pos from, std::size_t step) const {
    for (Pos pos = from; pos < end();) {
        if (at(pos) == value) return pos;
        for (std::size_t i = 0; i < step && pos < end(); ++i) pos = next(pos);
    }
    return end();
}

template <bool kBackLinks>
typename BasicListpack<kBackLinks>::Pos BasicListpack<kBackLinks>::insert(Pos pos, std::string_view value) {
    const std::size_t size = entry_bytes(value.size());
    reserve_exact(bytes() + size);
    shift_tail(pos, pos + size);
    encode<kBackLinks>(data() + pos, value);
    ++block_->count;
    return pos;
}

template <bool kBackLinks>
typename BasicListpack<kBackLinks>::Pos BasicListpack<kBackLinks>::erase(Pos pos) {
    shift_tail(next(pos), pos);
    --block_->count;
    maybe_shrink();
    return pos;
}

template <bool kBackLinks>
void BasicListpack<kBackLinks>::erase(Pos first, Pos last, std::size_t count) {
    if (count == 0) return;
    shift_tail(last, first);
    block_->count -= static_cast<Count>(count);
    maybe_shrink();
}

template <bool kBackLinks>
void BasicListpack<kBackLinks>::replace(Pos pos, std::string_view value) {
    const std::size_t size = entry_bytes(value.size());
    const Pos old_end = next(pos);
    if (pos + size > old_end) reserve_exact(bytes() + (pos + size - old_end));
    shift_tail(old_end, pos + size);
    encode<kBackLinks>(data() + pos, value);
    maybe_shrink();
}

template <bool kBackLinks>
BasicListpack<kBackLinks> BasicListpack<kBackLinks>::split(Pos pos) {
    BasicListpack tail;
    if (pos >= end()) return tail;
    const std::size_t tail_bytes = end() - pos;
    tail.reserve_exact(tail_bytes);
    std::memcpy(tail.data(), data() + pos, tail_bytes);
    tail.block_->bytes = static_cast<Count>(tail_bytes);
    for (Pos p = tail.begin(); p < tail.end(); p = tail.next(p)) ++tail.block_->count;
    block_->bytes = static_cast<Count>(pos);
    block_->count -= tail.block_->count;
    maybe_shrink();
    return tail;
}

template <bool kBackLinks>
void BasicListpack<kBackLinks>::append(const BasicListpack& other) {
    if (other.empty()) return;
    reserve_exact(bytes() + other.bytes());
    std::memcpy(data() + bytes(), other.data(), other.bytes());
    block_->bytes += static_cast<Count>(other.bytes());
    block_->count += static_cast<Count>(other.size());
}

template <bool kBackLinks>
void BasicListpack<kBackLinks>::clear() {
    std::free(block_);
    block_ = nullptr;
}

template class BasicListpack<true>;
template class BasicListpack<false>;

}  // namespace tierkv::storage
