// ReplyBuilder: the exact bytes of every method in RESP2 and RESP3.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/reply_builder.h"

using tierkv::protocol::format_double;
using tierkv::protocol::ReplyBuilder;

namespace {

// The bytes one call writes, in RESP2 and in RESP3.
template <class Write>
std::string bytes(int resp, Write write) {
    std::string out;
    ReplyBuilder builder(out, resp);
    write(builder);
    return out;
}

template <class Write>
void check(Write write, std::string_view resp2, std::string_view resp3) {
    CHECK(bytes(2, write) == resp2);
    CHECK(bytes(3, write) == resp3);
}

}  // namespace

TEST_CASE("reply builder: protocol version", "[reply_builder]") {
    std::string out;
    ReplyBuilder builder(out);
    CHECK(builder.resp_version() == 2);
    CHECK_FALSE(builder.resp3());
    builder.set_resp_version(3);
    CHECK(builder.resp_version() == 3);
    CHECK(builder.resp3());
    builder.null();
    builder.set_resp_version(2);
    builder.null();
    CHECK(out == "_\r\n$-1\r\n");
}

TEST_CASE("reply builder: simple strings", "[reply_builder]") {
    check([](ReplyBuilder& b) { b.simple("PONG"); }, "+PONG\r\n", "+PONG\r\n");
    check([](ReplyBuilder& b) { b.simple(""); }, "+\r\n", "+\r\n");
    check([](ReplyBuilder& b) { b.ok(); }, "+OK\r\n", "+OK\r\n");
}

