// storage/: the hash table, the glob matcher, lazy and active expiry, and
// SCAN's guarantee across concurrent changes and table resizes.
#include <catch2/catch.hpp>

#include <atomic>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage/glob.h"
#include "storage/keyspace.h"
#include "storage/table.h"

using namespace tierkv::storage;

namespace {

std::uint64_t hash_of(std::string_view key) { return tierkv::storage::key_hash(key, 0); }  // a Table's default seed

std::string key_name(std::string_view prefix, int i) { return std::string(prefix) + std::to_string(i); }

// Table: insert `key` unless present; returns its entry.
Entry& table_put(Table& table, const std::string& key) {
    if (Entry* e = table.find(key, hash_of(key))) return *e;
    return table.insert(key, hash_of(key), Value::string("v"));
}

// The set of keys with an expiry points at entries that have one, and holds
// exactly `expected`.
void check_volatile(Table& table, const std::set<std::string>& expected) {
    REQUIRE(table.volatile_size() == expected.size());
    std::set<std::string> listed;
    table.for_each_volatile([&](Entry& e) {
        REQUIRE(e.has_expiry());
        REQUIRE(table.find(e.key(), hash_of(e.key())) == &e);
        listed.insert(std::string(e.key()));
    });
    REQUIRE(listed == expected);
}

// Keyspace: writes under the key's shard lock, as a command would.
void ks_put(Keyspace& ks, const std::string& key, std::int64_t now_ms, std::int64_t expire_at_ms = 0,
            std::size_t db = 0) {
    const std::string_view keys[] = {key};
    KeyLock lock = ks.lock(keys, now_ms);
    DbView view = lock.db(db);
    Entry& e = view.set(key, Value::string("v"));
    if (expire_at_ms != 0) view.set_expire(e, expire_at_ms);
}

bool ks_erase(Keyspace& ks, const std::string& key, std::int64_t now_ms) {
    const std::string_view keys[] = {key};
    KeyLock lock = ks.lock(keys, now_ms);
    return lock.db(0).erase(key);
}

bool ks_exists(Keyspace& ks, const std::string& key, std::int64_t now_ms) {
    const std::string_view keys[] = {key};
    KeyLock lock = ks.lock(keys, now_ms);
    return lock.db(0).find(key) != nullptr;
}

constexpr std::int64_t kNow = 1'700'000'000'000;  // a fixed "now" in unix ms

}  // namespace

// ---- Table ---------------------------------------------------------------

TEST_CASE("table: insert, find, erase, grows and shrinks by powers of two") {
    Table table;
    REQUIRE(table.find("nope", hash_of("nope")) == nullptr);
    for (int i = 0; i < 1000; ++i) table_put(table, key_name("k", i));
    REQUIRE(table.size() == 1000);
    const std::size_t grown = table.bucket_count();
    REQUIRE(grown * 2 >= 1000);  // two keys per bucket at most
    REQUIRE((grown & (grown - 1)) == 0);
    for (int i = 0; i < 1000; ++i) {
        const std::string key = key_name("k", i);
        Entry* e = table.find(key, hash_of(key));
        REQUIRE(e != nullptr);
        REQUIRE(e->key() == key);
    }
    REQUIRE_FALSE(table.erase("nope", hash_of("nope")));
    for (int i = 10; i < 1000; ++i) REQUIRE(table.erase(key_name("k", i), hash_of(key_name("k", i))));
    REQUIRE(table.size() == 10);
    REQUIRE(table.bucket_count() < grown);
    REQUIRE((table.bucket_count() & (table.bucket_count() - 1)) == 0);
    for (int i = 0; i < 1000; ++i) {
        const std::string key = key_name("k", i);
        REQUIRE((table.find(key, hash_of(key)) != nullptr) == (i < 10));
    }
    table.clear();
    REQUIRE(table.size() == 0);
    REQUIRE(table.find("k1", hash_of("k1")) == nullptr);
}

