// RequestParser: pipelined streams split at every byte, Redis's exact
// protocol error texts, limits, and split_inline_args.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "protocol/request_parser.h"

using tierkv::protocol::ParseResult;
using tierkv::protocol::ParserLimits;
using tierkv::protocol::RequestParser;
using tierkv::protocol::split_inline_args;

namespace {

using Args = std::vector<std::string>;
using namespace std::string_literals;  // "..."s keeps embedded \0 bytes

// What a connection sees after feeding some chunks: the commands decoded,
// and how the last parse() ended.
struct Decoded {
    std::vector<Args> commands;
    ParseResult last = ParseResult::kNeedMore;
    std::string error;
};

// Feeds `chunks` one after another the way a connection does: append to the
// buffer, parse until kNeedMore, drop the bytes of each complete command.
Decoded feed(RequestParser& parser, const std::vector<std::string_view>& chunks) {
    Decoded result;
    std::string buffer;
    for (std::string_view chunk : chunks) {
        buffer.append(chunk);
        while (true) {
            result.last = parser.parse(buffer);
            if (result.last == ParseResult::kError) {
                result.error = parser.error();
                return result;
            }
            if (result.last == ParseResult::kNeedMore) break;
            REQUIRE(parser.command_size() > 0);
            REQUIRE(parser.command_size() <= buffer.size());
            result.commands.emplace_back(parser.args().begin(), parser.args().end());
            buffer.erase(0, parser.command_size());
        }
    }
    return result;
}

Decoded feed_whole(std::string_view stream, ParserLimits limits = {}) {
    RequestParser parser(limits);
    return feed(parser, {stream});
}

Decoded feed_bytes(std::string_view stream, ParserLimits limits = {}) {
    RequestParser parser(limits);
    std::vector<std::string_view> chunks;
    for (std::size_t i = 0; i < stream.size(); ++i) chunks.push_back(stream.substr(i, 1));
    return feed(parser, chunks);
}

// A stream of complete commands must decode to `expected` whole, byte by
// byte, and split in two at every position (with the first part ending in
// kNeedMore after a prefix of the commands).
void check_every_split(std::string_view stream, const std::vector<Args>& expected) {
    Decoded whole = feed_whole(stream);
    REQUIRE(whole.last == ParseResult::kNeedMore);
    REQUIRE(whole.commands == expected);

    Decoded bytes = feed_bytes(stream);
    REQUIRE(bytes.last == ParseResult::kNeedMore);
    REQUIRE(bytes.commands == expected);

    for (std::size_t split = 0; split <= stream.size(); ++split) {
        CAPTURE(split);
        RequestParser parser;
        Decoded head = feed(parser, {stream.substr(0, split)});
        REQUIRE(head.last == ParseResult::kNeedMore);
        REQUIRE(head.commands.size() <= expected.size());
        REQUIRE(std::equal(head.commands.begin(), head.commands.end(), expected.begin()));

        RequestParser again;
        Decoded both = feed(again, {stream.substr(0, split), stream.substr(split)});
        REQUIRE(both.last == ParseResult::kNeedMore);
        REQUIRE(both.commands == expected);
    }
}

// Malformed input must fail with `message` whether it arrives whole or byte
// by byte.
void check_error(std::string_view stream, std::string_view message, ParserLimits limits = {}) {
    CAPTURE(stream);
    Decoded whole = feed_whole(stream, limits);
    REQUIRE(whole.last == ParseResult::kError);
    REQUIRE(whole.error == message);
    Decoded bytes = feed_bytes(stream, limits);
    REQUIRE(bytes.last == ParseResult::kError);
    REQUIRE(bytes.error == message);
}

Args split(std::string_view line) {
    std::vector<std::string> out;
    REQUIRE(split_inline_args(line, out));
    return out;
}

bool splits(std::string_view line) {
    std::vector<std::string> out;
    return split_inline_args(line, out);
}

}  // namespace

