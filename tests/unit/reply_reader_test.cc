// ReplyReader and RespValue: every RESP2/RESP3 type, nesting, attributes,
// malformed replies, split-at-every-byte and round trips through
// ReplyBuilder.
#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/reply_builder.h"
#include "protocol/reply_reader.h"

using tierkv::protocol::ReplyBuilder;
using tierkv::protocol::ReplyReader;
using tierkv::protocol::RespValue;
using Result = ReplyReader::Result;
using V = RespValue;
using namespace std::string_literals;  // "..."s keeps embedded \0 bytes

namespace {

struct Decoded {
    std::vector<RespValue> values;
    Result last = Result::kNeedMore;
    std::string error;
};

// Feeds `chunks` the way a client does: append, parse until kNeedMore,
// drop the bytes of each complete reply.
Decoded feed(const std::vector<std::string_view>& chunks) {
    ReplyReader reader;
    Decoded result;
    std::string buffer;
    for (std::string_view chunk : chunks) {
        buffer.append(chunk);
        while (true) {
            result.last = reader.parse(buffer);
            if (result.last == Result::kError) {
                result.error = reader.error();
                return result;
            }
            if (result.last == Result::kNeedMore) break;
            REQUIRE(reader.consumed() > 0);
            REQUIRE(reader.consumed() <= buffer.size());
            result.values.push_back(reader.take_value());
            buffer.erase(0, reader.consumed());
        }
    }
    return result;
}

// The one reply in `bytes`, which must be complete and use all of them.
RespValue parse_one(std::string_view bytes) {
    ReplyReader reader;
    REQUIRE(reader.parse(bytes) == Result::kComplete);
    REQUIRE(reader.consumed() == bytes.size());
    return reader.value();
}

std::string parse_error(std::string_view bytes) {
    Decoded d = feed({bytes});
    REQUIRE(d.last == Result::kError);
    return d.error;
}

void check_every_split(std::string_view stream, const std::vector<RespValue>& expected) {
    Decoded whole = feed({stream});
    REQUIRE(whole.last == Result::kNeedMore);
    REQUIRE(whole.values == expected);

    std::vector<std::string_view> bytes;
    for (std::size_t i = 0; i < stream.size(); ++i) bytes.push_back(stream.substr(i, 1));
    Decoded by_byte = feed(bytes);
    REQUIRE(by_byte.last == Result::kNeedMore);
    REQUIRE(by_byte.values == expected);

    for (std::size_t split = 0; split <= stream.size(); ++split) {
        CAPTURE(split);
        Decoded head = feed({stream.substr(0, split)});
        REQUIRE(head.last == Result::kNeedMore);
        REQUIRE(head.values.size() <= expected.size());
        REQUIRE(std::equal(head.values.begin(), head.values.end(), expected.begin()));

        Decoded both = feed({stream.substr(0, split), stream.substr(split)});
        REQUIRE(both.last == Result::kNeedMore);
        REQUIRE(both.values == expected);
    }
}

}  // namespace

TEST_CASE("reply reader: RESP2 scalars", "[reply_reader]") {
    CHECK(parse_one("+OK\r\n") == V::simple("OK"));
    CHECK(parse_one("+\r\n") == V::simple(""));
    CHECK(parse_one("-ERR unknown command\r\n") == V::error("ERR unknown command"));
    CHECK(parse_one(":42\r\n") == V::integer_value(42));
    CHECK(parse_one(":-9223372036854775808\r\n") == V::integer_value(INT64_MIN));
    CHECK(parse_one("$5\r\nhello\r\n") == V::bulk("hello"));
    CHECK(parse_one("$0\r\n\r\n") == V::bulk(""));
    CHECK(parse_one(std::string_view("$5\r\na\r\n\0b\r\n", 11)) == V::bulk(std::string_view("a\r\n\0b", 5)));
    CHECK(parse_one("$-1\r\n") == V::null());
    CHECK(parse_one("*-1\r\n") == V::null());
}

