// How much memory the process uses, as jemalloc (tierkv's allocator) and
// the kernel see it, for INFO memory and the peak tracking.
#pragma once

#include <cstdint>
#include <string>

namespace tierkv::server {

// Bytes currently allocated by the application: what malloc counts, and
// the large values in storage::ValuePages.
std::uint64_t allocated_bytes();
// What malloc counts (jemalloc's stats.allocated; server/allocator/).
std::uint64_t malloc_allocated_bytes();
// The process's resident set size in bytes (/proc/self/statm).
std::uint64_t resident_bytes();
// Physical memory of the machine in bytes.
std::uint64_t total_system_bytes();
// "jemalloc-5.3.0", as INFO's mem_allocator.
std::string allocator_name();
// Hands freed pages back to the kernel now instead of after jemalloc's
// decay time, and the pages ValuePages kept for reuse.
void release_free_memory();
// The allocator's part of it (server/allocator/).
void malloc_release_free_memory();

}  // namespace tierkv::server
