// append_command: exact multibulk bytes, and a round trip through
// RequestParser.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "protocol/request_parser.h"
#include "protocol/request_writer.h"
#include "protocol/splice.h"

using tierkv::protocol::append_command;
using tierkv::protocol::ParseResult;
using tierkv::protocol::RequestParser;
using namespace std::string_literals;  // "..."s keeps embedded \0 bytes

TEST_CASE("request writer: multibulk bytes", "[request_writer]") {
    std::string out;
    append_command(out, {"SET", "key", "value"});
    CHECK(out == "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n");

    out.clear();
    append_command(out, {"ECHO", ""});
    CHECK(out == "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n");

    out.clear();
    append_command(out, std::initializer_list<std::string_view>{});
    CHECK(out == "*0\r\n");
}

TEST_CASE("request writer: appends, from strings and views", "[request_writer]") {
    const std::vector<std::string> strings = {"GET", std::string("a\0b", 3)};
    const std::vector<std::string_view> views = {"PING"};
    std::string out = "prefix";
    append_command(out, strings);
    append_command(out, views);
    CHECK(out == "prefix*2\r\n$3\r\nGET\r\n$3\r\na\0b\r\n*1\r\n$4\r\nPING\r\n"s);
}

TEST_CASE("request writer: round trip through RequestParser", "[request_writer]") {
    std::string value(70000, 'x');
    value[10] = '\r';
    value[11] = '\n';
    value[12] = '\0';
    const std::vector<std::string> command = {"SET", "k", value, "", "\r\n"};
    std::string out;
    append_command(out, command);
    RequestParser parser;
    REQUIRE(parser.parse(out) == ParseResult::kCommand);
    CHECK(parser.command_size() == out.size());
    CHECK(std::vector<std::string>(parser.args().begin(), parser.args().end()) == command);
}

TEST_CASE("request writer: a command head plus its last argument is the whole command", "[request_writer]") {
    const std::string value(100000, 'v');
    const std::vector<std::string_view> args = {"SET", "key", value};
    std::string whole;
    append_command(whole, args);
    std::string head;
    tierkv::protocol::append_command_head(head, args);
    CHECK(head == "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$100000\r\n");
    CHECK(head + value + "\r\n" == whole);
}

TEST_CASE("splice: pieces of bytes with buffers spliced in at offsets", "[request_writer]") {
    struct Splice {
        std::size_t offset;
        std::string_view bytes;
    };
    const std::string bytes = "$3\r\n\r\n$2\r\n\r\n";
    const std::vector<Splice> splices = {{4, "abc"}, {10, "de"}};
    std::vector<std::string> pieces;
    tierkv::protocol::for_each_piece(bytes, splices, [&](std::string_view p) { pieces.emplace_back(p); });
    CHECK(pieces == std::vector<std::string>{"$3\r\n", "abc", "\r\n$2\r\n", "de", "\r\n"});

    pieces.clear();
    tierkv::protocol::for_each_piece(bytes, std::vector<Splice>{}, [&](std::string_view p) { pieces.emplace_back(p); });
    CHECK(pieces == std::vector<std::string>{bytes});
}