TEST_CASE("table: the volatile list stays consistent through set_expire and erase") {
    Table table;
    std::set<std::string> with_ttl;
    for (int i = 0; i < 200; ++i) table_put(table, key_name("k", i));
    for (int i = 0; i < 200; i += 2) {
        table.set_expire(table_put(table, key_name("k", i)), kNow + i + 1);
        with_ttl.insert(key_name("k", i));
    }
    check_volatile(table, with_ttl);

    // A new time for a key that has one does not list it twice.
    table.set_expire(table_put(table, "k0"), kNow + 5000);
    REQUIRE(table.expire_at(*table.find("k0", hash_of("k0"))) == kNow + 5000);
    check_volatile(table, with_ttl);

    // Erasing keys with and without a TTL (and resizing on the way).
    for (int i = 0; i < 200; i += 3) {
        table.erase(key_name("k", i), hash_of(key_name("k", i)));
        with_ttl.erase(key_name("k", i));
    }
    check_volatile(table, with_ttl);

    // Removing TTLs (PERSIST) from the front, the back and the middle.
    for (const char* key : {"k2", "k196", "k100", "k1"}) {
        table.set_expire(table_put(table, key), 0);
        with_ttl.erase(key);
    }
    check_volatile(table, with_ttl);

    for (int i = 0; i < 200; ++i) table.erase(key_name("k", i), hash_of(key_name("k", i)));
    check_volatile(table, {});
}

TEST_CASE("table: a scan without changes visits every key exactly once") {
    Table table;
    for (int i = 0; i < 777; ++i) table_put(table, key_name("k", i));
    std::multiset<std::string> seen;
    std::uint64_t cursor = 0;
    do {
        cursor = table.scan(cursor, [&](const Entry& e) { seen.insert(std::string(e.key())); });
    } while (cursor != 0);
    REQUIRE(seen.size() == 777);
    REQUIRE(std::set<std::string>(seen.begin(), seen.end()).size() == 777);
}

// ---- glob ------------------------------------------------------------------

TEST_CASE("glob: *, ?, classes, escapes, nocase") {
    CHECK(glob_match("*", ""));
    CHECK(glob_match("*", "anything"));
    CHECK(glob_match("h*o", "hello"));
    CHECK(glob_match("h*o", "ho"));
    CHECK_FALSE(glob_match("h*o", "hellx"));
    CHECK(glob_match("**a**", "banana"));
    CHECK(glob_match("*a*a*a", "banana"));
    CHECK_FALSE(glob_match("*a*a*a*a", "banana"));
    CHECK(glob_match("h?llo", "hello"));
    CHECK_FALSE(glob_match("h?llo", "hllo"));
    CHECK_FALSE(glob_match("?", ""));
    CHECK(glob_match("", ""));
    CHECK_FALSE(glob_match("", "a"));

    CHECK(glob_match("h[a-e]llo", "hello"));
    CHECK(glob_match("h[e-a]llo", "hello"));  // a reversed range still counts
    CHECK_FALSE(glob_match("h[a-c]llo", "hello"));
    CHECK(glob_match("h[ae]llo", "hallo"));
    CHECK(glob_match("h[^a]llo", "hello"));
    CHECK_FALSE(glob_match("h[^e]llo", "hello"));
    CHECK(glob_match("h[!e]llo", "h!llo"));  // only ^ negates: ! is a member
    CHECK_FALSE(glob_match("h[!e]llo", "hallo"));
    CHECK_FALSE(glob_match("a[]]b", "a]b"));  // "[]" is an empty class, as in Redis
    CHECK(glob_match("a[\\]]b", "a]b"));
    CHECK(glob_match("a[b", "ab"));  // an unterminated class is closed at the end
    CHECK(glob_match("[a-c][a-c]", "cb"));

    CHECK(glob_match("a\\*b", "a*b"));
    CHECK_FALSE(glob_match("a\\*b", "axb"));
    CHECK(glob_match("a\\?b", "a?b"));
    CHECK_FALSE(glob_match("a\\?b", "axb"));
    CHECK(glob_match("a\\", "a\\"));  // a trailing backslash is literal
    CHECK(glob_match(std::string_view("n\0*", 3), std::string_view("n\0k", 3)));

    CHECK_FALSE(glob_match("HELLO", "hello"));
    CHECK(glob_match("HELLO", "hello", true));
    CHECK(glob_match("H[A-Z]LLO", "hello", true));
    CHECK(glob_match("h[^X]llo", "hxllo"));
    CHECK_FALSE(glob_match("h[^X]llo", "hxllo", true));
}