TEST_CASE("request parser: one multibulk command", "[request_parser]") {
    RequestParser parser;
    std::string_view input = "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\nrest";
    REQUIRE(parser.parse(input) == ParseResult::kCommand);
    REQUIRE(parser.command_size() == input.size() - 4);
    REQUIRE(Args(parser.args().begin(), parser.args().end()) == Args{"SET", "key", "value"});
}

TEST_CASE("request parser: one inline command", "[request_parser]") {
    RequestParser parser;
    REQUIRE(parser.parse("SET key \"a b\"\r\nGET") == ParseResult::kCommand);
    REQUIRE(parser.command_size() == 15);
    REQUIRE(Args(parser.args().begin(), parser.args().end()) == Args{"SET", "key", "a b"});

    REQUIRE(parser.parse("PING\nPING") == ParseResult::kCommand);  // a bare \n ends a line too
    REQUIRE(parser.command_size() == 5);
    REQUIRE(Args(parser.args().begin(), parser.args().end()) == Args{"PING"});
}

TEST_CASE("request parser: pipelined mixed stream at every split point", "[request_parser]") {
    const std::string stream =
        "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"
        "PING\r\n"
        "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"
        "ECHO \"hello world\"\n"
        "*2\r\n$4\r\nECHO\r\n$7\r\na\r\n\0b\n\r\r\n"s  // binary bulk with \r\n and \0
        "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"                 // empty bulk
        "*0\r\n"                                          // empty command
        "\r\n"                                            // blank inline lines
        "\n"
        "*-5\r\n"
        "  SET   'a b'  \"c\\x41\"\t\r\n"
        "*1\r\n$4\r\nPING\r\n";
    const std::vector<Args> expected = {
        {"SET", "key", "value"},
        {"PING"},
        {"GET", "key"},
        {"ECHO", "hello world"},
        {"ECHO", "a\r\n\0b\n\r"s},
        {"ECHO", ""},
        {},
        {},
        {},
        {},
        {"SET", "a b", "cA"},
        {"PING"},
    };
    check_every_split(stream, expected);
}

TEST_CASE("request parser: multibulk-only and inline-only streams at every split point", "[request_parser]") {
    check_every_split("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n", {{"PING"}, {"PING"}, {"PING"}});
    check_every_split("PING\r\nGET k\r\nSET k v\n", {{"PING"}, {"GET", "k"}, {"SET", "k", "v"}});
    check_every_split("*0\r\n*0\r\n\r\n\r\n\n", {{}, {}, {}, {}, {}});
}

TEST_CASE("request parser: large binary bulk split at every byte", "[request_parser]") {
    std::string value;
    for (int i = 0; i < 300; ++i) value.push_back(static_cast<char>(i % 256));
    std::string stream = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$300\r\n" + value + "\r\n*1\r\n$4\r\nPING\r\n";
    check_every_split(stream, {{"SET", "k", value}, {"PING"}});
}

TEST_CASE("request parser: empty commands like Redis", "[request_parser]") {
    for (std::string_view input : {"*0\r\n", "*-1\r\n", "*-5\r\n", "\r\n", "\n", "   \r\n", "\t\n"}) {
        CAPTURE(input);
        RequestParser parser;
        REQUIRE(parser.parse(input) == ParseResult::kCommand);
        REQUIRE(parser.args().empty());
        REQUIRE(parser.command_size() == input.size());
    }
}

TEST_CASE("request parser: bytes after a bulk are skipped unchecked, like Redis", "[request_parser]") {
    // Redis skips the two bytes after a bulk and the byte after a header's \r
    // without looking at them.
    Decoded d = feed_whole("*1\r\n$4\r\nPINGxx*1\rx$4\r\nPING\r\n");
    REQUIRE(d.last == ParseResult::kNeedMore);
    REQUIRE(d.commands == std::vector<Args>{{"PING"}, {"PING"}});
}

