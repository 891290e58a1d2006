// Marks memory an allocator of ours (NodePool, ValuePages) holds but has
// not handed out, so that AddressSanitizer still reports a use after free
// of a pooled node or a large value. Nothing without ASan.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define TIERKV_POISON(addr, size) ASAN_POISON_MEMORY_REGION(addr, size)
#define TIERKV_UNPOISON(addr, size) ASAN_UNPOISON_MEMORY_REGION(addr, size)
#else
#define TIERKV_POISON(addr, size) ((void)(addr), (void)(size))
#define TIERKV_UNPOISON(addr, size) ((void)(addr), (void)(size))
#endif
