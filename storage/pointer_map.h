// A map from pointers to small values, with random sampling: open
// addressing, linear probing, deletion by backward shift (no tombstones).
// A table keeps its keys' expiry times in one (entry -> unix ms), so a key
// without an expiry pays nothing for it, and the active expiry cycle and the
// volatile-* eviction policies sample its keys from here. About 24 bytes
// per key with an expiry.
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

template <class T, class V>
class PointerMap {
public:
    PointerMap() = default;
    PointerMap(PointerMap&& other) noexcept
        : slots_(std::move(other.slots_)), size_(std::exchange(other.size_, 0)) {}
    PointerMap& operator=(PointerMap&& other) noexcept {
        slots_ = std::move(other.slots_);
        size_ = std::exchange(other.size_, 0);
        return *this;
    }

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    // Bytes of the slot array, as the caller charges them.
    std::size_t capacity_bytes() const { return slots_.capacity() * sizeof(Slot); }

    // The value stored for `key`; nullptr when it has none.
    const V* find(const T* key) const {
        if (size_ == 0) return nullptr;
        for (std::size_t i = home(key);; i = next(i)) {
            if (slots_[i].key == key) return &slots_[i].value;
            if (!slots_[i].key) return nullptr;
        }
    }
    bool contains(const T* key) const { return find(key) != nullptr; }

    // Stores `value` for `key`; true if the key was new.
    bool insert_or_assign(T* key, V value) {
        if ((size_ + 1) * 4 > slots_.size() * 3) rebuild(std::max<std::size_t>(kMinSlots, slots_.size() * 2));
        std::size_t i = home(key);
        for (; slots_[i].key; i = next(i)) {
            if (slots_[i].key == key) {
                slots_[i].value = std::move(value);
                return false;
            }
        }
        slots_[i] = Slot{key, std::move(value)};
        ++size_;
        return true;
    }

    // False if it was not there.
    bool erase(const T* key) {
        if (size_ == 0) return false;
        std::size_t hole = home(key);
        for (; slots_[hole].key != key; hole = next(hole)) {
            if (!slots_[hole].key) return false;
        }
        // Backward shift: pull later members of the probe run into the hole
        // when the hole lies between their home slot and where they sit.
        for (std::size_t i = next(hole); slots_[i].key; i = next(i)) {
            const std::size_t h = home(slots_[i].key);
            const bool hole_on_path = hole <= i ? (h <= hole || h > i) : (h <= hole && h > i);
            if (hole_on_path) {
                slots_[hole] = std::move(slots_[i]);
                hole = i;
            }
        }
        slots_[hole] = Slot{};
        --size_;
        // Give back a map that has become mostly empty.
        if (slots_.size() > kMinSlots && size_ * 8 < slots_.size()) rebuild(slots_.size() / 2);
        return true;
    }

    // A key chosen uniformly (random slots until one is taken: the map
    // stays at least 1/8 full, so a few tries); nullptr when empty.
    T* random(std::mt19937_64& rng) const {
        if (size_ == 0) return nullptr;
        std::uniform_int_distribution<std::size_t> pick(0, slots_.size() - 1);
        for (;;) {
            if (T* key = slots_[pick(rng)].key) return key;
        }
    }

    // visit(T& key, const V& value) for every key.
    template <class Visit>
    void for_each(Visit&& visit) const {
        for (const Slot& slot : slots_) {
            if (slot.key) visit(*slot.key, slot.value);
        }
    }

    void clear() {
        std::vector<Slot>().swap(slots_);
        size_ = 0;
    }

private:
    static constexpr std::size_t kMinSlots = 8;

    struct Slot {
        T* key = nullptr;  // nullptr: the slot is empty
        V value{};
    };

    std::size_t home(const T* key) const {
        // Fibonacci hashing of the address; its low bits are alignment.
        const auto bits = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(key)) >> 3;
        return static_cast<std::size_t>((bits * 0x9E3779B97F4A7C15ull) >> (64 - std::countr_zero(slots_.size())));
    }
    std::size_t next(std::size_t i) const { return (i + 1) & (slots_.size() - 1); }

    void rebuild(std::size_t slot_count) {
        std::vector<Slot> old(slot_count);
        old.swap(slots_);
        size_ = 0;
        for (Slot& slot : old) {
            if (!slot.key) continue;
            std::size_t i = home(slot.key);
            while (slots_[i].key) i = next(i);
            slots_[i] = std::move(slot);
            ++size_;
        }
    }

    std::vector<Slot> slots_;  // a power of two of them
    std::size_t size_ = 0;
};

}  // namespace tierkv::storage
