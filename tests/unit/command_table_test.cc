#include <catch2/catch.hpp>

#include <string>

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

TEST_CASE("names differing only in case hash alike", "[command_table]") {
    const tierkv::server::CommandNameHash hash;
    CHECK(hash("ZRANGEBYSCORE") == hash("zrangebyscore"));
    CHECK(hash("get") != hash("set"));
    const tierkv::server::CommandNameEqual equal;
    CHECK(equal("Client", "cLIENT"));
    CHECK_FALSE(equal("client", "clients"));
    CHECK_FALSE(equal("[", "{"));  // '[' + 0x20 is '{': not letters, no folding
}
