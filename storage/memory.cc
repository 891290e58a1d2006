#include "storage/memory.h"

#include <jemalloc/jemalloc.h>

namespace tierkv::storage {

std::size_t allocation_size(std::size_t bytes) { return bytes == 0 ? 0 : nallocx(bytes, 0); }

std::size_t string_heap_bytes(const std::string& s) {
    // libstdc++ keeps up to 15 bytes inside the string object itself.
    constexpr std::size_t kInlineCapacity = 15;
    return s.capacity() > kInlineCapacity ? allocation_size(s.capacity() + 1) : 0;
}

}  // namespace tierkv::storage