TEST_CASE("reply reader: RESP3 scalars", "[reply_reader]") {
    CHECK(parse_one("_\r\n") == V::null());
    CHECK(parse_one("#t\r\n") == V::boolean(true));
    CHECK(parse_one("#f\r\n") == V::boolean(false));
    CHECK(parse_one("(3492890328409238509324850943850943825024385\r\n") ==
          V::big_number("3492890328409238509324850943850943825024385"));
    CHECK(parse_one("(-1\r\n") == V::big_number("-1"));
    CHECK(parse_one("=15\r\ntxt:hello world\r\n") == V::verbatim("hello world", "txt"));
    CHECK(parse_one("=4\r\nmkd:\r\n") == V::verbatim("", "mkd"));
    CHECK(parse_one("!21\r\nSYNTAX invalid syntax\r\n") == V::error("SYNTAX invalid syntax"));

    RespValue d = parse_one(",3.5\r\n");
    CHECK(d.type == V::kDouble);
    CHECK(d.dbl == 3.5);
    CHECK(d.str == "3.5");
    CHECK(d == V::double_value(3.5));
    CHECK(parse_one(",0.10000000000000001\r\n").dbl == 0.1);
    CHECK(parse_one(",1e300\r\n").dbl == 1e300);
    CHECK(parse_one(",-2\r\n").dbl == -2);
    CHECK(parse_one(",inf\r\n").dbl == INFINITY);
    CHECK(parse_one(",-inf\r\n").dbl == -INFINITY);
    CHECK(std::isnan(parse_one(",nan\r\n").dbl));
}

