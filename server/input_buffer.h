// A connection's received bytes. Unlike std::vector<char> it does not zero
// the memory it grows into: a 4 MiB value would otherwise be written twice
// (zeroes, then the bytes from the socket) before anyone reads it.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>

namespace tierkv::server {

class InputBuffer {
public:
    explicit InputBuffer(std::size_t capacity)
        : data_(std::make_unique_for_overwrite<char[]>(capacity)), capacity_(capacity) {}

    char* data() { return data_.get(); }
    const char* data() const { return data_.get(); }
    std::size_t size() const { return capacity_; }

    // A block of `capacity` bytes, holding the first `keep` bytes of this one.
    void resize(std::size_t capacity, std::size_t keep) {
        auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
        std::memcpy(bigger.get(), data_.get(), keep < capacity ? keep : capacity);
        data_ = std::move(bigger);
        capacity_ = capacity;
    }

private:
    std::unique_ptr<char[]> data_;
    std::size_t capacity_;
};

}  // namespace tierkv::server
