// KeyString: table keys up to 23 bytes live inside the entry; longer ones on
// the heap. Copies, moves and reassignment keep the bytes, whichever side.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "storage/key_string.h"
#include "storage/memory.h"

using tierkv::storage::KeyString;

TEST_CASE("key string: inline up to 23 bytes, on the heap after", "[key_string]") {
    for (std::size_t size : {0, 1, 15, 16, 22, 23, 24, 100, 70000}) {
        std::string bytes(size, 'k');
        for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(i * 7);  // includes \0 bytes
        const KeyString key(bytes);
        CHECK(key.view() == bytes);
        CHECK(key == bytes);
        CHECK(key.size() == size);
        CHECK(key.on_heap() == (size > KeyString::kInlineMax));
        CHECK((tierkv::storage::string_heap_bytes(key) == 0) == !key.on_heap());
    }
}

TEST_CASE("key string: copies, moves and reassignment", "[key_string]") {
    const std::vector<std::string> samples = {"", "short", std::string(23, 'a'), std::string(24, 'b'),
                                              std::string(300, 'c')};
    for (const std::string& from : samples) {
        for (const std::string& to : samples) {
            KeyString a(from);
            KeyString b(to);
            b = a;
            CHECK(b == from);
            CHECK(a == from);

            KeyString c(to);
            c = std::move(a);
            CHECK(c == from);
            CHECK(a.size() == 0);  // moved from: empty, and still usable
            a.assign(to);
            CHECK(a == to);

            KeyString d(std::move(c));
            CHECK(d == from);
            d.assign(d.view().substr(d.size() / 2));  // from its own bytes
            CHECK(d == from.substr(from.size() / 2));
        }
    }
}
