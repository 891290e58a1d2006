// SCAN of a keyspace with a RocksDB tier: memory, then the tier in key order,
// then the keys that moved from disk to memory behind the walk.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "numbered.h"
#include "storage/clock.h"
#include "storage/keyspace.h"
#include "tier_fixture.h"

using namespace tierkv::storage;
using tierkv::test::numbered;

namespace {

struct TieredKeyspace {
    tierkv::test::TempDir dir;
    Keyspace ks{4, 1};
    std::int64_t now = unix_time_ms();

    TieredKeyspace() { ks.attach_tier(std::make_unique<Tier>(tierkv::test::open_store(dir), nullptr)); }

    void put(const std::string& key, std::string_view value) {
        const std::string_view keys[] = {key};
        KeyLock lock = ks.lock(keys, now);
        lock.db(0).set(key, Value::string(value));
    }
    // Reads the key back from the tier (if it is there) and changes it in memory.
    void append(const std::string& key, std::string_view more) {
        const std::string_view keys[] = {key};
        KeyLock lock = ks.lock(keys, now);
        DbView db = lock.db(0);
        Entry* e = db.find_for_write(key);
        REQUIRE(e);
        std::string value(e->value.str());
        value += more;
        db.replace_value(*e, Value::string(value));
    }
    // One page of SCAN with COUNT `count`.
    ScanPage page(std::uint64_t cursor, std::size_t count) { return ks.scan(0, cursor, count, "*", std::nullopt, now); }
    // The keys of the pages from `cursor` to the end of the scan, added to `seen`.
    void scan_to_end(std::uint64_t cursor, std::size_t count, std::set<std::string>& seen) {
        for (int pages = 0; cursor != 0; ++pages) {
            REQUIRE(pages < 1000);
            ScanPage p = page(cursor, count);
            seen.insert(p.keys.begin(), p.keys.end());
            cursor = p.next_cursor;
        }
    }
};

}  // namespace

TEST_CASE("scan with a tier: keys that move from disk to memory behind the walk are still returned") {
    TieredKeyspace t;
    std::set<std::string> expected;
    for (int i = 0; i < 200; ++i) {
        t.put(numbered("k", 1000 + i), "v");
        expected.insert(numbered("k", 1000 + i));
    }
    t.ks.spill_all(t.now);  // every key on disk, none in memory
    t.put("mem", "v");
    expected.insert("mem");

    std::set<std::string> seen;
    ScanPage first = t.page(0, 10);  // walks memory, which is then done
    seen.insert(first.keys.begin(), first.keys.end());
    REQUIRE(first.next_cursor != 0);

    // Before the walk of the tier reaches them: one key read back and changed,
    // one overwritten without being read. Both leave the tier for memory,
    // which was already walked.
    t.append("k1150", "+");
    t.put("k1160", "new");

    t.scan_to_end(first.next_cursor, 10, seen);
    CHECK(seen == expected);
}

TEST_CASE("scan with a tier: when the log of moved keys overflows, memory is walked again") {
    TieredKeyspace t;
    for (int i = 0; i < 50; ++i) t.put(numbered("k", 1000 + i), "v");
    t.ks.spill_all(t.now);

    ScanPage first = t.page(0, 5);
    REQUIRE(first.next_cursor != 0);
    t.append("k1040", "+");
    // More forgotten key bytes than the log keeps (8 MiB): it no longer
    // reaches back to the start of the scan.
    const std::string big(256 << 10, 'x');
    for (int i = 0; i < 40; ++i) t.ks.tier()->forget(0, numbered(big, i), false);

    std::set<std::string> seen(first.keys.begin(), first.keys.end());
    t.scan_to_end(first.next_cursor, 5, seen);
    CHECK(seen.size() == 50);
    CHECK(seen.count("k1040") == 1);
}

TEST_CASE("scan with a tier: an unknown cursor ends the scan, an empty tier ends it after memory") {
    TieredKeyspace t;
    t.put("a", "v");
    ScanPage only = t.page(0, 10);
    CHECK(only.next_cursor == 0);
    CHECK(only.keys == std::vector<std::string>{"a"});
    ScanPage unknown = t.page(12345, 10);
    CHECK(unknown.next_cursor == 0);
    CHECK(unknown.keys.empty());
}