TEST_CASE("request parser: kNeedMore on every proper prefix of a command", "[request_parser]") {
    const std::string_view command = "*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\n";
    for (std::size_t n = 0; n < command.size(); ++n) {
        CAPTURE(n);
        RequestParser parser;
        REQUIRE(parser.parse(command.substr(0, n)) == ParseResult::kNeedMore);
        REQUIRE(parser.bytes_wanted() > n);
        REQUIRE(parser.bytes_wanted() <= command.size());
    }
}

TEST_CASE("request parser: invalid multibulk length", "[request_parser][errors]") {
    const char* message = "Protocol error: invalid multibulk length";
    check_error("*abc\r\n", message);
    check_error("*3000000000\r\n", message);
    check_error("*\r\n", message);
    check_error("*+1\r\n$4\r\nPING\r\n", message);
    check_error("*1 \r\n$4\r\nPING\r\n", message);
    // string2ll refuses leading zeros and "-0" (checked against Redis 7.0).
    check_error("*01\r\n$4\r\nPING\r\n", message);
    check_error("*-0\r\n", message);
}

TEST_CASE("request parser: invalid bulk length", "[request_parser][errors]") {
    const char* message = "Protocol error: invalid bulk length";
    check_error("*1\r\n$-5\r\n", message);
    check_error("*1\r\n$-1\r\n", message);
    check_error("*1\r\n$abc\r\n", message);
    check_error("*1\r\n$99999999999\r\n", message);
    check_error("*1\r\n$\r\n", message);
    check_error("*1\r\n$+4\r\nPING\r\n", message);
    check_error("*1\r\n$04\r\nPING\r\n", message);
    check_error("*1\r\n$-0\r\n\r\n", message);
    check_error("*2\r\n$3\r\nGET\r\n$1x\r\n", message);
}

// Header lines of plain digits up to 18 long are read in one pass; longer
// ones, signs and leading zeros go the careful way. Both must agree.
TEST_CASE("request parser: lengths either side of the one-pass reading", "[request_parser]") {
    const char* message = "Protocol error: invalid bulk length";
    check_error("*1\r\n$000000000000000004\r\nPING\r\n", message);   // 18 digits, leading zeros
    check_error("*1\r\n$0000000000000000004\r\nPING\r\n", message);  // 19
    check_error("*1\r\n$999999999999999999\r\n", message);             // 18 digits, over the limit
    check_error("*1\r\n$9223372036854775807\r\n", message);            // 19, the largest int64
    check_error("*1\r\n$99999999999999999999\r\n", message);           // 20, overflows
    check_error("*1\r\n$4\n\r\nPING\r\n", message);                     // no '\r' right after the digits
    const std::string ten(10, 'x');
    Decoded d = feed_whole("*1\r\n$0\r\n\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\n" + ten + "\r\n");
    REQUIRE(d.last == ParseResult::kNeedMore);
    REQUIRE(d.commands.size() == 2);
    CHECK(d.commands[0] == Args{""});
    CHECK(d.commands[1] == Args{"SET", "k", ten});
    Decoded b = feed_bytes("*1\r\n$0\r\n\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\n" + ten + "\r\n");
    CHECK(b.commands == d.commands);
}

// The connection's look-ahead stops at a command that is not all there and
// next time starts at a different command: it must reset the parser, whose
// partway state would otherwise be applied to the new input.
TEST_CASE("request parser: reset() forgets a command parsed partway", "[request_parser]") {
    RequestParser parser;
    REQUIRE(parser.parse("*2\r\n$3\r\nGET\r\n$5\r\nab") == ParseResult::kNeedMore);
    parser.reset();
    REQUIRE(parser.parse("*1\r\n$4\r\nPING\r\n") == ParseResult::kCommand);
    REQUIRE(parser.args().size() == 1);
    CHECK(parser.args()[0] == "PING");
    CHECK(parser.command_size() == 14);
}