TEST_CASE("reply reader: aggregates", "[reply_reader]") {
    CHECK(parse_one("*0\r\n") == V::array({}));
    CHECK(parse_one("*2\r\n$1\r\na\r\n:1\r\n") == V::array({V::bulk("a"), V::integer_value(1)}));
    CHECK(parse_one("*3\r\n$1\r\na\r\n$-1\r\n*-1\r\n") == V::array({V::bulk("a"), V::null(), V::null()}));
    CHECK(parse_one("%0\r\n") == V::map({}));
    CHECK(parse_one("%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n") ==
          V::map({V::simple("a"), V::integer_value(1), V::simple("b"), V::integer_value(2)}));
    CHECK(parse_one("~2\r\n:1\r\n:2\r\n") == V::set({V::integer_value(1), V::integer_value(2)}));
    CHECK(parse_one(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n") ==
          V::push({V::bulk("message"), V::bulk("ch"), V::bulk("hi")}));
}

TEST_CASE("reply reader: nested aggregates", "[reply_reader]") {
    const RespValue expected = V::array({
        V::array({V::integer_value(1), V::array({})}),
        V::map({V::bulk("k"), V::set({V::simple("x")}), V::bulk("n"), V::null()}),
        V::array({V::array({V::array({V::integer_value(7)})})}),
        V::integer_value(3),
    });
    CHECK(parse_one("*4\r\n"
                    "*2\r\n:1\r\n*0\r\n"
                    "%2\r\n$1\r\nk\r\n~1\r\n+x\r\n$1\r\nn\r\n_\r\n"
                    "*1\r\n*1\r\n*1\r\n:7\r\n"
                    ":3\r\n") == expected);
}

TEST_CASE("reply reader: attributes are skipped", "[reply_reader]") {
    // The example from the RESP3 specification.
    CHECK(parse_one("|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n"
                    "*2\r\n:2039123\r\n:9543892\r\n") ==
          V::array({V::integer_value(2039123), V::integer_value(9543892)}));
    // Inside an aggregate an attribute does not count as an element.
    CHECK(parse_one("*2\r\n|1\r\n+ttl\r\n:3600\r\n:1\r\n:2\r\n") ==
          V::array({V::integer_value(1), V::integer_value(2)}));
    CHECK(parse_one("|0\r\n+OK\r\n") == V::simple("OK"));
}

TEST_CASE("reply reader: consumed() stops at the end of the first reply", "[reply_reader]") {
    ReplyReader reader;
    std::string_view input = "*1\r\n+a\r\n:1\r\n+OK\r\n";
    REQUIRE(reader.parse(input) == Result::kComplete);
    CHECK(reader.consumed() == 8);
    CHECK(reader.value() == V::array({V::simple("a")}));
    input.remove_prefix(reader.consumed());
    REQUIRE(reader.parse(input) == Result::kComplete);
    CHECK(reader.consumed() == 4);
    CHECK(reader.value() == V::integer_value(1));
}

TEST_CASE("reply reader: every split point of a mixed stream", "[reply_reader]") {
    const std::string stream =
        "+OK\r\n"
        "-ERR no\r\n"
        ":-7\r\n"
        "$6\r\na\r\n\0\r\n\r\n"
        "$0\r\n\r\n"
        "$-1\r\n"
        "*-1\r\n"
        "*3\r\n$3\r\nfoo\r\n*0\r\n%1\r\n+k\r\n~1\r\n#t\r\n"
        "_\r\n"
        ",2.5\r\n"
        "(12345678901234567890\r\n"
        "=10\r\ntxt:a\r\nb\r\n\r\n"
        "|1\r\n+meta\r\n:5\r\n*1\r\n:1\r\n"
        ">2\r\n+message\r\n$2\r\nhi\r\n"
        "!3\r\nERR\r\n"s;
    const std::vector<RespValue> expected = {
        V::simple("OK"),
        V::error("ERR no"),
        V::integer_value(-7),
        V::bulk(std::string_view("a\r\n\0\r\n", 6)),
        V::bulk(""),
        V::null(),
        V::null(),
        V::array({V::bulk("foo"), V::array({}), V::map({V::simple("k"), V::set({V::boolean(true)})})}),
        V::null(),
        V::double_value(2.5),
        V::big_number("12345678901234567890"),
        V::verbatim("a\r\nb\r\n"),
        V::array({V::integer_value(1)}),
        V::push({V::simple("message"), V::bulk("hi")}),
        V::error("ERR"),
    };
    check_every_split(stream, expected);
}

TEST_CASE("reply reader: large reply arriving in pieces", "[reply_reader]") {
    std::string stream;
    ReplyBuilder builder(stream, 3);
    builder.array(20000);
    std::vector<RespValue> items;
    for (int i = 0; i < 20000; ++i) {
        builder.bulk("value-" + std::to_string(i));
        items.push_back(V::bulk("value-" + std::to_string(i)));
    }
    std::vector<std::string_view> chunks;
    for (std::size_t i = 0; i < stream.size(); i += 1000) chunks.push_back(std::string_view(stream).substr(i, 1000));
    Decoded d = feed(chunks);
    REQUIRE(d.last == Result::kNeedMore);
    REQUIRE(d.values.size() == 1);
    REQUIRE(d.values[0] == V::array(std::move(items)));
}

TEST_CASE("reply reader: round trip through ReplyBuilder", "[reply_reader]") {
    auto write = [](ReplyBuilder& b) {
        b.ok();
        b.error("ERR bad\r\nthing");
        b.integer(-3);
        b.bulk("a\r\nb");
        b.null();
        b.null_array();
        b.map(1);
        b.bulk("k");
        b.integer(1);
        b.set(2);
        b.bulk("x");
        b.bulk("y");
        b.push(1);
        b.simple("pong");
        b.boolean(true);
        b.double_value(0.1);
        b.double_value(-INFINITY);
        b.verbatim("hello world");
        b.bulk_array(std::vector<std::string>{"p", "q"});
    };
    std::string resp2;
    ReplyBuilder b2(resp2, 2);
    write(b2);
    check_every_split(resp2, {
        V::simple("OK"),
        V::error("ERR bad  thing"),
        V::integer_value(-3),
        V::bulk("a\r\nb"),
        V::null(),
        V::null(),
        V::array({V::bulk("k"), V::integer_value(1)}),
        V::array({V::bulk("x"), V::bulk("y")}),
        V::array({V::simple("pong")}),
        V::integer_value(1),
        V::bulk("0.10000000000000001"),
        V::bulk("-inf"),
        V::bulk("hello world"),
        V::array({V::bulk("p"), V::bulk("q")}),
    });

    std::string resp3;
    ReplyBuilder b3(resp3, 3);
    write(b3);
    check_every_split(resp3, {
        V::simple("OK"),
        V::error("ERR bad  thing"),
        V::integer_value(-3),
        V::bulk("a\r\nb"),
        V::null(),
        V::null(),
        V::map({V::bulk("k"), V::integer_value(1)}),
        V::set({V::bulk("x"), V::bulk("y")}),
        V::push({V::simple("pong")}),
        V::boolean(true),
        V::double_value(0.1),
        V::double_value(-INFINITY),
        V::verbatim("hello world"),
        V::array({V::bulk("p"), V::bulk("q")}),
    });
}

TEST_CASE("reply reader: malformed replies", "[reply_reader][errors]") {
    CHECK(parse_error("?x\r\n") == "unknown reply type '?'");
    CHECK(parse_error(std::string_view("\0\r\n", 3)) == "unknown reply type byte 0");
    CHECK(parse_error("+OK\rx") == "expected \\n after \\r");
    CHECK(parse_error(":abc\r\n") == "invalid integer 'abc'");
    CHECK(parse_error(":\r\n") == "invalid integer ''");
    CHECK(parse_error(":1.5\r\n") == "invalid integer '1.5'");
    CHECK(parse_error("$-2\r\n") == "invalid bulk length '-2'");
    CHECK(parse_error("$x\r\n") == "invalid bulk length 'x'");
    CHECK(parse_error("$?\r\n") == "invalid bulk length '?'");  // RESP3 streamed strings
    CHECK(parse_error("=-1\r\n") == "invalid bulk length '-1'");
    CHECK(parse_error("$99999999999999999\r\n") == "invalid bulk length '99999999999999999'");
    CHECK(parse_error("$3\r\nabcd\r\n") == "bulk data not followed by \\r\\n");
    CHECK(parse_error("=3\r\ntxt\r\n") == "invalid verbatim string");
    CHECK(parse_error("=5\r\ntxt-a\r\n") == "invalid verbatim string");
    CHECK(parse_error("*-2\r\n") == "invalid aggregate length '-2'");
    CHECK(parse_error("%-1\r\n") == "invalid aggregate length '-1'");
    CHECK(parse_error("*x\r\n") == "invalid aggregate length 'x'");
    CHECK(parse_error("_x\r\n") == "invalid null 'x'");
    CHECK(parse_error("#x\r\n") == "invalid boolean 'x'");
    CHECK(parse_error(",abc\r\n") == "invalid double 'abc'");
    CHECK(parse_error("(12a\r\n") == "invalid big number '12a'");
    CHECK(parse_error("*2\r\n:1\r\n?\r\n") == "unknown reply type '?'");
}

TEST_CASE("reply reader: nesting limit", "[reply_reader][errors]") {
    std::string ok;
    for (std::size_t i = 0; i < ReplyReader::kMaxDepth; ++i) ok += "*1\r\n";
    ok += ":1\r\n";
    Decoded fine = feed({ok});
    REQUIRE(fine.values.size() == 1);

    std::string deep;
    for (std::size_t i = 0; i <= ReplyReader::kMaxDepth; ++i) deep += "*1\r\n";
    CHECK(parse_error(deep) == "replies nested too deeply");
}

TEST_CASE("reply reader: reusable after an error", "[reply_reader]") {
    ReplyReader reader;
    REQUIRE(reader.parse("*2\r\n:1\r\n") == Result::kNeedMore);
    REQUIRE(reader.parse("*2\r\n:1\r\n:x\r\n") == Result::kError);
    REQUIRE(reader.parse("+OK\r\n") == Result::kComplete);
    CHECK(reader.value() == V::simple("OK"));
}

TEST_CASE("resp value: helpers", "[resp_value]") {
    CHECK(V::error("ERR x").is_error());
    CHECK_FALSE(V::simple("OK").is_error());
    CHECK(V::null().is_null());
    CHECK(V::set({}).is_aggregate());
    CHECK_FALSE(V::bulk("").is_aggregate());

    CHECK(V::bulk("abc").as_string() == "abc");
    CHECK(V::simple("OK").as_string() == "OK");
    CHECK(V::error("ERR x").as_string() == "ERR x");
    CHECK(V::verbatim("text").as_string() == "text");
    CHECK(V::double_value(1.5).as_string() == "1.5");
    CHECK_THROWS_AS(V::integer_value(1).as_string(), std::logic_error);
    CHECK_THROWS_AS(V::null().as_string(), std::logic_error);

    const RespValue hello = V::map({V::bulk("server"), V::bulk("redis"), V::bulk("proto"), V::integer_value(3)});
    REQUIRE(hello.find("proto") != nullptr);
    CHECK(*hello.find("proto") == V::integer_value(3));
    CHECK(hello.find("redis") == nullptr);  // values are not keys
    CHECK(hello.find("nope") == nullptr);
    const RespValue flat = V::array({V::bulk("server"), V::bulk("redis")});
    CHECK(flat.find("server") != nullptr);

    CHECK(V::bulk("a") != V::simple("a"));
    CHECK(V::array({V::integer_value(1)}) != V::set({V::integer_value(1)}));
    CHECK(V::verbatim("a", "txt") != V::verbatim("a", "mkd"));
}

TEST_CASE("resp value: to_string", "[resp_value]") {
    CHECK(V::simple("OK").to_string() == "OK");
    CHECK(V::bulk(std::string_view("a\"\r\0", 4)).to_string() == "\"a\\\"\\x0d\\x00\"");
    CHECK(V::error("ERR x").to_string() == "ERR(ERR x)");
    CHECK(V::null().to_string() == "nil");
    CHECK(V::boolean(false).to_string() == "false");
    CHECK(V::double_value(0.5).to_string() == "(double) 0.5");
    CHECK(V::big_number("12").to_string() == "(bignum) 12");
    CHECK(V::verbatim("hi").to_string() == "txt:\"hi\"");
    CHECK(V::array({V::integer_value(1), V::bulk("a"), V::null()}).to_string() == "[1, \"a\", nil]");
    CHECK(V::map({V::bulk("k"), V::integer_value(1), V::bulk("j"), V::integer_value(2)}).to_string() ==
          "{\"k\" => 1, \"j\" => 2}");
    CHECK(V::set({V::integer_value(1)}).to_string() == "~{1}");
    CHECK(V::push({V::simple("message")}).to_string() == ">[message]");
}
