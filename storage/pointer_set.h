// A set of pointers with random sampling: open addressing, linear probing,
// deletion by backward shift (no tombstones). A table keeps its entries
// with an expiry in one, for the active expiry cycle and the volatile-*
// eviction policies to sample: about 12 bytes per key with an expiry and
// nothing in the entries themselves, where a slot number would cost every
// key 4 bytes.
//
// Not thread-safe: the owner's lock guards it.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace tierkv::storage {

template <class T>
class PointerSet {
public:
    PointerSet() = default;
    PointerSet(PointerSet&& other) noexcept
        : slots_(std::move(other.slots_)), size_(std::exchange(other.size_, 0)) {}
    PointerSet& operator=(PointerSet&& other) noexcept {
        slots_ = std::move(other.slots_);
        size_ = std::exchange(other.size_, 0);
        return *this;
    }

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    // Bytes of the slot array, as the caller charges them.
    std::size_t capacity_bytes() const { return slots_.capacity() * sizeof(T*); }

    bool contains(const T* item) const {
        if (size_ == 0) return false;
        for (std::size_t i = home(item);; i = next(i)) {
            if (slots_[i] == item) return true;
            if (!slots_[i]) return false;
        }
    }

    // False if it was there already.
    bool insert(T* item) {
        if ((size_ + 1) * 4 > slots_.size() * 3) rebuild(std::max<std::size_t>(kMinSlots, slots_.size() * 2));
        std::size_t i = home(item);
        for (; slots_[i]; i = next(i)) {
            if (slots_[i] == item) return false;
        }
        slots_[i] = item;
        ++size_;
        return true;
    }

    // False if it was not there.
    bool erase(const T* item) {
        if (size_ == 0) return false;
        std::size_t hole = home(item);
        for (; slots_[hole] != item; hole = next(hole)) {
            if (!slots_[hole]) return false;
        }
        // Backward shift: pull later members of the probe run into the hole
        // when the hole lies between their home slot and where they sit.
        for (std::size_t i = next(hole); slots_[i]; i = next(i)) {
            const std::size_t h = home(slots_[i]);
            const bool hole_on_path = hole <= i ? (h <= hole || h > i) : (h <= hole && h > i);
            if (hole_on_path) {
                slots_[hole] = slots_[i];
                hole = i;
            }
        }
        slots_[hole] = nullptr;
        --size_;
        // Give back a set that has become mostly empty.
        if (slots_.size() > kMinSlots && size_ * 8 < slots_.size()) rebuild(slots_.size() / 2);
        return true;
    }

    // A member chosen uniformly (random slots until one is taken: the set
    // stays at least 1/8 full, so a few tries); nullptr when empty.
    T* random(std::mt19937_64& rng) const {
        if (size_ == 0) return nullptr;
        std::uniform_int_distribution<std::size_t> pick(0, slots_.size() - 1);
        for (;;) {
            if (T* item = slots_[pick(rng)]) return item;
        }
    }

    template <class Visit>
    void for_each(Visit&& visit) const {
        for (T* item : slots_) {
            if (item) visit(*item);
        }
    }

    void clear() {
        std::vector<T*>().swap(slots_);
        size_ = 0;
    }

private:
    static constexpr std::size_t kMinSlots = 8;

    std::size_t home(const T* item) const {
        // Fibonacci hashing of the address; its low bits are alignment.
        const auto bits = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(item)) >> 3;
        return static_cast<std::size_t>((bits * 0x9E3779B97F4A7C15ull) >> (64 - std::countr_zero(slots_.size())));
    }
    std::size_t next(std::size_t i) const { return (i + 1) & (slots_.size() - 1); }

    void rebuild(std::size_t slot_count) {
        std::vector<T*> old(slot_count, nullptr);
        old.swap(slots_);
        size_ = 0;
        for (T* item : old) {
            if (!item) continue;
            std::size_t i = home(item);
            while (slots_[i]) i = next(i);
            slots_[i] = item;
            ++size_;
        }
    }

    std::vector<T*> slots_;  // a power of two of them; nullptr is empty
    std::size_t size_ = 0;
};

}  // namespace tierkv::storage
