// A sorted array of distinct integers in one heap block, like Redis's
// intset: every element has the width (2, 4 or 8 bytes) the widest one
// needs, so small numbers take 2 bytes each. The encoding of sets whose
// members are all integers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tierkv::storage {

class IntSet {
public:
    std::size_t size() const { return bytes_.size() / width_; }
    bool empty() const { return bytes_.empty(); }
    std::size_t heap_bytes() const;

    // The i-th smallest element.
    std::int64_t at(std::size_t i) const;
    bool contains(std::int64_t value) const;
    // False when already present.
    bool insert(std::int64_t value);
    // False when absent.
    bool erase(std::int64_t value);
    void erase_at(std::size_t i);

private:
    // The index of the first element >= value.
    std::size_t lower_bound(std::int64_t value) const;
    void widen(std::size_t width);
    void store(std::size_t i, std::int64_t value);

    std::string bytes_;
    std::size_t width_ = sizeof(std::int16_t);
};

}  // namespace tierkv::storage
