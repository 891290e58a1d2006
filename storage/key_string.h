// A table entry's key: up to 23 bytes held inside the object, longer keys
// on the heap. 24 bytes, where a std::string takes 32 and, for a key of
// more than 15 bytes (a typical "user:1234567890"), a heap block besides:
// with a million keys that block is 32 MB and a cache miss on every lookup.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace tierkv::storage {

class KeyString {
public:
    static constexpr std::size_t kInlineMax = 23;

    KeyString() { rep_[kTag] = 0; }
    explicit KeyString(std::string_view bytes) { init(bytes); }
    KeyString(const KeyString& other) { init(other.view()); }
    KeyString(KeyString&& other) noexcept { take(other); }
    KeyString& operator=(const KeyString& other) {
        if (this != &other) assign(other.view());
        return *this;
    }
    KeyString& operator=(KeyString&& other) noexcept {
        if (this != &other) {
            release();
            take(other);
        }
        return *this;
    }
    ~KeyString() { release(); }

    void assign(std::string_view bytes) {
        KeyString copy(bytes);  // `bytes` may point into this key
        release();
        take(copy);
    }

    std::string_view view() const {
        if (!on_heap()) return {reinterpret_cast<const char*>(rep_), rep_[kTag]};
        return {heap_data(), heap_size()};
    }
    operator std::string_view() const { return view(); }
    std::string str() const { return std::string(view()); }
    std::size_t size() const { return on_heap() ? heap_size() : rep_[kTag]; }
    bool on_heap() const { return rep_[kTag] == kHeap; }

    friend bool operator==(const KeyString& key, std::string_view bytes) { return key.view() == bytes; }

private:
    static constexpr std::size_t kTag = 23;  // inline length, or kHeap
    static constexpr unsigned char kHeap = 0xFF;

    void init(std::string_view bytes) {
        if (bytes.size() <= kInlineMax) {
            if (!bytes.empty()) std::memcpy(rep_, bytes.data(), bytes.size());
            rep_[kTag] = static_cast<unsigned char>(bytes.size());
            return;
        }
        char* data = new char[bytes.size()];
        std::memcpy(data, bytes.data(), bytes.size());
        const std::uint64_t size = bytes.size();
        std::memcpy(rep_, &data, sizeof(data));
        std::memcpy(rep_ + sizeof(data), &size, sizeof(size));
        rep_[kTag] = kHeap;
    }
    void take(KeyString& other) noexcept {
        std::memcpy(rep_, other.rep_, sizeof(rep_));
        other.rep_[kTag] = 0;
    }
    void release() noexcept {
        if (on_heap()) delete[] heap_data();
        rep_[kTag] = 0;
    }
    char* heap_data() const {
        char* data;
        std::memcpy(&data, rep_, sizeof(data));
        return data;
    }
    std::size_t heap_size() const {
        std::uint64_t size;
        std::memcpy(&size, rep_ + sizeof(char*), sizeof(size));
        return static_cast<std::size_t>(size);
    }

    alignas(8) unsigned char rep_[24];
};

static_assert(sizeof(KeyString) == 24);

}  // namespace tierkv::storage
