// Large string values' bytes (SharedString) in the pages of one memfd
// mapped into the process, instead of malloc's: a reply can then hand them
// to the socket with sendfile(), which makes the socket reference the pages
// instead of copying the bytes into socket buffers.
//
// Pages that went out that way may still sit in a socket's buffers after
// their value is freed (until the peer reads them), and must not change. So
// a freed value whose range may have been sent is punched out of the file
// (fallocate's PUNCH_HOLE): the kernel keeps the old pages for the sockets
// that still hold them, and the range gets fresh pages when it is reused.
// A range never sent keeps its pages for the next value of its size, as
// malloc keeps freed memory (up to kRetainMax bytes): fresh pages cost a
// page fault each, 4 MiB SETs ran at a quarter of the speed when every
// freed value was punched.
//
// The file is sparse: ranges are handed out in power-of-two sizes from
// 16 KiB within a 256 GiB reservation, but only pages written take memory. When
// the file cannot be had (no memfd) or the reservation is used up,
// allocate() returns null and the caller uses malloc.
//
// One per process, like malloc itself: strings are made deep in the storage
// layer and freed on whichever thread drops the last reference. A mutex
// guards the free lists; it is taken once per large value.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

namespace tierkv::storage {

class ValuePages {
public:
    static constexpr std::size_t kPage = 4096;
    static constexpr std::size_t kMinRange = 16 * 1024;
    static constexpr std::uint64_t kReserve = std::uint64_t{256} << 30;
    // Pages of freed ranges kept for reuse, at most.
    static constexpr std::uint64_t kRetainMax = 64 * 1024 * 1024;

    // The process's instance; null when the file could not be set up.
    static ValuePages* instance();

    ValuePages(const ValuePages&) = delete;
    ValuePages& operator=(const ValuePages&) = delete;

    // Room for `size` bytes (> 0), page-aligned; null when none is left.
    char* allocate(std::size_t size);
    // Gives back what allocate(size) returned. `sent`: its pages may have
    // gone to a socket by sendfile, and are punched out, not kept.
    void release(char* data, std::size_t size, bool sent) noexcept;
    // Punches out the pages every free range kept (MEMORY PURGE).
    void trim() noexcept;

    // Where `data` lies in the file, when it lies there (sendfile's offset).
    std::optional<std::uint64_t> offset_of(const char* data) const {
        if (data < base_ || data >= base_ + kReserve) return std::nullopt;
        return static_cast<std::uint64_t>(data - base_);
    }
    int fd() const { return fd_; }
    // Bytes of live values, each rounded up to whole pages (INFO
    // used_memory adds them to malloc's count), and the pages that free
    // ranges keep for reuse.
    std::uint64_t bytes_in_use() const;
    std::uint64_t bytes_retained() const;
    // What a value of `size` bytes takes: whole pages.
    static std::size_t pages_for(std::size_t size) { return (size + kPage - 1) / kPage * kPage; }

private:
    ValuePages(int fd, char* base) : fd_(fd), base_(base) {}
    // Range sizes: kMinRange << class.
    static constexpr std::size_t kClasses = 17;  // 16 KiB to 1 GiB, beyond proto-max-bulk-len's 512 MiB
    static std::optional<std::size_t> class_of(std::size_t size);
    struct FreeRange {
        std::uint64_t offset;
        std::uint64_t kept;  // bytes of pages still in it, from its start
    };
    void punch(std::uint64_t offset, std::uint64_t bytes) noexcept;

    const int fd_;
    char* const base_;
    mutable std::mutex mutex_;
    std::array<std::vector<FreeRange>, kClasses> free_;
    std::uint64_t next_ = 0;  // the untouched rest of the reservation starts here
    std::uint64_t in_use_ = 0;
    std::uint64_t retained_ = 0;
};

}  // namespace tierkv::storage
