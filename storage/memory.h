// What the allocator really hands out, so the keyspace counts its memory as
// the allocator (jemalloc) sees it rather than as the sum of requested sizes.
#pragma once

#include <cstddef>
#include <string>

namespace tierkv::storage {

// The size of the block the allocator returns for a request of `bytes`
// (its size class); 0 for 0.
std::size_t allocation_size(std::size_t bytes);

// The size of the allocator's block at `block` (from malloc): what it costs.
std::size_t block_size(const void* block);

// Heap bytes a std::string owns: none while it fits the inline buffer.
std::size_t string_heap_bytes(const std::string& s);

}  // namespace tierkv::storage
