// Whether a sanitizer (ASan, TSan) replaced malloc in this process, and what
// its allocator holds. The sanitizer runtimes define these functions; weak
// declarations leave them null in a build without one.
#pragma once

#include <cstddef>

extern "C" std::size_t __sanitizer_get_current_allocated_bytes() __attribute__((weak));

namespace tierkv::storage {

inline bool sanitizer_allocator_active() { return __sanitizer_get_current_allocated_bytes != nullptr; }

// Bytes the sanitizer's allocator has handed out and not taken back (0 without one).
inline std::size_t sanitizer_allocated_bytes() {
    return sanitizer_allocator_active() ? __sanitizer_get_current_allocated_bytes() : 0;
}

}  // namespace tierkv::storage
