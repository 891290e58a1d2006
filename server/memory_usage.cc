#include "server/memory_usage.h"

#include <malloc.h>
#include <unistd.h>

#include <fstream>

namespace tierkv::server {

std::uint64_t allocated_bytes() {
    const struct mallinfo2 info = mallinfo2();
    // Large blocks glibc serves with mmap are not in uordblks; count them too.
    return info.uordblks + info.hblkhd;
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
