// The syntax-string parser behind COMMAND DOCS, and the ACL categories
// COMMAND INFO derives from a command's flags and group.
#include <catch2/catch.hpp>

#include "server/command_docs.h"

using tierkv::server::acl_categories;
using tierkv::server::CommandSpec;
using tierkv::server::DocArgument;
using tierkv::server::parse_syntax;

namespace {

std::vector<std::string> names(const std::vector<DocArgument>& args) {
    std::vector<std::string> out;
    for (const auto& a : args) out.push_back(a.name);
    return out;
}

}  // namespace

TEST_CASE("values, tokens, optional groups and alternatives") {
    const auto args = parse_syntax(
        "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | "
        "PXAT unix-time-milliseconds | KEEPTTL]");
    REQUIRE(args.size() == 5);
    CHECK(args[0].name == "key");
    CHECK(args[0].type == "key");
    CHECK(args[1].type == "string");
    CHECK_FALSE(args[1].optional);

    CHECK(args[2].type == "oneof");
    CHECK(args[2].optional);
    REQUIRE(args[2].arguments.size() == 2);
    CHECK(args[2].arguments[0].type == "pure-token");
    CHECK(args[2].arguments[0].token == "NX");
    CHECK(args[2].arguments[0].name == "nx");

    CHECK(args[3].type == "pure-token");
    CHECK(args[3].token == "GET");
    CHECK(args[3].optional);

    const auto& expiry = args[4].arguments;
    REQUIRE(expiry.size() == 5);
    CHECK(expiry[0].name == "seconds");
    CHECK(expiry[0].type == "integer");
    CHECK(expiry[0].token == "EX");
    CHECK(expiry[2].type == "unix-time");
    CHECK(expiry[4].type == "pure-token");
}

TEST_CASE("repetition marks the repeated argument multiple") {
    auto args = parse_syntax("key [key ...]");
    REQUIRE(args.size() == 1);
    CHECK(args[0].multiple);
    CHECK_FALSE(args[0].optional);

    args = parse_syntax("key value [key value ...]");
    REQUIRE(args.size() == 1);
    CHECK(args[0].type == "block");
    CHECK(args[0].name == "key_value");
    CHECK(args[0].multiple);
    CHECK(names(args[0].arguments) == std::vector<std::string>{"key", "value"});

    args = parse_syntax("[section [section ...]]");
    REQUIRE(args.size() == 1);
    CHECK(args[0].optional);
    CHECK(args[0].multiple);

    args = parse_syntax("[ID client-id [client-id ...]]");
    REQUIRE(args.size() == 1);
    CHECK(args[0].token == "ID");
    CHECK(args[0].type == "integer");
    CHECK(args[0].optional);
    CHECK(args[0].multiple);
    CHECK_FALSE(args[0].multiple_token);

    args = parse_syntax("[GET pattern [GET pattern ...]]");
    REQUIRE(args.size() == 1);
    CHECK(args[0].multiple_token);

    args = parse_syntax("numkeys key ...");
    CHECK(args[1].multiple);
}

TEST_CASE("tokens with several values or a required group") {
    auto args = parse_syntax("[LIMIT offset count]");
    REQUIRE(args.size() == 1);
    CHECK(args[0].type == "block");
    CHECK(args[0].token == "LIMIT");
    CHECK(names(args[0].arguments) == std::vector<std::string>{"offset", "count"});

    args = parse_syntax("[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]");
    REQUIRE(args.size() == 1);
    CHECK(args[0].type == "oneof");
    CHECK(args[0].token == "FILTERBY");
    CHECK(args[0].optional);
    REQUIRE(args[0].arguments.size() == 3);
    CHECK(args[0].arguments[2].type == "pattern");
    CHECK(args[0].arguments[2].token == "PATTERN");
}

TEST_CASE("top-level alternatives, empty and malformed syntax") {
    auto args = parse_syntax("ON | OFF");
    REQUIRE(args.size() == 1);
    CHECK(args[0].type == "oneof");
    CHECK_FALSE(args[0].optional);

    CHECK(parse_syntax("").empty());
    CHECK(parse_syntax("   ").empty());
    // Unbalanced brackets are tolerated, never thrown on.
    CHECK_NOTHROW(parse_syntax("key ] value [NX"));
    CHECK_NOTHROW(parse_syntax("[[[ | ... ]"));
    CHECK(names(parse_syntax("key ] value")) == std::vector<std::string>{"key", "value"});
}

TEST_CASE("ACL categories follow flags and group in Redis's order") {
    using namespace tierkv::server;
    CommandSpec get{.name = "get", .flags = kReadOnly | kFast, .group = "string"};
    CHECK(acl_categories(get) == std::vector<std::string_view>{"@read", "@string", "@fast"});

    CommandSpec kill{.name = "client|kill", .flags = kAdmin, .group = "connection"};
    CHECK(acl_categories(kill) == std::vector<std::string_view>{"@admin", "@slow", "@dangerous", "@connection"});

    CommandSpec flush{.name = "flushdb", .flags = kWrite, .group = "server",
                      .extra_acl_categories = "@keyspace @dangerous"};
    CHECK(acl_categories(flush) == std::vector<std::string_view>{"@keyspace", "@write", "@slow", "@dangerous"});
}
