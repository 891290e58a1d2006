// ACL rules, their descriptions (Redis 7.0's ACL LIST text) and the checks.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "server/acl.h"
#include "server/command_docs.h"
#include "server/command_table.h"

using namespace tierkv::server;

namespace {

const CommandTable& table() {
    static const CommandTable t = CommandTable::build();
    return t;
}

std::vector<std::string_view> words(std::string_view line) {
    std::vector<std::string_view> out;
    for (std::size_t i = 0; i < line.size();) {
        const std::size_t end = std::min(line.find(' ', i), line.size());
        if (end > i) out.push_back(line.substr(i, end - i));
        i = end + 1;
    }
    return out;
}

// The ACL LIST line after `rules`, or the error.
std::string list_line(Acl& acl, std::string_view name, std::string_view rules) {
    const std::vector<std::string_view> r = words(rules);
    if (auto err = acl.set_user(name, r)) return *err;
    return describe_user(*acl.find(name), acl.index());
}

AclDenial check(const Acl& acl, std::string_view user, std::string_view command_line) {
    const std::vector<std::string_view> args = words(command_line);
    const CommandSpec* spec = find_command(table(), args[0]);
    if (spec && !spec->subcommands.empty() && args.size() > 1) spec = table().find_subcommand(*spec, args[1]);
    REQUIRE(spec != nullptr);
    return check_permissions(*acl.find(user), *spec, args);
}

}  // namespace

