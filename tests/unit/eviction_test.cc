// storage/eviction: each policy's choice of victim on small deterministic
// sequences, the memory count of tables, and the keyspace's eviction under
// a memory limit.
#include <catch2/catch.hpp>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "storage/eviction/lfu.h"
#include "storage/eviction_policy.h"
#include "storage/keyspace.h"
#include "storage/table.h"

using namespace tierkv::storage;

namespace {

std::uint64_t hash_of(std::string_view key) { return tierkv::storage::key_hash(key, 0); }  // a Table's default seed

std::string numbered(std::string_view prefix, int i) {
    std::string key(prefix);
    key += std::to_string(i);
    return key;
}

// A table under one policy, driven as commands would drive it.
struct PolicyTable {
    EvictionSettings settings;
    Table table;
    std::mt19937_64 rng{42};
    std::uint32_t clock_s = 1000;

    explicit PolicyTable(std::string_view policy) : table(make_eviction_policy(policy, settings), nullptr) {}

    Entry& put(const std::string& key) { return table.insert(key, hash_of(key), Value::string("v"), clock_s); }
    void read(const std::string& key) { table.touch(*table.find(key, hash_of(key)), clock_s); }
    void expire(const std::string& key, std::int64_t at_ms) { table.set_expire(*table.find(key, hash_of(key)), at_ms); }
    bool has(const std::string& key) { return table.find(key, hash_of(key)) != nullptr; }

    // The victim's key, or "" when the policy has none.
    std::string victim() {
        Entry* e = table.eviction_victim(rng, clock_s);
        return e ? std::string(e->key()) : std::string();
    }
    // Evicts like the keyspace does: asks for a victim and erases it.
    std::string evict() {
        std::string key = victim();
        if (!key.empty()) table.erase(key, hash_of(key));
        return key;
    }
};

}  // namespace

TEST_CASE("every registered policy can be made, and unknown names cannot") {
    EvictionSettings settings;
    const std::vector<std::string_view> expected = {"noeviction",    "allkeys-lru",     "allkeys-lfu",
                                                    "allkeys-random", "volatile-lru",   "volatile-lfu",
                                                    "volatile-random", "volatile-ttl",  "allkeys-fifo",
                                                    "allkeys-s3fifo"};
    const auto names = eviction_policy_names();
    REQUIRE(std::vector<std::string_view>(names.begin(), names.end()) == expected);
    for (auto name : names) CHECK(make_eviction_policy(name, settings) != nullptr);
    CHECK(make_eviction_policy("allkeys-magic", settings) == nullptr);
    CHECK(policy_tracks_frequency("volatile-lfu"));
    CHECK_FALSE(policy_tracks_frequency("allkeys-lru"));
}

TEST_CASE("noeviction never offers a victim") {
    PolicyTable t("noeviction");
    t.put("a");
    t.put("b");
    CHECK(t.victim().empty());
}

TEST_CASE("allkeys-lru evicts the least recently used key") {
    PolicyTable t("allkeys-lru");
    for (auto k : {"a", "b", "c", "d"}) t.put(k);
    t.read("a");
    t.read("c");
    CHECK(t.evict() == "b");
    CHECK(t.evict() == "d");
    CHECK(t.evict() == "a");
    t.put("e");
    CHECK(t.evict() == "c");
    CHECK(t.evict() == "e");
    CHECK(t.evict().empty());
}

TEST_CASE("allkeys-fifo evicts the oldest insertion, whatever was read") {
    PolicyTable t("allkeys-fifo");
    for (auto k : {"a", "b", "c"}) t.put(k);
    t.read("a");
    t.read("a");
    CHECK(t.evict() == "a");
    CHECK(t.evict() == "b");
    t.put("d");
    CHECK(t.evict() == "c");
    CHECK(t.evict() == "d");
}

TEST_CASE("allkeys-lfu evicts the least frequently used key") {
    PolicyTable t("allkeys-lfu");
    for (auto k : {"a", "b", "c", "d"}) t.put(k);
    for (int i = 0; i < 200; ++i) t.read("a");
    for (int i = 0; i < 100; ++i) t.read("b");
    t.read("d");
    // c was never read: its counter is still the initial 5; the others grew.
    CHECK(t.evict() == "c");
    CHECK(t.table.find("a", hash_of("a"))->lfu_counter > t.table.find("d", hash_of("d"))->lfu_counter);
    CHECK(t.evict() == "d");
}

