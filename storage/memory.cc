#include "storage/memory.h"

namespace tierkv::storage {

// allocation_size() and block_size() live in storage/allocator/<allocator>.cc, the one CMake
// picks (TIERKV_ALLOCATOR).

std::size_t string_heap_bytes(const std::string& s) {
    // libstdc++ keeps up to 15 bytes inside the string object itself.
    constexpr std::size_t kInlineCapacity = 15;
    return s.capacity() > kInlineCapacity ? allocation_size(s.capacity() + 1) : 0;
}

}  // namespace tierkv::storage
