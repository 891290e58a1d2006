#include "storage/types/intset.h"

#include <cstring>
#include <limits>

#include "storage/memory.h"

namespace tierkv::storage {
namespace {

std::size_t width_for(std::int64_t value) {
    if (value >= std::numeric_limits<std::int16_t>::min() && value <= std::numeric_limits<std::int16_t>::max()) {
        return sizeof(std::int16_t);
    }
    if (value >= std::numeric_limits<std::int32_t>::min() && value <= std::numeric_limits<std::int32_t>::max()) {
        return sizeof(std::int32_t);
    }
    return sizeof(std::int64_t);
}

template <class T>
T load(const char* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

template <class T>
void put(char* p, T v) {
    std::memcpy(p, &v, sizeof v);
}

}  // namespace

std::size_t IntSet::heap_bytes() const { return string_heap_bytes(bytes_); }

std::int64_t IntSet::at(std::size_t i) const {
    const char* p = bytes_.data() + i * width_;
    switch (width_) {
        case sizeof(std::int16_t): return load<std::int16_t>(p);
        case sizeof(std::int32_t): return load<std::int32_t>(p);
        default: return load<std::int64_t>(p);
    }
}

void IntSet::store(std::size_t i, std::int64_t value) {
    char* p = bytes_.data() + i * width_;
    switch (width_) {
        case sizeof(std::int16_t): put(p, static_cast<std::int16_t>(value)); break;
        case sizeof(std::int32_t): put(p, static_cast<std::int32_t>(value)); break;
        default: put(p, value); break;
    }
}

std::size_t IntSet::lower_bound(std::int64_t value) const {
    std::size_t lo = 0;
    std::size_t hi = size();
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (at(mid) < value) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

bool IntSet::contains(std::int64_t value) const {
    if (width_for(value) > width_) return false;
    const std::size_t i = lower_bound(value);
    return i < size() && at(i) == value;
}

void IntSet::widen(std::size_t width) {
    const std::size_t n = size();
    std::string wider(n * width, '\0');
    IntSet old = std::move(*this);
    bytes_ = std::move(wider);
    width_ = width;
    for (std::size_t i = 0; i < n; ++i) store(i, old.at(i));
}

bool IntSet::insert(std::int64_t value) {
    if (width_for(value) > width_) widen(width_for(value));
    const std::size_t i = lower_bound(value);
    if (i < size() && at(i) == value) return false;
    bytes_.insert(i * width_, width_, '\0');
    store(i, value);
    return true;
}

bool IntSet::erase(std::int64_t value) {
    if (width_for(value) > width_) return false;
    const std::size_t i = lower_bound(value);
    if (i >= size() || at(i) != value) return false;
    erase_at(i);
    return true;
}

void IntSet::erase_at(std::size_t i) {
    bytes_.erase(i * width_, width_);
    if (bytes_.capacity() > 64 && bytes_.size() < bytes_.capacity() / 4) bytes_.shrink_to_fit();
}

}  // namespace tierkv::storage