TEST_CASE("reply builder: errors", "[reply_builder]") {
    check([](ReplyBuilder& b) { b.error("ERR syntax error"); }, "-ERR syntax error\r\n", "-ERR syntax error\r\n");
    check([](ReplyBuilder& b) { b.error("WRONGTYPE Operation against a key holding the wrong kind of value"); },
          "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
          "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    // \r and \n would end the line early: each becomes a space.
    check([](ReplyBuilder& b) { b.error("ERR bad\r\nthing\nhere\r"); }, "-ERR bad  thing here \r\n",
          "-ERR bad  thing here \r\n");
}

TEST_CASE("reply builder: integers", "[reply_builder]") {
    check([](ReplyBuilder& b) { b.integer(0); }, ":0\r\n", ":0\r\n");
    check([](ReplyBuilder& b) { b.integer(42); }, ":42\r\n", ":42\r\n");
    check([](ReplyBuilder& b) { b.integer(-1); }, ":-1\r\n", ":-1\r\n");
    check([](ReplyBuilder& b) { b.integer(std::numeric_limits<std::int64_t>::max()); }, ":9223372036854775807\r\n",
          ":9223372036854775807\r\n");
    check([](ReplyBuilder& b) { b.integer(std::numeric_limits<std::int64_t>::min()); }, ":-9223372036854775808\r\n",
          ":-9223372036854775808\r\n");
}

TEST_CASE("reply builder: bulk strings", "[reply_builder]") {
    check([](ReplyBuilder& b) { b.bulk("hello"); }, "$5\r\nhello\r\n", "$5\r\nhello\r\n");
    check([](ReplyBuilder& b) { b.bulk(""); }, "$0\r\n\r\n", "$0\r\n\r\n");
    const std::string binary("a\r\n\0b", 5);
    const std::string expected = "$5\r\n" + binary + "\r\n";
    check([&](ReplyBuilder& b) { b.bulk(binary); }, expected, expected);
    const std::string big(100000, 'x');
    const std::string expected_big = "$100000\r\n" + big + "\r\n";
    check([&](ReplyBuilder& b) { b.bulk(big); }, expected_big, expected_big);
}

TEST_CASE("reply builder: nulls", "[reply_builder]") {
    check([](ReplyBuilder& b) { b.null(); }, "$-1\r\n", "_\r\n");
    check([](ReplyBuilder& b) { b.null_array(); }, "*-1\r\n", "_\r\n");
}

TEST_CASE("reply builder: aggregate headers", "[reply_builder]") {
    check([](ReplyBuilder& b) { b.array(0); }, "*0\r\n", "*0\r\n");
    check([](ReplyBuilder& b) { b.array(3); }, "*3\r\n", "*3\r\n");
    check([](ReplyBuilder& b) { b.map(0); }, "*0\r\n", "%0\r\n");
    check([](ReplyBuilder& b) { b.map(2); }, "*4\r\n", "%2\r\n");
    check([](ReplyBuilder& b) { b.set(0); }, "*0\r\n", "~0\r\n");
    check([](ReplyBuilder& b) { b.set(3); }, "*3\r\n", "~3\r\n");
    check([](ReplyBuilder& b) { b.push(3); }, "*3\r\n", ">3\r\n");
}

TEST_CASE("reply builder: a map with its elements", "[reply_builder]") {
    auto write = [](ReplyBuilder& b) {
        b.map(2);
        b.bulk("server");
        b.bulk("tierkv");
        b.bulk("proto");
        b.integer(3);
    };
    check(write, "*4\r\n$6\r\nserver\r\n$6\r\ntierkv\r\n$5\r\nproto\r\n:3\r\n",
          "%2\r\n$6\r\nserver\r\n$6\r\ntierkv\r\n$5\r\nproto\r\n:3\r\n");
}

TEST_CASE("reply builder: a pubsub push", "[reply_builder]") {
    auto write = [](ReplyBuilder& b) {
        b.push(3);
        b.bulk("message");
        b.bulk("ch");
        b.bulk("hi");
    };
    check(write, "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n", ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
}

TEST_CASE("reply builder: booleans", "[reply_builder]") {
    check([](ReplyBuilder& b) { b.boolean(true); }, ":1\r\n", "#t\r\n");
    check([](ReplyBuilder& b) { b.boolean(false); }, ":0\r\n", "#f\r\n");
}

TEST_CASE("reply builder: doubles", "[reply_builder]") {
    check([](ReplyBuilder& b) { b.double_value(3.5); }, "$3\r\n3.5\r\n", ",3.5\r\n");
    check([](ReplyBuilder& b) { b.double_value(0.1); }, "$19\r\n0.10000000000000001\r\n", ",0.10000000000000001\r\n");
    check([](ReplyBuilder& b) { b.double_value(0); }, "$1\r\n0\r\n", ",0\r\n");
    check([](ReplyBuilder& b) { b.double_value(-2); }, "$2\r\n-2\r\n", ",-2\r\n");
    check([](ReplyBuilder& b) { b.double_value(1e300); }, "$23\r\n1.0000000000000001e+300\r\n",
          ",1.0000000000000001e+300\r\n");
    check([](ReplyBuilder& b) { b.double_value(INFINITY); }, "$3\r\ninf\r\n", ",inf\r\n");
    check([](ReplyBuilder& b) { b.double_value(-INFINITY); }, "$4\r\n-inf\r\n", ",-inf\r\n");
}

TEST_CASE("reply builder: format_double", "[reply_builder]") {
    CHECK(format_double(3.5) == "3.5");
    CHECK(format_double(0.1) == "0.10000000000000001");
    CHECK(format_double(10) == "10");
    CHECK(format_double(-0.5) == "-0.5");
    CHECK(format_double(1.0 / 3) == "0.33333333333333331");
    CHECK(format_double(INFINITY) == "inf");
    CHECK(format_double(-INFINITY) == "-inf");
}

TEST_CASE("reply builder: verbatim strings", "[reply_builder]") {
    check([](ReplyBuilder& b) { b.verbatim("hello world"); }, "$11\r\nhello world\r\n", "=15\r\ntxt:hello world\r\n");
    check([](ReplyBuilder& b) { b.verbatim("# Title", "mkd"); }, "$7\r\n# Title\r\n", "=11\r\nmkd:# Title\r\n");
    check([](ReplyBuilder& b) { b.verbatim(""); }, "$0\r\n\r\n", "=4\r\ntxt:\r\n");
}

TEST_CASE("reply builder: raw bytes", "[reply_builder]") {
    check([](ReplyBuilder& b) { b.raw("+QUEUED\r\n"); }, "+QUEUED\r\n", "+QUEUED\r\n");
}

TEST_CASE("reply builder: bulk_array", "[reply_builder]") {
    const std::vector<std::string> items = {"a", "", "ccc"};
    check([&](ReplyBuilder& b) { b.bulk_array(items); }, "*3\r\n$1\r\na\r\n$0\r\n\r\n$3\r\nccc\r\n",
          "*3\r\n$1\r\na\r\n$0\r\n\r\n$3\r\nccc\r\n");
    const std::vector<std::string_view> none;
    check([&](ReplyBuilder& b) { b.bulk_array(none); }, "*0\r\n", "*0\r\n");
}

TEST_CASE("reply builder: appends and retargets", "[reply_builder]") {
    std::string first = "existing";
    std::string second;
    ReplyBuilder builder(first, 3);
    builder.integer(1);
    CHECK(&builder.buffer() == &first);
    builder.retarget(second);
    builder.integer(2);
    CHECK(&builder.buffer() == &second);
    CHECK(first == "existing:1\r\n");
    CHECK(second == ":2\r\n");
}