TEST_CASE("glob: pathological patterns finish quickly") {
    const std::string text(5000, 'a');
    std::string pattern;
    for (int i = 0; i < 50; ++i) pattern += "*a";
    pattern += "*b";
    CHECK_FALSE(glob_match(pattern, text));
}

// ---- expiry ------------------------------------------------------------------

TEST_CASE("lazy expiry: an expired key is not found and counts as expired") {
    Keyspace ks(4, 16);
    ks_put(ks, "k", kNow, kNow + 1000);
    ks_put(ks, "keep", kNow);
    REQUIRE(ks_exists(ks, "k", kNow + 999));
    REQUIRE(ks.stats().expired == 0);
    REQUIRE_FALSE(ks_exists(ks, "k", kNow + 1000));
    REQUIRE(ks.stats().expired == 1);
    REQUIRE(ks.size(0).keys == 1);
    REQUIRE(ks.size(0).expires == 0);

    // Reads count a miss for it, and KEYS does not list it.
    ks_put(ks, "k2", kNow, kNow + 10);
    {
        const std::string_view keys[] = {"k2"};
        KeyLock lock = ks.lock(keys, kNow + 10);
        REQUIRE(lock.db(0).find_for_read("k2") == nullptr);
    }
    REQUIRE(ks.stats().misses == 1);
    REQUIRE(ks.stats().expired == 2);
    ks_put(ks, "k3", kNow, kNow + 10);
    REQUIRE(ks.keys(0, "*", kNow + 10) == std::vector<std::string>{"keep"});
}

TEST_CASE("RANDOMKEY deletes the expired keys it picks") {
    Keyspace ks(4, 1);
    for (int i = 0; i < 50; ++i) ks_put(ks, key_name("gone", i), kNow, kNow + 1);
    REQUIRE_FALSE(ks.random_key(0, kNow + 1).has_value());
    REQUIRE(ks.size(0).keys == 0);
    REQUIRE(ks.stats().expired == 50);

    for (int i = 0; i < 50; ++i) ks_put(ks, key_name("gone", i), kNow, kNow + 1);
    ks_put(ks, "live", kNow);
    REQUIRE(ks.random_key(0, kNow + 1) == std::optional<std::string>("live"));
}

TEST_CASE("SCAN deletes the expired keys it meets that match its pattern") {
    Keyspace ks(4, 1);
    for (int i = 0; i < 200; ++i) ks_put(ks, key_name("gone", i), kNow, kNow + 10);
    for (int i = 0; i < 100; ++i) ks_put(ks, key_name("other", i), kNow, kNow + 10);
    for (int i = 0; i < 50; ++i) ks_put(ks, key_name("live", i), kNow);
    auto watcher = std::make_shared<WatchFlag>();
    ks.watch(0, "gone7", watcher);

    // A walk matching "gone*" and "live*" but not "other*".
    std::vector<std::string> seen;
    for (const char* pattern : {"gone*", "live*"}) {
        std::uint64_t cursor = 0;
        do {
            ScanPage page = ks.scan(0, cursor, 10, pattern, std::nullopt, kNow + 10);
            seen.insert(seen.end(), page.keys.begin(), page.keys.end());
            cursor = page.next_cursor;
        } while (cursor != 0);
    }
    REQUIRE(seen.size() == 50);
    for (const std::string& key : seen) REQUIRE(key.starts_with("live"));
    REQUIRE(ks.stats().expired == 200);
    REQUIRE(ks.size(0).keys == 150);  // the 100 expired "other" keys were not matched, so not deleted
    REQUIRE(ks.size(0).expires == 100);
    REQUIRE(watcher->dirty.load());

    // A TYPE filter does not spare an expired key (Redis's lookup deletes it).
    ScanPage typed = ks.scan(0, 0, 1000, "other*", ValueType::kHash, kNow + 10);
    REQUIRE(typed.keys.empty());
    REQUIRE(ks.size(0).keys == 50);
    REQUIRE(ks.stats().expired == 300);
}

