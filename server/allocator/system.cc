// What the C library's malloc (TIERKV_ALLOCATOR=system, the sanitizer
// builds) tells of the memory in use.
#include <malloc.h>

#include "server/memory_usage.h"
#include "storage/allocator/sanitizer.h"

namespace tierkv::server {

std::uint64_t malloc_allocated_bytes() {
    if (storage::sanitizer_allocator_active()) return storage::sanitizer_allocated_bytes();
    const struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

std::string allocator_name() { return "libc"; }

void malloc_release_free_memory() { malloc_trim(0); }

}  // namespace tierkv::server
