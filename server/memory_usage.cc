#include "server/memory_usage.h"

#include <unistd.h>

#include <fstream>

#include "storage/value_pages.h"

// What the allocator knows (malloc_allocated_bytes, allocator_name,
// malloc_release_free_memory) lives in server/allocator/<allocator>.cc, the one
// CMake picks (TIERKV_ALLOCATOR).

namespace tierkv::server {

std::uint64_t allocated_bytes() {
    const storage::ValuePages* pages = storage::ValuePages::instance();
    return malloc_allocated_bytes() + (pages ? pages->bytes_in_use() : 0);
}

void release_free_memory() {
    malloc_release_free_memory();
    if (storage::ValuePages* pages = storage::ValuePages::instance()) pages->trim();
}

std::uint64_t resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::uint64_t total_pages = 0;
    std::uint64_t resident_pages = 0;
    if (!(statm >> total_pages >> resident_pages)) return 0;
    return resident_pages * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

std::uint64_t total_system_bytes() {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page_size = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page_size <= 0) return 0;
    return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size);
}

}  // namespace tierkv::server
