// The dispatcher with a RocksDB tier: a command never reads the disk on the
// event loop unless told it may; it reports the key instead, untouched.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "server/acl.h"
#include "server/client_session.h"
#include "server/config.h"
#include "server/dispatcher.h"
#include "server/server.h"
#include "storage/clock.h"
#include "tier_fixture.h"

using namespace tierkv;

namespace {

std::vector<std::string_view> views(const std::vector<std::string>& args) { return {args.begin(), args.end()}; }

}  // namespace

TEST_CASE("dispatcher with a tier: a key on disk is reported, not read, unless disk reads are allowed") {
    test::TempDir dir;
    server::Server srv(server::Config{});
    srv.keyspace().attach_tier(std::make_unique<storage::Tier>(test::open_store(dir), nullptr));
    server::ClientSession client;
    client.authenticated = true;
    server::switch_user(client, srv.acl().default_user());
    std::string out;
    protocol::ReplyBuilder reply(out);

    const std::vector<std::string> set = {"SET", "cold", "value"};
    REQUIRE(server::execute_command(srv, client, reply, views(set), false));
    REQUIRE(out == "+OK\r\n");
    srv.keyspace().spill_all(storage::unix_time_ms());  // now only on disk
    out.clear();

    const std::vector<std::string> get = {"GET", "cold"};
    const std::uint64_t reads_before = srv.keyspace().tier()->counters().disk_reads.load();
    CHECK_FALSE(server::execute_command(srv, client, reply, views(get), false));
    CHECK(out.empty());
    CHECK(server::keys_in_tier(srv, client, views(get)) == std::vector<std::string>{"cold"});
    CHECK(srv.keyspace().tier()->counters().disk_reads.load() == reads_before);

    // Keys in memory run at once; with disk reads allowed so does this one.
    const std::vector<std::string> set_warm = {"SET", "warm", "w"};
    const std::vector<std::string> get_warm = {"GET", "warm"};
    REQUIRE(server::execute_command(srv, client, reply, views(set_warm), false));
    CHECK(server::execute_command(srv, client, reply, views(get_warm), false));
    CHECK(out == "+OK\r\n$1\r\nw\r\n");
    out.clear();
    CHECK(server::execute_command(srv, client, reply, views(get), true));
    CHECK(out == "$5\r\nvalue\r\n");
}
