#include "storage/types/listpack.h"

#include <cassert>
#include <cstdint>
#include <cstring>

#include "storage/types/varint.h"

namespace tierkv::storage {
namespace {

// The mirror image, read from its last byte backwards: that byte holds the
// low 7 bits, and its high bit says another byte precedes it.
char* write_backward(char* out, std::size_t n) {
    const std::size_t size = varint::size(n);
    for (std::size_t i = 0; i < size; ++i) {
        const auto bits = static_cast<unsigned char>((n >> (7 * i)) & 0x7f);
        out[size - 1 - i] = static_cast<char>(i + 1 < size ? bits | 0x80 : bits);
    }
    return out + size;
}

// Reads the backward varint that ends just before `end`.
varint::Read read_backward(const char* end) {
    varint::Read h{0, 0};
    unsigned shift = 0;
    for (;;) {
        const auto byte = static_cast<unsigned char>(*(end - 1 - h.size++));
        h.value |= static_cast<std::size_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) return h;
        shift += 7;
    }
}

// Writes the whole entry for `value` at `out` (entry_bytes(value.size()) bytes).
void encode(char* out, std::string_view value) {
    char* p = varint::write(out, value.size());
    if (!value.empty()) std::memcpy(p, value.data(), value.size());
    p += value.size();
    write_backward(p, static_cast<std::size_t>(p - out));
}

}  // namespace

std::size_t Listpack::entry_bytes(std::size_t value_size) {
    const std::size_t body = varint::size(value_size) + value_size;
    return body + varint::size(body);
}

Listpack::Pos Listpack::next(Pos pos) const {
    const varint::Read h = varint::read(data() + pos);
    const std::size_t body = h.size + h.value;
    return pos + body + varint::size(body);
}

Listpack::Pos Listpack::prev(Pos pos) const {
    assert(pos > 0);
    const varint::Read back = read_backward(data() + pos);
    return pos - back.size - back.value;
}

std::string_view Listpack::at(Pos pos) const {
    const varint::Read h = varint::read(data() + pos);
    return std::string_view(data() + pos + h.size, h.value);
}

Listpack::Pos Listpack::seek(std::size_t index) const {
    const std::size_t count = size();
    assert(index < count);
    if (index <= count / 2) {
        Pos pos = begin();
        while (index-- > 0) pos = next(pos);
        return pos;
    }
    Pos pos = end();
    for (std::size_t steps = count - index; steps > 0; --steps) pos = prev(pos);
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
    block_.reserve_exact(bytes() + size);
    block_.shift_tail(pos, pos + size);
    encode(data() + pos, value);
    block_.set_count(block_.count() + 1);
    return pos;
}

Listpack::Pos Listpack::erase(Pos pos) {
    block_.shift_tail(next(pos), pos);
    block_.set_count(block_.count() - 1);
    block_.maybe_shrink();
    return pos;
}

void Listpack::erase(Pos first, Pos last, std::size_t count) {
    if (count == 0) return;
    block_.shift_tail(last, first);
    block_.set_count(block_.count() - count);
    block_.maybe_shrink();
}

void Listpack::replace(Pos pos, std::string_view value) {
    const std::size_t size = entry_bytes(value.size());
    const Pos old_end = next(pos);
    if (pos + size > old_end) block_.reserve_exact(bytes() + (pos + size - old_end));
    block_.shift_tail(old_end, pos + size);
    encode(data() + pos, value);
    block_.maybe_shrink();
}

Listpack Listpack::split(Pos pos) {
    Listpack tail;
    if (pos >= end()) return tail;
    const std::size_t tail_bytes = end() - pos;
    tail.block_.reserve_exact(tail_bytes);
    std::memcpy(tail.data(), data() + pos, tail_bytes);
    tail.block_.set_bytes(tail_bytes);
    std::size_t moved = 0;
    for (Pos p = tail.begin(); p < tail.end(); p = tail.next(p)) ++moved;
    tail.block_.set_count(moved);
    block_.set_bytes(pos);
    block_.set_count(block_.count() - moved);
    block_.maybe_shrink();
    return tail;
}

void Listpack::append(const Listpack& other) {
    if (other.empty()) return;
    block_.reserve_exact(bytes() + other.bytes());
    std::memcpy(data() + bytes(), other.data(), other.bytes());
    block_.set_bytes(bytes() + other.bytes());
    block_.set_count(block_.count() + other.size());
}

}  // namespace tierkv::storage
