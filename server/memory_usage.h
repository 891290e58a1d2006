// How much memory the process uses, for INFO memory and the peak tracking.
#pragma once

#include <cstdint>

namespace tierkv::server {

// Bytes currently allocated through malloc (glibc's statistics).
std::uint64_t allocated_bytes();
// The process's resident set size in bytes (/proc/self/statm).
std::uint64_t resident_bytes();
// Physical memory of the machine in bytes.
std::uint64_t total_system_bytes();

}  // namespace tierkv::server
