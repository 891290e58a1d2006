// server/blocking: the per-key queues of blocked clients, who is woken, and
// how a wake is passed on.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "server/blocking.h"

using namespace tierkv::server;

namespace {

struct Sleeper {
    std::shared_ptr<BlockedClient> client = std::make_shared<BlockedClient>();
    int wakes = 0;

    Sleeper(std::vector<std::string> keys, std::size_t db = 0) {
        client->db = db;
        client->keys = std::move(keys);
        client->wake = [this] { ++wakes; };
    }
};

}  // namespace

TEST_CASE("blocking: a push wakes only the first client of the key") {
    BlockingRegistry registry;
    Sleeper a({"q"}), b({"q"}), other({"r"});
    registry.block(a.client);
    registry.block(b.client);
    registry.block(other.client);
    CHECK(registry.blocked_clients() == 3);
    registry.signal(0, "q");
    CHECK(a.wakes == 1);
    CHECK(b.wakes == 0);
    CHECK(other.wakes == 0);
    // While `a` is awake, more pushes wake nobody else: `a` passes it on.
    registry.signal(0, "q");
    CHECK(a.wakes == 1);
    CHECK(b.wakes == 0);
    registry.unblock(a.client);  // served
    CHECK(b.wakes == 1);
    CHECK(registry.blocked_clients() == 2);
    registry.signal(1, "q");  // another database
    registry.signal(0, "nobody");
    CHECK(b.wakes == 1);
}

TEST_CASE("blocking: a client that finds nothing rests at the front") {
    BlockingRegistry registry;
    Sleeper a({"q"}), b({"q"});
    registry.block(a.client);
    registry.block(b.client);
    registry.signal(0, "q");
    registry.rest(a.client);  // the element was taken by someone else
    CHECK(b.wakes == 0);
    registry.signal(0, "q");
    CHECK(a.wakes == 2);
    CHECK(b.wakes == 0);
}

TEST_CASE("blocking: a client on several keys, and one that leaves unwoken") {
    BlockingRegistry registry;
    Sleeper multi({"k1", "k2", "k1"}), second_k2({"k2"}), second_k1({"k1"});
    registry.block(multi.client);
    registry.block(second_k2.client);
    registry.block(second_k1.client);
    registry.signal(0, "k1");
    registry.signal(0, "k2");  // `multi` is first on both
    CHECK(multi.wakes == 2);
    registry.unblock(multi.client);  // awake for both: both queues move on
    CHECK(second_k1.wakes == 1);
    CHECK(second_k2.wakes == 1);
    registry.rest(second_k1.client);
    registry.unblock(second_k1.client);  // leaves while resting: nobody to wake
    registry.unblock(second_k2.client);
    CHECK(registry.blocked_clients() == 0);
    registry.signal(0, "k1");
    CHECK(second_k1.wakes == 1);
}
