// Value: a word and a type byte holding a string inline, in a heap block
// with its length, shared, or growable; every way of holding it reads back the same bytes, counts the
// heap the allocator really gave it, and survives copies and moves.
#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "heap_meter.h"
#include "storage/memory.h"
#include "storage/value.h"
#include "storage/value_pages.h"

using tierkv::storage::Value;
using tierkv::storage::value_heap_bytes;
using tierkv::test::thread_heap_bytes;

namespace {

// The bytes of large values that sit in ValuePages instead of malloc's heap.
std::int64_t value_pages_bytes() {
    const tierkv::storage::ValuePages* pages = tierkv::storage::ValuePages::instance();
    return pages ? static_cast<std::int64_t>(pages->bytes_in_use()) : 0;
}

// What the allocator (and ValuePages) handed out while building a Value of
// `bytes`, beside what value_heap_bytes says.
std::pair<std::int64_t, std::int64_t> heap_of_string(const std::string& bytes, bool grow) {
    const std::int64_t pages_before = value_pages_bytes();  // first: it may set ValuePages up
    const std::int64_t before = thread_heap_bytes() + pages_before;
    auto value = std::make_unique<Value>(Value::string(bytes));
    if (grow) value->mutable_str().append("!");
    const std::int64_t used = thread_heap_bytes() + value_pages_bytes() - before -
                              static_cast<std::int64_t>(tierkv::storage::allocation_size(sizeof(Value)));
    return {used, static_cast<std::int64_t>(value_heap_bytes(*value))};
}

}  // namespace

TEST_CASE("value: strings of every size read back and count the allocator's bytes", "[value]") {
    for (const std::size_t size : {std::size_t{0}, std::size_t{1}, Value::kInlineMax, Value::kInlineMax + 1,
                                   std::size_t{100}, std::size_t{254}, std::size_t{255}, std::size_t{4000}, Value::kSharedStringMin - 1,
                                   Value::kSharedStringMin, std::size_t{100000}}) {
        CAPTURE(size);
        std::string bytes(size, 'v');
        for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>('a' + i % 26);
        const Value v = Value::string(bytes);
        CHECK(v.type() == tierkv::storage::ValueType::kString);
        CHECK(v.str() == bytes);
        CHECK((v.shared_string() != nullptr) == (size >= Value::kSharedStringMin));
        CHECK((value_heap_bytes(v) == 0) == (size <= Value::kInlineMax));
        for (const bool grow : {false, true}) {
            CAPTURE(grow);
            const auto [used, counted] = heap_of_string(bytes, grow);
            CHECK(used == counted);
        }
    }
}

TEST_CASE("value: copies and moves keep the bytes and the in-place flag", "[value]") {
    for (const std::string& bytes : {std::string("12345"), std::string(100, 'x'), std::string(20000, 'y')}) {
        CAPTURE(bytes.size());
        Value original = Value::string(bytes);
        Value copy = original;
        CHECK(copy.str() == bytes);
        CHECK(original.str() == bytes);

        copy.mutable_str().append("tail");
        copy.mark_modified_in_place();
        CHECK(copy.str() == bytes + "tail");
        CHECK(original.str() == bytes);  // the copy's change does not show through

        Value assigned;
        assigned = copy;
        CHECK(assigned.str() == bytes + "tail");
        CHECK(assigned.modified_in_place());

        Value moved = std::move(copy);
        CHECK(moved.str() == bytes + "tail");
        CHECK(moved.modified_in_place());
        CHECK(copy.str().empty());  // NOLINT(bugprone-use-after-move): moving leaves an empty string
        CHECK_FALSE(copy.modified_in_place());

        // Replacing a string with a collection and back frees what it held (ASan checks).
        moved = Value(tierkv::storage::ListValue());
        CHECK(moved.type() == tierkv::storage::ValueType::kList);
        moved = original;
        CHECK(moved.str() == bytes);
    }
}

TEST_CASE("value: mutable_str of a short string grows past the inline bytes", "[value]") {
    Value v = Value::string("abc");
    for (int i = 0; i < 100; ++i) v.mutable_str().push_back(static_cast<char>('0' + i % 10));
    CHECK(v.str().size() == 103);
    CHECK(v.str().substr(0, 5) == "abc01");
    Value copy = v;
    CHECK(copy.str() == v.str());
}

TEST_CASE("value: a hash is held in place, in both encodings, and counts only its own heap", "[value]") {
    using tierkv::storage::EncodingLimits;
    using tierkv::storage::HashValue;
    const EncodingLimits limits;
    for (const int fields : {3, 1000}) {  // a listpack, then a hash table
        CAPTURE(fields);
        const std::int64_t before = thread_heap_bytes();
        auto value = std::make_unique<Value>(HashValue());
        for (int i = 0; i < fields; ++i) value->as<HashValue>().set("field" + std::to_string(i), "v", limits);
        const std::int64_t used =
            thread_heap_bytes() - before - static_cast<std::int64_t>(tierkv::storage::allocation_size(sizeof(Value)));
        // No block for the hash object: the Value's heap is the hash's own.
        CHECK(static_cast<std::int64_t>(value_heap_bytes(*value)) == used);
        CHECK(value_heap_bytes(*value) == value->as<HashValue>().heap_bytes());
        CHECK((value->as<HashValue>().encoding() == HashValue::Encoding::kHashtable) == (fields == 1000));

        // A copy is deep; a move leaves an empty string behind.
        Value copy = *value;
        value->as<HashValue>().set("field0", "changed", limits);
        CHECK(copy.as<HashValue>().get("field0") == "v");
        Value moved = std::move(copy);
        CHECK(moved.as<HashValue>().size() == static_cast<std::size_t>(fields));
        CHECK(copy.type() == tierkv::storage::ValueType::kString);  // NOLINT(bugprone-use-after-move)
        CHECK(copy.str().empty());
        moved = *value;  // assigning over a hash frees the old one (ASan/LSan would see a leak)
        CHECK(moved.as<HashValue>().get("field0") == "changed");
    }
}
