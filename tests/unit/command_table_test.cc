#include <catch2/catch.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "server/command_index.h"
#include "server/command_table.h"

using tierkv::server::CommandTable;

TEST_CASE("command lookup ignores the case of the name and nothing else", "[command_table]") {
    const CommandTable table = CommandTable::build();
    const auto* get = table.find("get");
    REQUIRE(get != nullptr);
    CHECK(get->name == "get");
    CHECK(table.find("GET") == get);
    CHECK(table.find("gEt") == get);
    CHECK(table.find("set") != get);
    CHECK(table.find("ge") == nullptr);
    CHECK(table.find("gett") == nullptr);
    CHECK(table.find("") == nullptr);
    CHECK(table.find(std::string(100, 'g')) == nullptr);
    CHECK(table.find("g\x05t") == nullptr);
    CHECK(table.find(std::string("get\0", 4)) == nullptr);
}

TEST_CASE("a renamed command answers to its new name in any case", "[command_table]") {
    CommandTable table = CommandTable::build();
    REQUIRE_FALSE(table.rename("FLUSHALL", "Wipe").has_value());
    CHECK(table.find("flushall") == nullptr);
    REQUIRE(table.find("WIPE") != nullptr);
    CHECK(table.find("wipe") == table.find("WiPe"));
    CHECK(table.rename("get", "SET").value() == "the name 'set' is taken");
    CHECK(table.rename("nosuch", "x").value() == "no such command");
}

TEST_CASE("the command index finds every name it holds, in any case, through collisions and erasures", "[command_table]") {
    using tierkv::server::CommandIndex;
    CHECK(CommandIndex::hash("ZRANGEBYSCORE") == CommandIndex::hash("zrangebyscore"));
    CHECK(CommandIndex::same_name("Client", "cLIENT"));
    CHECK_FALSE(CommandIndex::same_name("client", "clients"));
    CHECK_FALSE(CommandIndex::same_name("[", "{"));  // '[' + 0x20 is '{': only letters fold

    CommandIndex index;
    CHECK_FALSE(index.find("get").has_value());  // empty
    // Enough names to grow the array several times and to make probe runs.
    for (std::uint32_t i = 0; i < 1000; ++i) index.insert("cmd" + std::to_string(i), i);
    REQUIRE(index.size() == 1000);
    for (std::uint32_t i = 0; i < 1000; ++i) {
        const auto found = index.find("CMD" + std::to_string(i));
        REQUIRE(found.has_value());
        CHECK(*found == i);
    }
    CHECK_FALSE(index.find("cmd1000").has_value());
    CHECK_FALSE(index.find("cmd").has_value());

    for (std::uint32_t i = 0; i < 1000; i += 2) REQUIRE(index.erase("Cmd" + std::to_string(i)));
    CHECK_FALSE(index.erase("cmd0"));
    CHECK(index.size() == 500);
    for (std::uint32_t i = 0; i < 1000; ++i) {
        const auto found = index.find("cmd" + std::to_string(i));
        CHECK(found.has_value() == (i % 2 == 1));
        if (found) CHECK(*found == i);
    }
    index.insert("CMD0", 7);
    CHECK(index.find("cmd0").value() == 7);

    // Names are at most kMaxName long: a longer one is refused, not lost.
    const std::string longest(CommandIndex::kMaxName, 'z');
    index.insert(longest, 9);
    CHECK(index.find(longest).value() == 9);
    CHECK_THROWS_AS(index.insert(longest + "z", 10), std::length_error);
    CHECK_FALSE(index.find(longest + "z").has_value());
}
