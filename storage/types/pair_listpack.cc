#include "storage/types/pair_listpack.h"

#include <cstring>

#include "storage/types/varint.h"

namespace tierkv::storage {
namespace {

// A length's half of the lengths byte: the length itself up to 14, else
// kLongNibble and a varint after the byte.
constexpr unsigned kLongNibble = 15;

unsigned nibble(std::size_t size) { return size < kLongNibble ? static_cast<unsigned>(size) : kLongNibble; }

std::size_t head_bytes(std::size_t field_size, std::size_t value_size) {
    return 1 + (field_size >= kLongNibble ? varint::size(field_size) : 0) +
           (value_size >= kLongNibble ? varint::size(value_size) : 0);
}

// Writes the lengths byte and any varints at `out`; returns where the
// field's bytes go.
char* write_head(char* out, std::size_t field_size, std::size_t value_size) {
    *out++ = static_cast<char>(nibble(field_size) << 4 | nibble(value_size));
    if (field_size >= kLongNibble) out = varint::write(out, field_size);
    if (value_size >= kLongNibble) out = varint::write(out, value_size);
    return out;
}

void copy_bytes(char* out, std::string_view bytes) {
    if (!bytes.empty()) std::memcpy(out, bytes.data(), bytes.size());
}

}  // namespace

std::size_t PairListpack::pair_bytes(std::size_t field_size, std::size_t value_size) {
    return head_bytes(field_size, value_size) + field_size + value_size;
}

PairListpack::Layout PairListpack::layout(Pos pos) const {
    const char* at = data() + pos;
    const auto lengths = static_cast<unsigned char>(*at);
    Layout l{1, std::size_t{lengths} >> 4, std::size_t{lengths} & 0xf};
    if (l.field_size == kLongNibble) {
        const varint::Read r = varint::read(at + l.head);
        l.field_size = r.value;
        l.head += r.size;
    }
    if (l.value_size == kLongNibble) {
        const varint::Read r = varint::read(at + l.head);
        l.value_size = r.value;
        l.head += r.size;
    }
    return l;
}

PairListpack::Pos PairListpack::next(Pos pos) const { return pos + layout(pos).total(); }

PairListpack::Pair PairListpack::at(Pos pos) const {
    const Layout l = layout(pos);
    const char* field = data() + pos + l.head;
    return {std::string_view(field, l.field_size), std::string_view(field + l.field_size, l.value_size)};
}

PairListpack::Pos PairListpack::find(std::string_view field) const {
    for (Pos pos = begin(); pos < end();) {
        const Layout l = layout(pos);
        if (l.field_size == field.size() && std::memcmp(data() + pos + l.head, field.data(), field.size()) == 0) {
            return pos;
        }
        pos += l.total();
    }
    return end();
}

PairListpack::Pos PairListpack::seek(std::size_t index) const {
    Pos pos = begin();
    while (index-- > 0) pos = next(pos);
    return pos;
}

void PairListpack::push_back(std::string_view field, std::string_view value) {
    const std::size_t size = pair_bytes(field.size(), value.size());
    block_.reserve_exact(bytes() + size);
    char* out = write_head(data() + bytes(), field.size(), value.size());
    copy_bytes(out, field);
    copy_bytes(out + field.size(), value);
    block_.set_bytes(bytes() + size);
    block_.set_count(block_.count() + 1);
}

void PairListpack::set_value(Pos pos, std::string_view value) {
    const Layout old = layout(pos);
    const std::size_t head = head_bytes(old.field_size, value.size());
    const std::size_t total = head + old.field_size + value.size();
    if (total > old.total()) block_.reserve_exact(bytes() + (total - old.total()));
    // The field moves when the head changes size. Moving it left goes
    // first (the tail may come back over where it was); moving it right
    // goes after the tail made room (a longer head means a longer value).
    char* const at = data() + pos;
    if (head <= old.head) std::memmove(at + head, at + old.head, old.field_size);
    block_.shift_tail(pos + old.total(), pos + total);
    if (head > old.head) std::memmove(at + head, at + old.head, old.field_size);
    write_head(at, old.field_size, value.size());
    copy_bytes(at + head + old.field_size, value);
    block_.maybe_shrink();
}

void PairListpack::erase(Pos pos) {
    block_.shift_tail(next(pos), pos);
    block_.set_count(block_.count() - 1);
    block_.maybe_shrink();
}

}  // namespace tierkv::storage
