// Large string values are SharedStrings: copies (COPY, a reply in flight)
// share the bytes, and a change in place never shows through another holder.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>

#include "storage/memory.h"
#include "storage/types/shared_string.h"
#include "storage/value.h"
#include "storage/value_pages.h"

using tierkv::storage::SharedString;
using tierkv::storage::Value;

TEST_CASE("shared string: copies share the bytes and outlive the original", "[shared_string]") {
    auto a = std::make_unique<SharedString>(std::string(100, 'a'));
    SharedString b = *a;
    CHECK(b.view().data() == a->view().data());
    a.reset();
    CHECK(b.view() == std::string(100, 'a'));

    SharedString filled = SharedString::uninitialized(5);
    std::memcpy(filled.data_to_fill(), "hello", 5);
    CHECK(filled.view() == "hello");
    CHECK(SharedString(std::string_view()).size() == 0);
}

TEST_CASE("value: large strings are shared, small ones held inline", "[shared_string]") {
    const std::string small(Value::kSharedStringMin - 1, 's');
    const std::string large(Value::kSharedStringMin, 'l');
    CHECK(Value::string(small).shared_string() == nullptr);
    const Value big = Value::string(large);
    REQUIRE(big.shared_string() != nullptr);
    CHECK(big.str() == large);

    // Copying a value (COPY) shares; changing the copy leaves the original
    // and whoever else holds its bytes (a reply in flight) unchanged.
    Value copy = big;
    CHECK(copy.str().data() == big.str().data());
    const SharedString reply_ref = *copy.shared_string();
    copy.mutable_str().append("x");
    CHECK(copy.shared_string() == nullptr);
    CHECK(big.str() == large);
    CHECK(reply_ref.view() == large);
    CHECK(copy.str() == large + "x");

    // A reference outlives the value.
    Value gone = Value::share_string(reply_ref);
    gone = Value::string("short");
    CHECK(gone.shared_string() == nullptr);
    CHECK(reply_ref.view() == large);

    // Moving hands over the bytes and leaves an empty string behind.
    Value moved_from = Value::share_string(reply_ref);
    Value moved_to = std::move(moved_from);
    CHECK(moved_to.str() == large);
    CHECK(moved_from.str().empty());
    CHECK(moved_from.shared_string() == nullptr);
}

TEST_CASE("value: a shared string counts its bytes and its block", "[shared_string]") {
    using tierkv::storage::allocation_size;
    const Value big = Value::string(std::string(100000, 'x'));
    // The bytes are whole pages in ValuePages, or a malloc block without it.
    const bool in_pages = tierkv::storage::ValuePages::instance() != nullptr;
    CHECK(tierkv::storage::value_heap_bytes(big) ==
          allocation_size(SharedString::block_size()) +
              (in_pages ? tierkv::storage::ValuePages::pages_for(100000) : allocation_size(100000)));
}

TEST_CASE("shared string: bytes a reply referenced get fresh pages when their range is reused", "[shared_string]") {
    if (!tierkv::storage::ValuePages::instance()) return;  // malloc's blocks: nothing to check
    constexpr std::size_t kSize = 100000;
    const char* first = nullptr;
    {
        const SharedString kept(std::string(kSize, 'k'));
        first = kept.view().data();
    }
    {
        // Never referenced by a reply: the next string of its size takes
        // the range with its pages as they were (no page faults).
        const SharedString reuse = SharedString::uninitialized(kSize);
        REQUIRE(reuse.view().data() == first);
        CHECK(reuse.view() == std::string(kSize, 'k'));
        std::memset(const_cast<char*>(reuse.view().data()), 's', kSize);
        reuse.mark_sent();  // as a GET reply does
    }
    // Sent: a socket may still hold the old pages, so the range comes back
    // with new ones.
    const SharedString fresh = SharedString::uninitialized(kSize);
    REQUIRE(fresh.view().data() == first);
    CHECK(fresh.view() == std::string(kSize, '\0'));
}
