// How much memory the process uses, as jemalloc (tierkv's allocator) and
// the kernel see it, for INFO memory and the peak tracking.
#pragma once

#include <cstdint>
#include <string>

namespace tierkv::server {

// Bytes currently allocated by the application (jemalloc's stats.allocated).
std::uint64_t allocated_bytes();
// The process's resident set size in bytes (/proc/self/statm).
std::uint64_t resident_bytes();
// Physical memory of the machine in bytes.
std::uint64_t total_system_bytes();
// "jemalloc-5.3.0", as INFO's mem_allocator.
std::string allocator_name();
// Hands freed pages back to the kernel now instead of after jemalloc's decay time.
void release_free_memory();

}  // namespace tierkv::server
