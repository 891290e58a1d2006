// Size classes of the C library's malloc (TIERKV_ALLOCATOR=system, the
// sanitizer builds), which has no nallocx: an estimate of the same rules.
#include <algorithm>

#include <malloc.h>

#include "storage/memory.h"
#include "storage/allocator/sanitizer.h"

namespace tierkv::storage {

std::size_t allocation_size(std::size_t bytes) {
    if (bytes == 0) return 0;
    // A sanitizer's allocator serves malloc and counts each block at the size asked for.
    if (sanitizer_allocator_active()) return bytes;
    // glibc: a chunk is the request plus an 8-byte header, rounded up to 16
    // bytes, at least 32; from 128 KiB (its default mmap threshold) a chunk
    // is mapped on its own, in whole pages.
    const std::size_t chunk = std::max<std::size_t>(32, (bytes + 8 + 15) & ~std::size_t{15});
    constexpr std::size_t kMmapThreshold = 128 * 1024;
    constexpr std::size_t kPage = 4096;
    return chunk < kMmapThreshold ? chunk : (chunk + 8 + kPage - 1) & ~(kPage - 1);
}

// What malloc_usable_size reports is the chunk less its header (under a
// sanitizer: the size asked for), which allocation_size turns back into
// the chunk.
std::size_t block_size(const void* block) { return allocation_size(malloc_usable_size(const_cast<void*>(block))); }

}  // namespace tierkv::storage