TEST_CASE("request parser: expected '$'", "[request_parser][errors]") {
    check_error("*1\r\n+OK\r\n", "Protocol error: expected '$', got '+'");
    check_error("*2\r\n$3\r\nGET\r\n:1\r\n", "Protocol error: expected '$', got ':'");
    check_error("*1\r\nPING\r\n", "Protocol error: expected '$', got 'P'");
}

TEST_CASE("request parser: error after complete commands", "[request_parser][errors]") {
    Decoded d = feed_whole("PING\r\n*1\r\n$4\r\nPING\r\n*1\r\n+OK\r\n");
    REQUIRE(d.commands == std::vector<Args>{{"PING"}, {"PING"}});
    REQUIRE(d.last == ParseResult::kError);
    REQUIRE(d.error == "Protocol error: expected '$', got '+'");
}

TEST_CASE("request parser: unbalanced quotes", "[request_parser][errors]") {
    const char* message = "Protocol error: unbalanced quotes in request";
    check_error("ECHO \"abc\r\n", message);
    check_error("ECHO 'abc\r\n", message);
    check_error("ECHO \"a\"b\r\n", message);
    check_error("ECHO 'a'b\r\n", message);
    check_error("ECHO \"a\\\"\r\n", message);
}

TEST_CASE("request parser: too big inline request", "[request_parser][errors]") {
    const std::string line(65 * 1024, 'a');
    Decoded whole = feed_whole(line);
    REQUIRE(whole.last == ParseResult::kError);
    REQUIRE(whole.error == "Protocol error: too big inline request");

    // In 1 KiB pieces: still waiting at 64 KiB, fails past it.
    RequestParser parser;
    std::string buffer;
    for (std::size_t i = 0; i < 64; ++i) {
        buffer.append(line, i * 1024, 1024);
        REQUIRE(parser.parse(buffer) == ParseResult::kNeedMore);
    }
    buffer.push_back('a');
    REQUIRE(parser.parse(buffer) == ParseResult::kError);
    REQUIRE(parser.error() == "Protocol error: too big inline request");

    // A long line that does end is fine: the limit is for the unfinished line.
    Decoded ended = feed_whole("ECHO " + line + "\r\n");
    REQUIRE(ended.commands == std::vector<Args>{{"ECHO", line}});
}

TEST_CASE("request parser: too big count strings", "[request_parser][errors]") {
    const std::string digits(65 * 1024, '1');
    Decoded mbulk = feed_whole("*" + digits);
    REQUIRE(mbulk.last == ParseResult::kError);
    REQUIRE(mbulk.error == "Protocol error: too big mbulk count string");

    Decoded bulk = feed_whole("*1\r\n$" + digits);
    REQUIRE(bulk.last == ParseResult::kError);
    REQUIRE(bulk.error == "Protocol error: too big bulk count string");

    // Like Redis, a header line whose \r has arrived waits for its \n, and
    // is then refused as a bad number.
    RequestParser parser;
    std::string buffer = "*" + digits + "\r";
    REQUIRE(parser.parse(buffer) == ParseResult::kNeedMore);
    buffer.push_back('\n');
    REQUIRE(parser.parse(buffer) == ParseResult::kError);
    REQUIRE(parser.error() == "Protocol error: invalid multibulk length");
}

TEST_CASE("request parser: small limits", "[request_parser][limits]") {
    ParserLimits limits;
    limits.max_bulk_len = 10;
    limits.max_multibulk_len = 3;
    limits.max_inline_len = 16;

    Decoded ok = feed_whole("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\n0123456789\r\n", limits);
    REQUIRE(ok.commands == std::vector<Args>{{"SET", "k", "0123456789"}});

    check_error("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$11\r\n", "Protocol error: invalid bulk length", limits);
    check_error("*4\r\n", "Protocol error: invalid multibulk length", limits);
    check_error(std::string(17, 'x'), "Protocol error: too big inline request", limits);
    check_error("*" + std::string(16, '1'), "Protocol error: too big mbulk count string", limits);
    check_error("*1\r\n$" + std::string(16, '1'), "Protocol error: too big bulk count string", limits);

    Decoded exactly = feed_whole(std::string(16, 'x'), limits);
    REQUIRE(exactly.last == ParseResult::kNeedMore);

    // set_limits applies to the next parse.
    RequestParser parser;
    REQUIRE(parser.parse("*1\r\n$11\r\nhello world\r\n") == ParseResult::kCommand);
    parser.set_limits(limits);
    REQUIRE(parser.parse("*1\r\n$11\r\nhello world\r\n") == ParseResult::kError);
    REQUIRE(parser.error() == "Protocol error: invalid bulk length");
}

