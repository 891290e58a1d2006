// storage/: WATCH flags (every kind of change sets them, nothing else does)
// and KeyLock::Current (EXEC's commands do not lock their shards twice).
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "storage/keyspace.h"

using namespace tierkv::storage;

namespace {

constexpr std::int64_t kNow = 1'700'000'000'000;

struct Watched {
    Keyspace& ks;
    std::string key;
    std::size_t db;
    std::shared_ptr<WatchFlag> flag = std::make_shared<WatchFlag>();

    Watched(Keyspace& keyspace, std::string k, std::size_t d = 0) : ks(keyspace), key(std::move(k)), db(d) {
        const std::string_view keys[] = {key};
        KeyLock lock = ks.lock(keys, kNow);
        ks.watch(db, key, flag);
    }
    ~Watched() { ks.unwatch(db, key, flag.get()); }
    bool dirty() const { return flag->dirty.load(); }
};

template <class F>
void with_key(Keyspace& ks, const std::string& key, std::int64_t now, F&& f, std::size_t db = 0) {
    const std::string_view keys[] = {key};
    KeyLock lock = ks.lock(keys, now);
    DbView view = lock.db(db);
    f(view);
}

void put(Keyspace& ks, const std::string& key, std::int64_t expire_at = 0, std::size_t db = 0) {
    with_key(ks, key, kNow, [&](DbView& v) {
        Entry& e = v.set(key, Value::string("v"));
        if (expire_at) v.set_expire(e, expire_at);
    }, db);
}

}  // namespace

TEST_CASE("watch: writes of the key set the flag, reads and other keys do not") {
    Keyspace ks(16, 4);
    put(ks, "k");
    Watched w(ks, "k");
    put(ks, "other");
    with_key(ks, "k", kNow, [](DbView& v) { REQUIRE(v.find_for_read("k")); });
    put(ks, "k", 0, 1);  // the same name in another database
    CHECK_FALSE(w.dirty());

    SECTION("set") { put(ks, "k"); }
    SECTION("erase") { with_key(ks, "k", kNow, [](DbView& v) { REQUIRE(v.erase("k")); }); }
    SECTION("edit") {
        with_key(ks, "k", kNow, [](DbView& v) { auto edit = v.edit(*v.find("k")); });
    }
    SECTION("replace_value") {
        with_key(ks, "k", kNow, [](DbView& v) { v.replace_value(*v.find("k"), Value::string("w")); });
    }
    SECTION("expire") { with_key(ks, "k", kNow, [](DbView& v) { v.set_expire(*v.find("k"), kNow + 5000); }); }
    SECTION("flushdb") { ks.flush(0); }
    SECTION("flushall") { ks.flush(std::nullopt); }
    CHECK(w.dirty());
}

TEST_CASE("watch: a key that does not exist is dirtied by its creation, not by a flush") {
    Keyspace ks(16, 4);
    Watched w(ks, "new");
    ks.flush(std::nullopt);
    with_key(ks, "new", kNow, [](DbView& v) { CHECK_FALSE(v.erase("new")); });
    CHECK_FALSE(w.dirty());
    put(ks, "new");
    CHECK(w.dirty());
}

TEST_CASE("watch: lazy and active expiry, and eviction, set the flag") {
    Keyspace ks(16, 1);
    put(ks, "lazy", kNow + 10);
    put(ks, "active", kNow + 10);
    Watched lazy(ks, "lazy");
    Watched active(ks, "active");
    CHECK(ks.expired_in_memory(0, "lazy", kNow + 10));
    with_key(ks, "lazy", kNow + 10, [](DbView& v) { CHECK(v.find("lazy") == nullptr); });
    CHECK(lazy.dirty());
    for (int i = 0; i < 100 && !active.dirty(); ++i) ks.expire_cycle(kNow + 10, INT64_MAX);
    CHECK(active.dirty());

    REQUIRE(ks.set_eviction_policy("allkeys-random"));
    put(ks, "victim");
    Watched victim(ks, "victim");
    ks.set_maxmemory(1);
    ks.evict(nullptr, 100, kNow);
    CHECK(victim.dirty());
}

TEST_CASE("watch: after unwatch the flag is left alone") {
    Keyspace ks(16, 1);
    auto flag = std::make_shared<WatchFlag>();
    {
        const std::string_view keys[] = {"k"};
        KeyLock lock = ks.lock(keys, kNow);
        ks.watch(0, "k", flag);
        ks.watch(0, "k", flag);  // twice: registered once
    }
    ks.unwatch(0, "k", flag.get());
    put(ks, "k");
    CHECK_FALSE(flag->dirty.load());
}

TEST_CASE("KeyLock::Current: keyspace calls inside EXEC skip the shards it holds") {
    Keyspace ks(16, 2);
    for (int i = 0; i < 50; ++i) put(ks, std::string("k").append(std::to_string(i)));
    KeyLock all = ks.lock_all(kNow);
    {
        const KeyLock::Current current(all);
        // Each of these would deadlock on a shard `all` holds without Current.
        CHECK(ks.size(0).keys == 50);
        CHECK(ks.keys(0, "*", kNow).size() == 50);
        CHECK(ks.random_key(0, kNow).has_value());
        const std::string_view keys[] = {"k1", "k2"};
        KeyLock again = ks.lock(keys, kNow);
        CHECK(again.db(0).find("k1") != nullptr);
        ks.flush(0);
        CHECK(ks.size(0).keys == 0);
    }
}
