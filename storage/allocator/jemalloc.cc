// Size classes of jemalloc, tierkv's allocator by default.
#include <jemalloc/jemalloc.h>

#include "storage/memory.h"

namespace tierkv::storage {

std::size_t allocation_size(std::size_t bytes) { return bytes == 0 ? 0 : nallocx(bytes, 0); }

std::size_t block_size(const void* block) { return sallocx(const_cast<void*>(block), 0); }

}  // namespace tierkv::storage