TEST_CASE("request parser: bytes_wanted for a large bulk", "[request_parser]") {
    RequestParser parser;
    std::string buffer = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000000\r\n";
    const std::size_t headers = buffer.size();
    REQUIRE(parser.parse(buffer) == ParseResult::kNeedMore);
    REQUIRE(parser.bytes_wanted() == headers + 1000000 + 2);

    buffer.append(600000, 'v');
    REQUIRE(parser.parse(buffer) == ParseResult::kNeedMore);
    REQUIRE(parser.bytes_wanted() == headers + 1000000 + 2);

    buffer.append(400000, 'v');
    buffer.append("\r");
    REQUIRE(parser.parse(buffer) == ParseResult::kNeedMore);
    buffer.append("\n");
    REQUIRE(parser.parse(buffer) == ParseResult::kCommand);
    REQUIRE(parser.command_size() == buffer.size());
    REQUIRE(parser.args().size() == 3);
    REQUIRE(parser.args()[2].size() == 1000000);
}

TEST_CASE("request parser: bytes_wanted while headers arrive", "[request_parser]") {
    RequestParser parser;
    REQUIRE(parser.parse("") == ParseResult::kNeedMore);
    REQUIRE(parser.bytes_wanted() == 1);
    REQUIRE(parser.parse("*2") == ParseResult::kNeedMore);
    REQUIRE(parser.bytes_wanted() == 3);
    REQUIRE(parser.parse("*2\r\n") == ParseResult::kNeedMore);
    REQUIRE(parser.bytes_wanted() == 5);
    REQUIRE(parser.parse("*2\r\n$3\r\n") == ParseResult::kNeedMore);
    REQUIRE(parser.bytes_wanted() == 8 + 3 + 2);
}

TEST_CASE("request parser: reusable after an error", "[request_parser]") {
    RequestParser parser;
    REQUIRE(parser.parse("*2\r\n$4\r\nECHO\r\n") == ParseResult::kNeedMore);
    REQUIRE(parser.parse("*2\r\n$4\r\nECHO\r\n$x\r\n") == ParseResult::kError);
    REQUIRE(parser.parse("*1\r\n$4\r\nPING\r\n") == ParseResult::kCommand);
    REQUIRE(parser.args().size() == 1);
    REQUIRE(parser.args()[0] == "PING");
}

TEST_CASE("split_inline_args: plain words and whitespace", "[split_inline_args]") {
    REQUIRE(split("SET key value") == Args{"SET", "key", "value"});
    REQUIRE(split("  SET\t key  \t value  ") == Args{"SET", "key", "value"});
    REQUIRE(split("").empty());
    REQUIRE(split(" \t\r\n\v\f ").empty());
    // Inside an unquoted word only space, \t, \r and \n separate (sdssplitargs).
    REQUIRE(split("a\vb c\fd") == Args{"a\vb", "c\fd"});
    REQUIRE(split("\va\v") == Args{"a\v"});
}