TEST_CASE("expire_cycle deletes expired keys nobody reads, leaving the rest") {
    Keyspace ks(8, 16);
    for (int i = 0; i < 3000; ++i) ks_put(ks, key_name("old", i), kNow, kNow + 10);
    for (int i = 0; i < 500; ++i) ks_put(ks, key_name("later", i), kNow, kNow + 100'000);
    for (int i = 0; i < 500; ++i) ks_put(ks, key_name("forever", i), kNow);
    for (int i = 0; i < 100; ++i) ks_put(ks, key_name("db3", i), kNow, kNow + 10, 3);

    const std::int64_t far_deadline = std::numeric_limits<std::int64_t>::max();
    std::size_t deleted = 0;
    // Each pass stops sampling a table once few samples are expired; a few
    // passes (as the server runs them, hz times a second) finish the job.
    for (int pass = 0; pass < 100 && ks.size(0).keys + ks.size(3).keys > 1000; ++pass) {
        deleted += ks.expire_cycle(kNow + 20, far_deadline);
    }
    REQUIRE(deleted == 3100);
    REQUIRE(ks.size(0).keys == 1000);
    REQUIRE(ks.size(0).expires == 500);
    REQUIRE(ks.size(3).keys == 0);
    REQUIRE(ks.stats().expired == 3100);
    for (int i = 0; i < 500; ++i) REQUIRE(ks_exists(ks, key_name("later", i), kNow + 20));
}

TEST_CASE("expire_cycle stops at its deadline") {
    Keyspace ks(4, 16);
    for (int i = 0; i < 5000; ++i) ks_put(ks, key_name("old", i), kNow, kNow + 10);
    // A deadline already past: one round of samples in the first shard only
    // (20 keys per database table), then it returns.
    const std::size_t deleted = ks.expire_cycle(kNow + 20, 0);
    REQUIRE(deleted > 0);
    REQUIRE(deleted <= 20);
    REQUIRE(ks.size(0).keys == 5000 - deleted);
}

// ---- SCAN ---------------------------------------------------------------------

namespace {

// A full SCAN with `count`, calling `between` after every page.
std::multiset<std::string> full_scan(Keyspace& ks, std::size_t count, const std::function<void(int)>& between) {
    std::multiset<std::string> seen;
    std::uint64_t cursor = 0;
    int call = 0;
    do {
        ScanPage page = ks.scan(0, cursor, count, "*", std::nullopt, kNow);
        seen.insert(page.keys.begin(), page.keys.end());
        cursor = page.next_cursor;
        between(call++);
    } while (cursor != 0);
    return seen;
}

}  // namespace

TEST_CASE("scan: empty and small databases finish in one call") {
    Keyspace ks(64, 16);
    ScanPage empty = ks.scan(0, 0, 10, "*", std::nullopt, kNow);
    REQUIRE(empty.next_cursor == 0);
    REQUIRE(empty.keys.empty());
    for (int i = 0; i < 5; ++i) ks_put(ks, key_name("k", i), kNow);
    ScanPage small = ks.scan(0, 0, 10, "*", std::nullopt, kNow);
    REQUIRE(small.next_cursor == 0);
    REQUIRE(small.keys.size() == 5);
}

TEST_CASE("scan: COUNT bounds the keys examined, before MATCH filters them") {
    Keyspace ks(4, 1);
    for (int i = 0; i < 1000; ++i) ks_put(ks, key_name("k", i), kNow);
    ScanPage page = ks.scan(0, 0, 10, "nomatch*", std::nullopt, kNow);
    REQUIRE(page.keys.empty());
    REQUIRE(page.next_cursor != 0);
    ScanPage typed = ks.scan(0, 0, 2000, "*", ValueType::kString, kNow);
    REQUIRE(typed.keys.size() == 1000);
    REQUIRE(typed.next_cursor == 0);
}

TEST_CASE("scan: without changes every key is returned exactly once") {
    Keyspace ks(8, 1);
    for (int i = 0; i < 5000; ++i) ks_put(ks, key_name("k", i), kNow);
    const auto seen = full_scan(ks, 7, [](int) {});
    REQUIRE(seen.size() == 5000);
    REQUIRE(std::set<std::string>(seen.begin(), seen.end()).size() == 5000);
}

TEST_CASE("scan: every key present throughout is returned while keys come and go and tables resize") {
    Keyspace ks(8, 1);
    constexpr int kOriginal = 3000;
    for (int i = 0; i < kOriginal; ++i) ks_put(ks, key_name("orig:", i), kNow);
    int next_tmp = 0;
    int oldest_tmp = 0;
    // The first calls add many keys (tables grow several times), the middle
    // ones delete them all again (tables shrink), and the rest churn.
    auto churn = [&](int call) {
        if (call < 10) {
            for (int i = 0; i < 3000; ++i) ks_put(ks, key_name("tmp:", next_tmp++), kNow);
        } else if (oldest_tmp < next_tmp && call < 40) {
            for (int i = 0; i < 1500 && oldest_tmp < next_tmp; ++i) ks_erase(ks, key_name("tmp:", oldest_tmp++), kNow);
        } else {
            for (int i = 0; i < 20; ++i) ks_put(ks, key_name("tmp:", next_tmp++), kNow);
            for (int i = 0; i < 15 && oldest_tmp < next_tmp; ++i) ks_erase(ks, key_name("tmp:", oldest_tmp++), kNow);
        }
    };
    const auto seen = full_scan(ks, 25, churn);
    for (int i = 0; i < kOriginal; ++i) {
        INFO("missing " << key_name("orig:", i));
        REQUIRE(seen.count(key_name("orig:", i)) >= 1);
    }
}

TEST_CASE("keyspace: writers under a tight maxmemory are not refused while keys can be evicted", "[keyspace]") {
    // Each write makes room first, as the dispatcher's make_room does, and
    // a refusal (OOM) is a result with nothing evicted and the limit not
    // met. A writer whose eviction found the memory already within the
    // limit (the other writer evicted) must not be refused because that
    // other writer's insert took it over again a moment later: e2e
    // test_eviction got an OOM that way in 1 run in 4 on a loaded machine.
    // That window is too narrow for this test to hit reliably. What it did
    // hit, 1 run in 16: both writers' evictions holding the shards the
    // other tried, which counted as turns with nothing to give.
    Keyspace ks(4, 1);
    REQUIRE(ks.set_eviction_policy("allkeys-lru"));
    ks.set_maxmemory(256 * 1024);
    std::atomic<int> refused{0};
    const auto writer = [&](int t) {
        const std::string value(1000, 'v');
        for (int i = 0; i < 200000; ++i) {
            const std::string key = "w" + std::to_string(t) + ":" + std::to_string(i);
            const std::string_view keys[] = {key};
            KeyLock lock = ks.lock(keys, kNow);
            if (ks.over_memory_limit()) {
                const EvictionResult r = ks.evict(&lock, 64, kNow);
                if (!r.within_limit && r.evicted == 0) ++refused;
            }
            lock.db(0).set(key, Value::string(value));
        }
    };
    std::thread a(writer, 0);
    std::thread b(writer, 1);
    a.join();
    b.join();
    CHECK(refused.load() == 0);
}
