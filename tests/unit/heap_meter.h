// What this thread has allocated and not freed, as jemalloc counts it (in
// its size classes): the ground truth the value types' heap_bytes() must
// match, block for block.
#pragma once

#include <jemalloc/jemalloc.h>

#include <cstdint>
#include <memory>

#include "storage/memory.h"

namespace tierkv::test {

inline std::int64_t thread_heap_bytes() {
    std::uint64_t allocated = 0;
    std::uint64_t deallocated = 0;
    std::size_t size = sizeof(std::uint64_t);
    mallctl("thread.allocated", &allocated, &size, nullptr, 0);
    mallctl("thread.deallocated", &deallocated, &size, nullptr, 0);
    return static_cast<std::int64_t>(allocated - deallocated);
}

// Builds a T on the heap with `build` and returns {what jemalloc saw T's
// own heap blocks take, what T's heap_bytes() says}. No Catch2 macro may run
// inside `build`: they allocate too.
template <class T, class Build>
std::pair<std::int64_t, std::int64_t> measure_heap(Build&& build) {
    const std::int64_t before = thread_heap_bytes();
    auto value = std::make_unique<T>();
    build(*value);
    const std::int64_t used = thread_heap_bytes() - before - static_cast<std::int64_t>(storage::allocation_size(sizeof(T)));
    return {used, static_cast<std::int64_t>(value->heap_bytes())};
}

}  // namespace tierkv::test