TEST_CASE("SHA-256 of a password is hex as Redis shows it") {
    CHECK(to_hex(sha256("secret")) == "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b");
    CHECK(to_hex(sha256("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("the default user mirrors requirepass") {
    Acl acl(table());
    CHECK(describe_user(*acl.default_user(), acl.index()) == "user default on nopass ~* &* +@all");
    CHECK_FALSE(acl.default_requires_auth());
    CHECK(acl.default_user()->unrestricted);
    acl.set_default_password("pw");
    CHECK(acl.default_requires_auth());
    CHECK(describe_user(*acl.default_user(), acl.index()) ==
          std::string("user default on #").append(to_hex(sha256("pw"))).append(" ~* &* +@all"));
    CHECK(acl.authenticate("default", "pw") != nullptr);
    CHECK(acl.authenticate("default", "other") == nullptr);
    acl.set_default_password("");
    CHECK(acl.authenticate("default", "anything") != nullptr);
}

TEST_CASE("ACL LIST lines match Redis 7.0's") {
    Acl acl(table());
    CHECK(list_line(acl, "bob", "") == "user bob off resetchannels -@all");
    CHECK(list_line(acl, "alice", "on >secret ~cache:* +@read &chan*") ==
          "user alice on #2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b ~cache:* resetchannels "
          "&chan* -@all +@read");
    CHECK(list_line(acl, "erin", "on nopass %R~r:* %W~w:* +@all") ==
          "user erin on nopass %R~r:* %W~w:* resetchannels +@all");
    // Same pattern twice merges its rights; passwords are not repeated.
    CHECK(list_line(acl, "z", "on >a >b >a <b %W~r %R~r skip-sanitize-payload") ==
          std::string("user z on skip-sanitize-payload #").append(to_hex(sha256("a"))).append(" ~r resetchannels -@all"));
    CHECK(list_line(acl, "z2", "on +@all -@dangerous +@hash -get") ==
          "user z2 on resetchannels +@all -@dangerous -get");
    CHECK(list_line(acl, "z2", "reset") == "user z2 off sanitize-payload resetchannels -@all");
    CHECK(list_line(acl, "c", "on nopass +client -client|kill") == "user c on nopass resetchannels -@all +client -client|kill");
    CHECK(list_line(acl, "d", "allkeys allchannels allcommands nocommands +get") == "user d off ~* &* -@all +get");
}

TEST_CASE("bad ACL rules give Redis's errors and change nothing") {
    Acl acl(table());
    REQUIRE_FALSE(acl.set_user("alice", words("on >secret")).has_value());
    const std::string before = describe_user(*acl.find("alice"), acl.index());
    CHECK(list_line(acl, "alice", "+get badrule") == "ERR Error in ACL SETUSER modifier 'badrule': Syntax error");
    CHECK(list_line(acl, "alice", "+nosuch") ==
          "ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL");
    CHECK(list_line(acl, "alice", "+@nosuch") ==
          "ERR Error in ACL SETUSER modifier '+@nosuch': Unknown command or category name in ACL");
    CHECK(list_line(acl, "alice", "+client|nosuch") ==
          "ERR Error in ACL SETUSER modifier '+client|nosuch': Unknown command or category name in ACL");
    CHECK(list_line(acl, "alice", "#abc").find("The password hash must be exactly 64 characters") !=
          std::string::npos);
    CHECK(list_line(acl, "alice", "<nope") ==
          "ERR Error in ACL SETUSER modifier '<nope': The password you are trying to remove from the user does "
          "not exist");
    CHECK(list_line(acl, "alice", "allkeys ~a").find("Adding a pattern after the * pattern") != std::string::npos);
    CHECK(list_line(acl, "alice", "%X~a") == "ERR Error in ACL SETUSER modifier '%X~a': Syntax error");
    CHECK(list_line(acl, "alice", "%~a") == "ERR Error in ACL SETUSER modifier '%~a': Syntax error");
    CHECK(list_line(acl, "a b", "on") == "ERR Usernames can't contain spaces or null characters");
    CHECK(describe_user(*acl.find("alice"), acl.index()) == before);
    CHECK(acl.find("a b") == nullptr);
}

TEST_CASE("authentication needs an enabled user and one of its passwords") {
    Acl acl(table());
    REQUIRE_FALSE(acl.set_user("alice", words("on >one >two")).has_value());
    REQUIRE_FALSE(acl.set_user("off", words("off >pw")).has_value());
    REQUIRE_FALSE(acl.set_user("open", words("on nopass")).has_value());
    CHECK(acl.authenticate("alice", "one") != nullptr);
    CHECK(acl.authenticate("alice", "two") != nullptr);
    CHECK(acl.authenticate("alice", "three") == nullptr);
    CHECK(acl.authenticate("off", "pw") == nullptr);
    CHECK(acl.authenticate("open", "whatever") != nullptr);
    CHECK(acl.authenticate("nobody", "") == nullptr);
    REQUIRE_FALSE(acl.set_user("alice", words(std::string("#").append(to_hex(sha256("three"))))).has_value());
    CHECK(acl.authenticate("alice", "three") != nullptr);
    REQUIRE_FALSE(acl.set_user("alice", words("resetpass")).has_value());
    CHECK(acl.authenticate("alice", "one") == nullptr);
}

TEST_CASE("commands are checked by name, subcommand and category") {
    Acl acl(table());
    REQUIRE_FALSE(acl.set_user("r", words("on nopass allkeys +@read +client|id -strlen")).has_value());
    CHECK(check(acl, "r", "get k") == AclDenial::kNone);
    CHECK(check(acl, "r", "strlen k") == AclDenial::kCommand);
    CHECK(check(acl, "r", "set k v") == AclDenial::kCommand);
    CHECK(check(acl, "r", "client id") == AclDenial::kNone);
    CHECK(check(acl, "r", "client list") == AclDenial::kCommand);
    CHECK(check(acl, "r", "auth x") == AclDenial::kNone);  // no-auth commands are always allowed
    CHECK(denial_error(AclDenial::kCommand, *find_command(table(), "client|list")) ==
          "NOPERM this user has no permissions to run the 'client|list' command");

    REQUIRE_FALSE(acl.set_user("w", words("on nopass allkeys +@all -@dangerous")).has_value());
    CHECK_FALSE(acl.find("w")->unrestricted);
    CHECK(check(acl, "w", "set k v") == AclDenial::kNone);
    CHECK(check(acl, "w", "flushall") == AclDenial::kCommand);
    CHECK(check(acl, "w", "config get maxmemory") == AclDenial::kCommand);
}

TEST_CASE("keys are checked against the patterns with read and write rights") {
    Acl acl(table());
    REQUIRE_FALSE(acl.set_user("k", words("on nopass +@all ~cache:* %R~ro:* %W~wo:*")).has_value());
    CHECK(check(acl, "k", "get cache:1") == AclDenial::kNone);
    CHECK(check(acl, "k", "get other") == AclDenial::kKey);
    CHECK(check(acl, "k", "mget cache:1 other") == AclDenial::kKey);
    CHECK(check(acl, "k", "get ro:1") == AclDenial::kNone);
    CHECK(check(acl, "k", "set ro:1 v") == AclDenial::kKey);
    CHECK(check(acl, "k", "set wo:1 v") == AclDenial::kNone);
    CHECK(check(acl, "k", "get wo:1") == AclDenial::kKey);
    CHECK(check(acl, "k", "sintercard 2 cache:a other") == AclDenial::kKey);
    CHECK(check(acl, "k", "ping") == AclDenial::kNone);
    std::string_view denied;
    const std::vector<std::string_view> args{"mget", "cache:1", "secret"};
    CHECK(check_permissions(*acl.find("k"), *find_command(table(), "mget"), args, &denied) == AclDenial::kKey);
    CHECK(denied == "secret");
}

TEST_CASE("channels are checked for PUBLISH, SUBSCRIBE and PSUBSCRIBE") {
    Acl acl(table());
    REQUIRE_FALSE(acl.set_user("p", words("on nopass +@all allkeys &news.* &exact")).has_value());
    CHECK(check(acl, "p", "publish news.1 x") == AclDenial::kNone);
    CHECK(check(acl, "p", "publish other x") == AclDenial::kChannel);
    CHECK(check(acl, "p", "subscribe news.a exact") == AclDenial::kNone);
    CHECK(check(acl, "p", "subscribe news.a other") == AclDenial::kChannel);
    // A pattern subscription must name an allowed pattern exactly.
    CHECK(check(acl, "p", "psubscribe news.*") == AclDenial::kNone);
    CHECK(check(acl, "p", "psubscribe news.a*") == AclDenial::kChannel);
    CHECK(check(acl, "p", "unsubscribe other") == AclDenial::kNone);
}

TEST_CASE("a change bumps the version and deleting forgets the user") {
    Acl acl(table());
    const std::uint64_t v = acl.version();
    REQUIRE_FALSE(acl.set_user("a", words("on")).has_value());
    CHECK(acl.version() > v);
    const std::uint64_t v2 = acl.version();
    CHECK(acl.set_user("a", words("bad")).has_value());
    CHECK(acl.version() == v2);  // a failed SETUSER changes nothing
    CHECK(acl.delete_user("a"));
    CHECK_FALSE(acl.delete_user("a"));
    CHECK(acl.version() > v2);
    CHECK(acl.find("a") == nullptr);
    REQUIRE_FALSE(acl.set_user_line("cfg on >pw ~x:* +get").has_value());
    CHECK(acl.authenticate("cfg", "pw") != nullptr);
    CHECK(acl.set_user_line("cfg +nosuch").has_value());
}

TEST_CASE("rename-command renames or disables a command") {
    CommandTable t = CommandTable::build();
    REQUIRE_FALSE(t.rename("CONFIG", "CONFIG_b84f").has_value());
    REQUIRE_FALSE(t.rename("flushall", "").has_value());
    CHECK(t.find("config") == nullptr);
    const CommandSpec* renamed = t.find("config_B84F");
    REQUIRE(renamed != nullptr);
    CHECK(renamed->name == "config");
    CHECK(renamed->public_name() == "config_b84f");
    CHECK(t.find_subcommand(*renamed, "get")->public_name() == "config_b84f|get");
    CHECK(t.find("flushall") == nullptr);
    CHECK(t.rename("nosuch", "x").has_value());
    CHECK(t.rename("get", "set").has_value());  // taken
    CHECK(t.rename("get", "a|b").has_value());
}
