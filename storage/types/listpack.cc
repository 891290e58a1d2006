#include "storage/types/listpack.h"

#include <cassert>
#include <cstdint>
#include <cstring>

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

struct Header {
    std::size_t length;  // of the value
    std::size_t size;    // of the header itself
};

Header read_forward(const char* in) {
    Header h{0, 0};
    unsigned shift = 0;
    for (;;) {
        const auto byte = static_cast<unsigned char>(in[h.size++]);
        h.length |= static_cast<std::size_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) return h;
        shift += 7;
    }
}

// Reads the backward varint that ends just before `end`.
Header read_backward(const char* end) {
    Header h{0, 0};
    unsigned shift = 0;
    for (;;) {
        const auto byte = static_cast<unsigned char>(*(end - 1 - h.size++));
        h.length |= static_cast<std::size_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) return h;
        shift += 7;
    }
}

// Writes the whole entry for `value` at `out` (entry_bytes(value.size()) bytes).
void encode(char* out, std::string_view value) {
    char* p = write_forward(out, value.size());
    if (!value.empty()) std::memcpy(p, value.data(), value.size());
    p += value.size();
    write_backward(p, static_cast<std::size_t>(p - out));
}

}  // namespace

std::size_t Listpack::entry_bytes(std::size_t value_size) {
    const std::size_t body = varint_size(value_size) + value_size;
    return body + varint_size(body);
}

std::size_t Listpack::heap_bytes() const { return string_heap_bytes(buf_); }

Listpack::Pos Listpack::next(Pos pos) const {
    const Header h = read_forward(buf_.data() + pos);
    const std::size_t body = h.size + h.length;
    return pos + body + varint_size(body);
}

Listpack::Pos Listpack::prev(Pos pos) const {
    assert(pos > 0);
    const Header back = read_backward(buf_.data() + pos);
    return pos - back.size - back.length;
}

std::string_view Listpack::at(Pos pos) const {
    const Header h = read_forward(buf_.data() + pos);
    return std::string_view(buf_.data() + pos + h.size, h.length);
}

Listpack::Pos Listpack::seek(std::size_t index) const {
    assert(index < count_);
    if (index <= count_ / 2) {
        Pos pos = begin();
        while (index-- > 0) pos = next(pos);
        return pos;
    }
    Pos pos = end();
    for (std::size_t steps = count_ - index; steps > 0; --steps) pos = prev(pos);
    return pos;
}

Listpack::Pos Listpack::find(std::string_view value, Pos from, std::size_t step) const {
    for (Pos pos = from; pos < end();) {
        if (at(pos) == value) return pos;
        for (std::size_t i = 0; i < step && pos < end(); ++i) pos = next(pos);
    }
    return end();
}

Listpack::Pos Listpack::insert(Pos pos, std::string_view value) {
    const std::size_t size = entry_bytes(value.size());
    reserve_exact(buf_.size() + size);
    buf_.insert(pos, size, '\0');
    encode(buf_.data() + pos, value);
    ++count_;
    return pos;
}

Listpack::Pos Listpack::erase(Pos pos) {
    buf_.erase(pos, next(pos) - pos);
    --count_;
    maybe_shrink();
    return pos;
}

void Listpack::erase(Pos first, Pos last, std::size_t count) {
    buf_.erase(first, last - first);
    count_ -= count;
    maybe_shrink();
}

void Listpack::replace(Pos pos, std::string_view value) {
    const std::size_t size = entry_bytes(value.size());
    const std::size_t old_size = next(pos) - pos;
    if (size > old_size) reserve_exact(buf_.size() + size - old_size);
    buf_.replace(pos, old_size, size, '\0');
    encode(buf_.data() + pos, value);
    maybe_shrink();
}

Listpack Listpack::split(Pos pos) {
    Listpack tail;
    tail.buf_.assign(buf_, pos, std::string::npos);
    for (Pos p = tail.begin(); p < tail.end(); p = tail.next(p)) ++tail.count_;
    buf_.resize(pos);
    count_ -= tail.count_;
    maybe_shrink();
    return tail;
}

void Listpack::append(const Listpack& other) {
    reserve_exact(buf_.size() + other.buf_.size());
    buf_.append(other.buf_);
    count_ += other.count_;
}

void Listpack::clear() {
    std::string().swap(buf_);
    count_ = 0;
}

void Listpack::reserve_exact(std::size_t size) {
    if (size <= buf_.capacity()) return;
    // std::string would double its capacity; a small collection would then
    // hold up to twice the memory it uses, for every key. Grow to the
    // allocator's size class instead (a copy, as Redis's lpInsert reallocs).
    std::string bigger;
    bigger.reserve(allocation_size(size + 1) - 1);
    bigger.append(buf_);
    buf_.swap(bigger);
}

void Listpack::maybe_shrink() {
    constexpr std::size_t kSmall = 64;
    if (buf_.capacity() > kSmall && buf_.size() < buf_.capacity() / 4) buf_.shrink_to_fit();
}

}  // namespace tierkv::storage