TEST_CASE("split_inline_args: double quotes and escapes", "[split_inline_args]") {
    REQUIRE(split("SET k \"hello world\"") == Args{"SET", "k", "hello world"});
    REQUIRE(split("\"\"") == Args{""});
    REQUIRE(split("SET k \"\"") == Args{"SET", "k", ""});
    REQUIRE(split(R"("\x41\x4a\x6b")") == Args{"AJk"});
    REQUIRE(split(R"("\x00")") == Args{"\0"s});
    REQUIRE(split(R"("\xff")") == Args{"\xff"});
    REQUIRE(split(R"("\x4g")") == Args{"x4g"});  // not two hex digits: \x is just x
    REQUIRE(split(R"("\n\r\t\b\a")") == Args{"\n\r\t\b\a"});
    REQUIRE(split(R"("say \"hi\"")") == Args{"say \"hi\""});
    REQUIRE(split(R"("back\\slash")") == Args{"back\\slash"});
    REQUIRE(split(R"("\q")") == Args{"q"});
    REQUIRE(split("foo\"bar baz\"") == Args{"foobar baz"});  // a quote may open mid-word
    REQUIRE(split("\"a\"\t\"b\"") == Args{"a", "b"});
    REQUIRE(split("\"a\"\vb") == Args{"a", "b"});  // any isspace() may follow a closing quote
}

TEST_CASE("split_inline_args: single quotes", "[split_inline_args]") {
    REQUIRE(split(R"('it\'s')") == Args{"it's"});
    REQUIRE(split(R"('a\nb')") == Args{"a\\nb"});  // no escapes but \'
    REQUIRE(split(R"('say "hi"')") == Args{"say \"hi\""});
    REQUIRE(split("'' x") == Args{"", "x"});
}

TEST_CASE("split_inline_args: errors", "[split_inline_args]") {
    REQUIRE_FALSE(splits("\"abc"));
    REQUIRE_FALSE(splits("'abc"));
    REQUIRE_FALSE(splits("\"a\"b"));  // closing quote followed by a non-space
    REQUIRE_FALSE(splits("'a'b"));
    REQUIRE_FALSE(splits("\"a\"\""));
    REQUIRE_FALSE(splits(R"("abc\")"));  // the escaped quote does not close
    REQUIRE_FALSE(splits(R"('abc\')"));
    REQUIRE_FALSE(splits("\""));
}

TEST_CASE("request parser: a pending bulk read elsewhere and attached", "[request_parser]") {
    const std::string value(1000, 'v');
    const std::string head = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1000\r\n";
    RequestParser parser;

    // Nothing pending before the bulk's header is read, or once it is complete.
    CHECK(parser.parse("*3\r\n$3\r\nSET\r\n") == ParseResult::kNeedMore);
    CHECK_FALSE(parser.pending_bulk());

    std::string input = head + value.substr(0, 100);
    REQUIRE(parser.parse(input) == ParseResult::kNeedMore);
    const auto pending = parser.pending_bulk();
    REQUIRE(pending);
    CHECK(pending->offset == head.size());
    CHECK(pending->length == value.size());

    // The reader moves the bytes out of the input, reads the rest itself and
    // attaches them; the input goes on with the "\r\n" and the next command.
    input.resize(head.size());
    parser.attach_bulk(value);
    CHECK_FALSE(parser.pending_bulk());
    CHECK(parser.parse(input + "\r") == ParseResult::kNeedMore);
    input += "\r\n*1\r\n$4\r\nPING\r\n";
    REQUIRE(parser.parse(input) == ParseResult::kCommand);
    CHECK(Args(parser.args().begin(), parser.args().end()) == Args{"SET", "k", value});
    CHECK(parser.args()[2].data() == value.data());  // the attached bytes, not a copy
    CHECK(parser.command_size() == head.size() + 2);

    // Parsed again (the connection retries a command after a tier read),
    // the command still has the attached bytes, until they are detached.
    REQUIRE(parser.parse(input) == ParseResult::kCommand);
    CHECK(parser.args()[2].data() == value.data());
    parser.detach_bulk();
    const std::string rest = input.substr(parser.command_size());  // the views point into it
    REQUIRE(parser.parse(rest) == ParseResult::kCommand);
    CHECK(Args(parser.args().begin(), parser.args().end()) == Args{"PING"});
}
