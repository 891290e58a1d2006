// What jemalloc, tierkv's allocator by default, knows of the memory in use.
#include "server/memory_usage.h"

#include <jemalloc/jemalloc.h>

#include <string>

// jemalloc reads this at start-up. Freed pages go back to the kernel within
// about a second, from jemalloc's own background thread, so RSS follows the
// data when eviction or FLUSHALL frees memory, with no purge calls in the
// request path.
extern "C" {
const char* malloc_conf = "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";
}

namespace tierkv::server {

std::uint64_t malloc_allocated_bytes() {
    // Statistics are a snapshot taken when the epoch advances.
    std::uint64_t epoch = 1;
    std::size_t size = sizeof(epoch);
    mallctl("epoch", &epoch, &size, &epoch, size);
    std::size_t allocated = 0;
    size = sizeof(allocated);
    if (mallctl("stats.allocated", &allocated, &size, nullptr, 0) != 0) return 0;
    return allocated;
}

std::string allocator_name() {
    const char* version = nullptr;
    std::size_t size = sizeof(version);
    if (mallctl("version", &version, &size, nullptr, 0) != 0 || !version) return "jemalloc";
    std::string v(version);
    return "jemalloc-" + v.substr(0, v.find('-'));
}

void malloc_release_free_memory() {
    const std::string purge_all = "arena." + std::to_string(MALLCTL_ARENAS_ALL) + ".purge";
    mallctl(purge_all.c_str(), nullptr, nullptr, nullptr, 0);
}

}  // namespace tierkv::server
