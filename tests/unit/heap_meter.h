// What this thread has allocated and not freed, as the allocator counts it
// (in its size classes): the ground truth the value types' heap_bytes()
// must match, block for block.
#pragma once

#include <cstdint>
#include <memory>

#include "storage/memory.h"

#ifdef TIERKV_ALLOCATOR_JEMALLOC
#include <jemalloc/jemalloc.h>
#else
#include <malloc.h>

#include "storage/allocator/sanitizer.h"
#endif

namespace tierkv::test {

inline std::int64_t thread_heap_bytes() {
#ifdef TIERKV_ALLOCATOR_JEMALLOC
    std::uint64_t allocated = 0;
    std::uint64_t deallocated = 0;
    std::size_t size = sizeof(std::uint64_t);
    mallctl("thread.allocated", &allocated, &size, nullptr, 0);
    mallctl("thread.deallocated", &deallocated, &size, nullptr, 0);
    return static_cast<std::int64_t>(allocated - deallocated);
#else
    // Process-wide, not per thread: the unit tests that measure run on one thread.
    if (storage::sanitizer_allocator_active()) return static_cast<std::int64_t>(storage::sanitizer_allocated_bytes());
    const struct mallinfo2 info = mallinfo2();
    return static_cast<std::int64_t>(info.uordblks + info.hblkhd);
#endif
}

// Builds a T on the heap with `build` and returns {what the allocator saw
// T's own heap blocks take, what T's heap_bytes() says}. No Catch2 macro may
// run inside `build`: they allocate too.
template <class T, class Build>
std::pair<std::int64_t, std::int64_t> measure_heap(Build&& build) {
    const std::int64_t before = thread_heap_bytes();
    auto value = std::make_unique<T>();
    build(*value);
    const std::int64_t used = thread_heap_bytes() - before - static_cast<std::int64_t>(storage::allocation_size(sizeof(T)));
    return {used, static_cast<std::int64_t>(value->heap_bytes())};
}

}  // namespace tierkv::test
