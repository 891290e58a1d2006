// Bytes with other buffers spliced in at offsets: a connection's replies
// referencing stored values, or a load generator's requests referencing
// their values. The pieces, in order, are what one scatter-gather write
// sends. No I/O here: the caller turns each piece into its own buffer type.
#pragma once

#include <string_view>

namespace tierkv::protocol {

// Calls `piece(std::string_view)` for each part of `bytes` and each spliced
// buffer in order. `splices` is a range of elements with `offset` (into
// `bytes`, non-decreasing) and `bytes` (the buffer inserted there).
template <class Splices, class Piece>
void for_each_piece(std::string_view bytes, const Splices& splices, Piece&& piece) {
    std::size_t from = 0;
    for (const auto& splice : splices) {
        piece(bytes.substr(from, splice.offset - from));
        piece(std::string_view(splice.bytes));
        from = splice.offset;
    }
    piece(bytes.substr(from));
}

}  // namespace tierkv::protocol