TEST_CASE("LFU counters grow logarithmically and decay with idle time") {
    // From the initial value an access always counts; higher up, rarely.
    CHECK(lfu_incremented(5, 0.999, 10) == 6);
    CHECK(lfu_incremented(0, 0.999, 10) == 1);
    CHECK(lfu_incremented(105, 0.5, 10) == 105);         // p = 1/1001
    CHECK(lfu_incremented(105, 0.0001, 10) == 106);
    CHECK(lfu_incremented(255, 0.0, 10) == 255);
    // One point per lfu-decay-time minutes idle; 0 disables decay.
    CHECK(lfu_decayed(10, 59, 1) == 10);
    CHECK(lfu_decayed(10, 180, 1) == 7);
    CHECK(lfu_decayed(10, 600, 2) == 5);
    CHECK(lfu_decayed(3, 3600, 1) == 0);
    CHECK(lfu_decayed(10, 3600, 0) == 10);

    // Idle keys lose to recently used ones with the same history.
    PolicyTable t("allkeys-lfu");
    t.put("old");
    t.put("new");
    t.read("old");
    t.read("new");
    t.clock_s += 10 * 60;
    t.read("new");
    CHECK(t.evict() == "old");
}

TEST_CASE("volatile-* policies evict only keys with a TTL") {
    for (const char* policy : {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"}) {
        INFO(policy);
        PolicyTable t(policy);
        for (auto k : {"p1", "p2", "p3"}) t.put(k);
        CHECK(t.victim().empty());  // nothing has a TTL
        t.put("t1");
        t.expire("t1", 5'000'000);
        t.put("t2");
        t.expire("t2", 6'000'000);
        std::set<std::string> evicted = {t.evict(), t.evict()};
        CHECK(evicted == std::set<std::string>{"t1", "t2"});
        CHECK(t.victim().empty());
        CHECK(t.table.size() == 3);
    }
}

TEST_CASE("volatile-ttl evicts the nearest expiry first") {
    PolicyTable t("volatile-ttl");
    for (auto [key, at] : {std::pair{"late", 9'000}, {"soon", 2'000}, {"mid", 5'000}}) {
        t.put(key);
        t.expire(key, at);
    }
    t.put("forever");
    CHECK(t.evict() == "soon");
    CHECK(t.evict() == "mid");
    CHECK(t.evict() == "late");
    CHECK(t.victim().empty());
}

TEST_CASE("volatile-lru evicts the longest idle key with a TTL") {
    PolicyTable t("volatile-lru");
    for (auto k : {"a", "b", "c"}) {
        t.put(k);
        t.expire(k, 9'000'000);
    }
    t.clock_s += 100;
    t.read("a");
    t.read("c");
    CHECK(t.evict() == "b");
}

TEST_CASE("allkeys-random picks every key sometimes and only present keys") {
    PolicyTable t("allkeys-random");
    for (int i = 0; i < 8; ++i) t.put(numbered("k", i));
    std::set<std::string> seen;
    for (int i = 0; i < 500; ++i) {
        const std::string v = t.victim();
        REQUIRE(t.has(v));
        seen.insert(v);
    }
    CHECK(seen.size() == 8);
}

TEST_CASE("allkeys-s3fifo keeps re-read keys through a scan that LRU lets through") {
    // A cache of 20 keys: 5 hot keys are read between every few scan keys,
    // then a scan of 200 keys read once each passes through.
    auto run = [](std::string_view policy) {
        PolicyTable t(policy);
        auto insert_bounded = [&](const std::string& key) {
            if (t.table.size() >= 20) t.evict();
            t.put(key);
        };
        for (int i = 0; i < 5; ++i) insert_bounded(numbered("hot", i));
        for (int round = 0; round < 3; ++round) {
            for (int i = 0; i < 5; ++i) t.read(numbered("hot", i));
        }
        int hot_left = 0;
        for (int i = 0; i < 200; ++i) {
            insert_bounded(numbered("scan", i));
            if (i % 40 == 39) {  // the hot keys are still read now and then
                for (int h = 0; h < 5; ++h) {
                    if (t.has(numbered("hot", h))) t.read(numbered("hot", h));
                }
            }
        }
        for (int i = 0; i < 5; ++i) hot_left += t.has(numbered("hot", i));
        return hot_left;
    };
    CHECK(run("allkeys-s3fifo") == 5);
    CHECK(run("allkeys-lru") == 0);
}

TEST_CASE("allkeys-s3fifo admits a key evicted unread and seen again straight into main") {
    PolicyTable t("allkeys-s3fifo");
    for (int i = 0; i < 10; ++i) t.put(numbered("k", i));
    for (int i = 1; i < 10; ++i) t.read(numbered("k", i));
    // k0 was never read: it is the first to go, and is remembered.
    CHECK(t.evict() == "k0");
    t.put("k0");
    // Back from the ghost queue, k0 is in main, ahead of the small queue's keys
    // that the next evictions consider.
    CHECK((t.table.find("k0", hash_of("k0"))->policy_bits & 0x80) != 0);
}

TEST_CASE("switching policy keeps every key, in recency order for LRU") {
    PolicyTable t("allkeys-fifo");
    for (auto k : {"a", "b", "c"}) t.put(k);
    t.clock_s += 5;
    t.read("a");  // a is now the most recent
    t.table.set_policy(make_eviction_policy("allkeys-lru", t.settings));
    CHECK(t.table.size() == 3);
    // b and c were last used at the same second, before a.
    CHECK(std::set<std::string>{t.evict(), t.evict()} == std::set<std::string>{"b", "c"});
    CHECK(t.evict() == "a");
}

// ---- Memory accounting -------------------------------------------------------

TEST_CASE("a table's memory follows inserts, in-place edits, erases and clear") {
    MemoryGauge gauge{0};
    {
        Table table(make_eviction_policy("allkeys-lru", EvictionSettings{}), &gauge);
        const std::int64_t empty = table.memory_bytes();
        REQUIRE(gauge.load() == empty);

        Entry& e = table.insert("key", hash_of("key"), Value::string(std::string(1000, 'x')));
        const std::int64_t one = table.memory_bytes();
        CHECK(one > empty + 1000);
        CHECK(gauge.load() == one);

        const std::int64_t before_edit = table.begin_edit(e);
        e.value.mutable_str().append(std::string(5000, 'y'));
        table.end_edit(e, before_edit);
        CHECK(table.memory_bytes() >= one + 5000);
        CHECK(gauge.load() == table.memory_bytes());

        for (int i = 0; i < 1000; ++i) {
            const std::string k = numbered("k", i);
            table.insert(k, hash_of(k), Value::string("value"));
        }
        const std::int64_t many = table.memory_bytes();
        CHECK(many > one + 1000 * 40);  // at least a node per key
        for (int i = 0; i < 1000; ++i) {
            const std::string k = numbered("k", i);
            table.erase(k, hash_of(k));
        }
        CHECK(table.memory_bytes() < many);
        // Moving the table (as FLUSHALL ASYNC does) moves its memory, not doubles it.
        Table moved = std::move(table);
        CHECK(gauge.load() == moved.memory_bytes());
        moved.clear();
        CHECK(gauge.load() == moved.memory_bytes());
    }
    CHECK(gauge.load() == 0);
}

TEST_CASE("keyspace: eviction brings memory under maxmemory and counts evicted keys") {
    Keyspace ks(8, 2);
    REQUIRE(ks.set_eviction_policy("allkeys-lru"));
    const std::int64_t now = 1'700'000'000'000;
    auto put = [&](const std::string& key) {
        const std::string_view keys[] = {key};
        KeyLock lock = ks.lock(keys, now);
        lock.db(0).set(key, Value::string(std::string(100, 'v')));
    };
    for (int i = 0; i < 2000; ++i) put(numbered("k", i));
    const std::int64_t full = ks.used_memory();
    REQUIRE(full > 2000 * 100);

    ks.set_maxmemory(full / 2);
    REQUIRE(ks.over_memory_limit());
    EvictionResult r = ks.evict(nullptr, 100000, now);
    CHECK(r.within_limit);
    CHECK(r.evicted > 500);
    CHECK(ks.used_memory() <= full / 2);
    CHECK(ks.stats().evicted == r.evicted);
    CHECK(ks.size(0).keys == 2000 - r.evicted);

    // A bounded call stops after its share.
    ks.set_maxmemory(full / 4);
    r = ks.evict(nullptr, 10, now);
    CHECK(r.evicted == 10);
    CHECK_FALSE(r.within_limit);

    // noeviction: nothing goes, and the caller learns it is still over.
    REQUIRE(ks.set_eviction_policy("noeviction"));
    const std::size_t keys_before = ks.size(0).keys;
    r = ks.evict(nullptr, 100, now);
    CHECK(r.evicted == 0);
    CHECK_FALSE(r.within_limit);
    CHECK(ks.size(0).keys == keys_before);
    CHECK_FALSE(ks.set_eviction_policy("bogus"));
    CHECK(ks.eviction_policy() == "noeviction");
}

TEST_CASE("keyspace: flushed tables give their memory back when freed") {
    Keyspace ks(4, 1);
    const std::int64_t empty = ks.used_memory();
    const std::int64_t now = 1'700'000'000'000;
    for (int i = 0; i < 500; ++i) {
        const std::string key = numbered("k", i);
        const std::string_view keys[] = {key};
        KeyLock lock = ks.lock(keys, now);
        lock.db(0).set(key, Value::string(std::string(64, 'v')));
    }
    REQUIRE(ks.used_memory() > empty);
    {
        std::vector<Table> old = ks.flush(std::nullopt);
        CHECK(ks.used_memory() > empty);  // not freed yet (FLUSHALL ASYNC frees later)
    }
    CHECK(ks.used_memory() == empty);
}

TEST_CASE("policy links: nodes carry them only under a queue policy, and a change moves every entry") {
    EvictionSettings settings;
    MemoryGauge gauge{0};
    Table table(make_eviction_policy("noeviction", settings), &gauge);
    constexpr int kKeys = 200;
    for (int i = 0; i < kKeys; ++i) {
        const std::string key = numbered("k", i);
        Entry& e = table.insert(key, hash_of(key), Value::string(numbered("v", i)), static_cast<std::uint32_t>(i));
        CHECK_FALSE(e.has_policy_links);
        if (i % 3 == 0) table.set_expire(e, 1'000'000 + i);
    }
    const std::int64_t without_links = table.memory_bytes();

    const auto check_all = [&](bool links) {
        REQUIRE(table.size() == static_cast<std::size_t>(kKeys));
        for (int i = 0; i < kKeys; ++i) {
            const std::string key = numbered("k", i);
            Entry* e = table.find(key, hash_of(key));
            REQUIRE(e);
            CHECK(e->value.str() == numbered("v", i));
            CHECK(e->has_policy_links == links);
            CHECK(table.expire_at(*e) == (i % 3 == 0 ? 1'000'000 + i : 0));
        }
        // The list of keys with a TTL points at the entries where they are now.
        REQUIRE(table.volatile_size() == static_cast<std::size_t>((kKeys + 2) / 3));
        std::size_t listed = 0;
        table.for_each_volatile([&](Entry& e) {
            CHECK(table.find(e.key(), hash_of(e.key())) == &e);
            ++listed;
        });
        CHECK(listed == table.volatile_size());
        CHECK(gauge.load() == table.memory_bytes());
        CHECK(table.recount_memory_bytes() == table.memory_bytes());
    };

    table.set_policy(make_eviction_policy("allkeys-lru", settings));
    check_all(true);
    const std::int64_t with_links = table.memory_bytes();
    CHECK(with_links - without_links >= kKeys * static_cast<std::int64_t>(sizeof(PolicyLinks)));
    // The LRU queue was built from the last access times: k0 is the oldest.
    std::mt19937_64 rng(1);
    Entry* victim = table.eviction_victim(rng, 10'000);
    REQUIRE(victim);
    CHECK(victim->key() == "k0");

    table.set_policy(make_eviction_policy("allkeys-random", settings));
    check_all(false);
    CHECK(table.memory_bytes() == without_links);
    table.set_policy(make_eviction_policy("allkeys-s3fifo", settings));
    check_all(true);
    const std::string key = "k1";
    CHECK(table.erase(key, hash_of(key)));
    table.clear();
    CHECK(table.size() == 0);
}
