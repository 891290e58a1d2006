#include "storage/value_pages.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "storage/poison.h"

namespace tierkv::storage {

ValuePages* ValuePages::instance() {
    // Never destroyed: strings may still be freed while the process exits.
    static ValuePages* const pages = []() -> ValuePages* {
        // Said once: large values then work as before, from malloc, and
        // replies copy them instead of sending their pages.
        auto unavailable = [](const char* step) -> ValuePages* {
            spdlog::warn("large values are kept in malloc'd memory: {} failed ({}); a limit on address space "
                         "(ulimit -v) or overcommit can refuse the {} GiB reservation",
                         step, std::strerror(errno), kReserve >> 30);
            return nullptr;
        };
        const int fd = memfd_create("tierkv-values", MFD_CLOEXEC);
        if (fd < 0) return unavailable("memfd_create");
        if (ftruncate(fd, static_cast<off_t>(kReserve)) != 0) {
            ValuePages* none = unavailable("ftruncate");
            close(fd);
            return none;
        }
        void* base = mmap(nullptr, kReserve, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
        if (base == MAP_FAILED) {
            ValuePages* none = unavailable("mmap");
            close(fd);
            return none;
        }
        return new ValuePages(fd, static_cast<char*>(base));
    }();
    return pages;
}

std::optional<std::size_t> ValuePages::class_of(std::size_t size) {
    const std::size_t range = std::bit_ceil(std::max(size, kMinRange));
    const auto c = static_cast<std::size_t>(std::countr_zero(range / kMinRange));
    if (c >= kClasses) return std::nullopt;
    return c;
}

char* ValuePages::allocate(std::size_t size) {
    const std::optional<std::size_t> c = class_of(size);
    if (!c) return nullptr;
    const std::uint64_t range = std::uint64_t{kMinRange} << *c;
    const std::uint64_t needed = pages_for(size);
    FreeRange taken{0, 0};
    {
        std::lock_guard lock(mutex_);
        if (!free_[*c].empty()) {
            taken = free_[*c].back();
            free_[*c].pop_back();
            retained_ -= taken.kept;
        } else if (next_ + range <= kReserve) {
            taken.offset = next_;
            next_ += range;
        } else {
            return nullptr;
        }
        in_use_ += needed;
    }
    // Kept pages beyond this value's would sit unused and uncounted.
    if (taken.kept > needed) punch(taken.offset + needed, taken.kept - needed);
    char* data = base_ + taken.offset;
    TIERKV_UNPOISON(data, size);
    return data;
}

void ValuePages::release(char* data, std::size_t size, bool sent) noexcept {
    const std::uint64_t offset = *offset_of(data);
    const std::uint64_t pages = pages_for(size);
    TIERKV_POISON(data, size);
    // Sockets still sending the pages keep their own references to them.
    // The range is nobody's until it is listed, so the punch needs no lock.
    if (sent) punch(offset, pages);
    std::lock_guard lock(mutex_);
    const bool keep = !sent && retained_ + pages <= kRetainMax;
    if (!sent && !keep) punch(offset, pages);  // enough pages kept already
    if (keep) retained_ += pages;
    free_[*class_of(size)].push_back(FreeRange{offset, keep ? pages : 0});
    in_use_ -= pages;
}

void ValuePages::trim() noexcept {
    std::lock_guard lock(mutex_);
    for (std::vector<FreeRange>& ranges : free_) {
        for (FreeRange& range : ranges) {
            if (range.kept > 0) punch(range.offset, range.kept);
            range.kept = 0;
        }
    }
    retained_ = 0;
}

void ValuePages::punch(std::uint64_t offset, std::uint64_t bytes) noexcept {
    while (fallocate(fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, static_cast<off_t>(offset),
                     static_cast<off_t>(bytes)) != 0 &&
           errno == EINTR) {
    }
}

std::uint64_t ValuePages::bytes_in_use() const {
    std::lock_guard lock(mutex_);
    return in_use_;
}

std::uint64_t ValuePages::bytes_retained() const {
    std::lock_guard lock(mutex_);
    return retained_;
}

}  // namespace tierkv::storage
