// The configuration table, the TOML loader and config.example.toml agree.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <unistd.h>

#include "server/config.h"

using namespace tierkv::server;

namespace {

std::string example_path() { return std::string(TIERKV_SOURCE_DIR) + "/config.example.toml"; }

std::string write_temp(const std::string& text) {
    static int counter = 0;
    std::string path = "/tmp/tierkv-config-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".toml";
    std::ofstream(path) << text;
    return path;
}

}  // namespace

TEST_CASE("config.example.toml documents every setting with its default") {
    std::ifstream in(example_path());
    REQUIRE(in.good());
    std::stringstream text;
    text << in.rdbuf();
    const Config defaults;
    for (const ConfigParam& p : config_params()) {
        INFO("setting " << p.name);
        std::string line_start = "\n";  // built in steps: GCC 12 warns falsely (-Wrestrict) on "\n" + string
        line_start.append(p.name).append(" = ");
        CHECK(text.str().find(line_start) != std::string::npos);
    }
    Config loaded;
    loaded.port = 1;  // proves the file sets it back
    REQUIRE_FALSE(load_config_file(example_path(), loaded).has_value());
    for (const ConfigParam& p : config_params()) {
        INFO("setting " << p.name);
        CHECK(p.get(loaded) == p.get(defaults));
    }
}

TEST_CASE("unknown settings and bad values are errors that name the problem") {
    Config c;
    auto err = load_config_file(write_temp("prot = 1\n"), c);
    REQUIRE(err.has_value());
    CHECK(err->message.find("unknown setting 'prot'") != std::string::npos);

    err = load_config_file(write_temp("port = 70000\n"), c);
    REQUIRE(err.has_value());
    CHECK(err->message.find("'port'") != std::string::npos);

    err = load_config_file(write_temp("port = [1, 2]\n"), c);
    REQUIRE(err.has_value());

    err = load_config_file(write_temp("port = \n"), c);
    REQUIRE(err.has_value());  // TOML syntax error, with line and column
}

TEST_CASE("memory sizes accept Redis units") {
    CHECK(parse_memory_size("100") == 100);
    CHECK(parse_memory_size("1kb") == 1024);
    CHECK(parse_memory_size("1k") == 1000);
    CHECK(parse_memory_size("64MB") == 64ll * 1024 * 1024);
    CHECK(parse_memory_size("1gb") == 1024ll * 1024 * 1024);
    CHECK_FALSE(parse_memory_size("-1").has_value());
    CHECK_FALSE(parse_memory_size("12xb").has_value());
    CHECK_FALSE(parse_memory_size("").has_value());
    CHECK_FALSE(parse_memory_size("99999999999999999gb").has_value());
}

TEST_CASE("setting values are validated") {
    Config c;
    CHECK(find_config_param("maxclients")->set(c, "0").has_value());
    CHECK_FALSE(find_config_param("maxclients")->set(c, "50").has_value());
    CHECK(c.maxclients == 50);
    CHECK(find_config_param("log-level")->set(c, "loud").has_value());
    CHECK_FALSE(find_config_param("LOG-LEVEL")->set(c, "DEBUG").has_value());
    CHECK(c.log_level == "debug");
    CHECK(find_config_param("save")->set(c, "900 1").has_value());
    CHECK(find_config_param("nope") == nullptr);
}

TEST_CASE("yes/no settings: protected-mode, daemonize") {
    Config c;
    CHECK(c.protected_mode);
    CHECK_FALSE(c.daemonize);
    CHECK(find_config_param("protected-mode")->get(c) == "yes");
    CHECK_FALSE(find_config_param("protected-mode")->set(c, "NO").has_value());
    CHECK_FALSE(c.protected_mode);
    CHECK(find_config_param("protected-mode")->runtime_settable);
    CHECK(*find_config_param("daemonize")->set(c, "maybe") == "argument must be 'yes' or 'no'");
    CHECK_FALSE(find_config_param("daemonize")->runtime_settable);
    CHECK_FALSE(find_config_param("pidfile")->runtime_settable);
    // TOML booleans are accepted too.
    Config loaded;
    REQUIRE_FALSE(load_config_file(write_temp("daemonize = true\nprotected-mode = false\n"), loaded).has_value());
    CHECK(loaded.daemonize);
    CHECK_FALSE(loaded.protected_mode);
}
