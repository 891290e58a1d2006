// Table nodes: the key and a short string value live in the node's own
// allocation. Keys of any length read back, values move in and out of the
// node on assignment, in-place edits and policy changes, and the running
// memory count always equals counting everything again.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "numbered.h"
#include "storage/eviction_policy.h"
#include "storage/memory.h"
#include "storage/node_pool.h"
#include "storage/table.h"

using namespace tierkv::storage;
using tierkv::test::numbered;

namespace {

std::uint64_t hash_of(std::string_view key) { return key_hash(key, 0); }  // a Table's default seed

std::string bytes_of(std::size_t size, char seed) {
    std::string s(size, seed);
    for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>(seed + i % 23);
    return s;
}

void check_counts(const Table& table, const MemoryGauge& gauge) {
    CHECK(table.recount_memory_bytes() == table.memory_bytes());
    CHECK(gauge.load() == table.memory_bytes());
    CHECK(table.pool_counts_match());
}

// A 16-byte key ("key:" and 12 digits), as bench/compare.py loads.
std::string key16(std::size_t i) {
    std::string digits = std::to_string(i);
    return "key:" + std::string(12 - digits.size(), '0') + digits;
}

// Fills the table with NodePool::kPoolFrom 16-byte keys holding
// `value_size` bytes, so the next node of that shape comes from the pool.
void fill_to_pool(Table& table, std::size_t value_size) {
    for (std::size_t i = 1'000'000; i < 1'000'000 + NodePool::kPoolFrom; ++i) {
        table.insert(key16(i), hash_of(key16(i)), Value::string(std::string(value_size, 'f')));
    }
}

std::uint32_t pool_from(bool pooled) { return pooled ? 0 : NodePool::kPoolFrom; }

}  // namespace

TEST_CASE("table: keys of every length and values of every size read back", "[table]") {
    const bool pooled = GENERATE(false, true);
    CAPTURE(pooled);
    MemoryGauge gauge{0};
    Table table(make_eviction_policy("noeviction", EvictionSettings{}), &gauge, pool_from(pooled));
    const std::vector<std::size_t> key_sizes = {0, 1, 16, 23, 24, 200, 254, 255, 256, 1000, 70000};
    // Lengths up to 254 take one byte in a node's tail, longer ones five.
    const std::vector<std::size_t> value_sizes = {0,   1,   Value::kInlineMax, Value::kInlineMax + 1, 100, 254, 255,
                                                  Table::kEmbedMax, Table::kEmbedMax + 1, 5000, 20000};
    for (const std::size_t k : key_sizes) {
        for (const std::size_t v : value_sizes) {
            const std::string key = bytes_of(k, 'a') + numbered(":", static_cast<long long>(v));
            Entry& e = table.insert(key, hash_of(key), Value::string(bytes_of(v, 'A')));
            CHECK(e.key() == key);
            CHECK(e.value.embedded() == (v > Value::kInlineMax && v <= Table::kEmbedMax));
        }
    }
    check_counts(table, gauge);
    for (const std::size_t k : key_sizes) {
        for (const std::size_t v : value_sizes) {
            const std::string key = bytes_of(k, 'a') + numbered(":", static_cast<long long>(v));
            Entry* e = table.find(key, hash_of(key));
            REQUIRE(e);
            CHECK(e->key() == key);
            CHECK(e->value.str() == bytes_of(v, 'A'));
        }
    }
    // Growing the bucket array rehashes every key from its node.
    CHECK(table.bucket_count() * 2 >= table.size());
    for (const std::size_t k : key_sizes) {
        const std::string key = bytes_of(k, 'a') + ":100";
        CHECK(table.erase(key, hash_of(key)));
        CHECK_FALSE(table.find(key, hash_of(key)));
    }
    check_counts(table, gauge);
    table.clear();
    check_counts(table, gauge);
}

TEST_CASE("table: a 16-byte key with a 100-byte value is one block, 144 bytes once the table pools", "[table]") {
    MemoryGauge gauge{0};
    Table table(make_eviction_policy("noeviction", EvictionSettings{}), &gauge);
    const std::string key = "key:000000000001";
    Entry& e = table.insert(key, hash_of(key), Value::string(std::string(100, 'v')));
    CHECK(value_heap_bytes(e.value) == 0);
    // A 24-byte node header, the key and the value after a length byte
    // each: 142 bytes. A malloc'ed node asks for its slot size (144), and
    // gets the allocator's size class for that (160 with jemalloc).
    CHECK(Table::entry_bytes(e) ==
          static_cast<std::int64_t>(allocation_size(NodePool::slot_bytes(24 + 1 + 16 + 1 + 100))));
    fill_to_pool(table, 100);
    const std::string pooled_key = "key:000000000002";
    Entry& p = table.insert(pooled_key, hash_of(pooled_key), Value::string(std::string(100, 'v')));
    CHECK(value_heap_bytes(p.value) == 0);
    CHECK(Table::entry_bytes(p) == 144);  // the pool rounds to 8 bytes
    // A later value that fits the slot's spare 2 bytes stays in the node.
    table.assign(p, Value::string(std::string(102, 'w')));
    CHECK(p.value.embedded());
    CHECK(p.value.str() == std::string(102, 'w'));
    CHECK(Table::entry_bytes(p) == 144);
    table.assign(p, Value::string(std::string(103, 'w')));
    CHECK_FALSE(p.value.embedded());
    check_counts(table, gauge);
    // Erasing everything gives every byte back, pooled nodes included.
    std::vector<std::string> keys;
    table.for_each([&](const Entry& entry) { keys.emplace_back(entry.key()); });
    for (const std::string& k : keys) REQUIRE(table.erase(k, hash_of(k)));
    check_counts(table, gauge);
}

TEST_CASE("table: buckets double only once they hold two keys each", "[table]") {
    // A bucket is 8 bytes: at one key per bucket they would cost 8-16
    // bytes per key, 5-10% of a small string key.
    MemoryGauge gauge{0};
    Table table(make_eviction_policy("noeviction", EvictionSettings{}), &gauge);
    for (std::size_t i = 0; i < 10000; ++i) {
        table.insert(key16(i), hash_of(key16(i)), Value::string("v"));
        REQUIRE(table.bucket_count() * 2 >= table.size());
        REQUIRE(table.bucket_count() <= std::max<std::size_t>(4, table.size()));
    }
    CHECK(table.bucket_count() == 8192);  // 10,000 keys: 4,096 would hold only 8,192 of them
    for (std::size_t i = 0; i < 10000; ++i) REQUIRE(table.find(key16(i), hash_of(key16(i))));
    check_counts(table, gauge);
}

TEST_CASE("table: a slot size gets pool pages only once 256 nodes share it", "[table]") {
    // A page costs 32 KiB: values of many sizes in a small table would
    // leave each size's page mostly empty (before this rule, 20,000 keys
    // with 10-300-byte values in 64 shards took 1,500 bytes each).
    MemoryGauge gauge{0};
    Table table(make_eviction_policy("noeviction", EvictionSettings{}), &gauge);
    for (std::size_t size = 120; size <= 400; size += 8) {  // nodes of 160-448 bytes
        const std::string key = numbered("varied:", static_cast<long long>(size));
        table.insert(key, hash_of(key), Value::string(std::string(size, 'v')));
    }
    CHECK(table.pool_pages() == 0);
    for (std::size_t i = 0; i < NodePool::kPoolFrom; ++i) {
        table.insert(key16(i), hash_of(key16(i)), Value::string(std::string(100, 'v')));
        CHECK(table.pool_pages() == 0);
    }
    const std::string pooled_key = key16(NodePool::kPoolFrom);
    Entry& pooled = table.insert(pooled_key, hash_of(pooled_key), Value::string(std::string(100, 'v')));
    CHECK(table.pool_pages() == 1);
    CHECK(Table::entry_bytes(pooled) == 144);
    check_counts(table, gauge);
    // Below the count again, that size goes back to malloc: erasing every
    // node of it frees the page, and one more node does not take a new one.
    for (std::size_t i = 0; i <= NodePool::kPoolFrom; ++i) REQUIRE(table.erase(key16(i), hash_of(key16(i))));
    CHECK(table.pool_pages() == 0);
    table.insert(key16(0), hash_of(key16(0)), Value::string(std::string(100, 'v')));
    CHECK(table.pool_pages() == 0);
    check_counts(table, gauge);
    // A policy change reallocates every node and the count follows: with
    // key16(0) and 255 fillers, the last filler is the one to take a slot.
    table.set_policy(make_eviction_policy("allkeys-lru", EvictionSettings{}));
    table.set_policy(make_eviction_policy("noeviction", EvictionSettings{}));
    fill_to_pool(table, 100);
    CHECK(table.pool_pages() == 1);
    table.clear();
    CHECK(table.pool_pages() == 0);
    check_counts(table, gauge);
}

TEST_CASE("table: an entry's own fields survive every change of its value", "[table]") {
    // They sit in the Value's tail padding: a Value copy, move or
    // assignment that wrote its whole 16 bytes would overwrite them.
    MemoryGauge gauge{0};
    Table table(make_eviction_policy("noeviction", EvictionSettings{}), &gauge);
    const std::string key = "fields";
    Entry& e = table.insert(key, hash_of(key), Value::string("1"), 0xA1B2C3D4);
    e.lfu_counter = 0xEE;
    e.policy_bits = 0x5A;
    table.set_disk_copy(e, true);
    table.set_expire(e, 123456789);
    const auto unchanged = [&] {
        CHECK(e.lfu_counter == 0xEE);
        CHECK(e.policy_bits == 0x5A);
        CHECK(e.last_access_s == 0xA1B2C3D4u);
        CHECK(e.disk_copy);
        CHECK_FALSE(e.has_policy_links);
        CHECK(e.has_expiry());
        CHECK(table.expire_at(e) == 123456789);
        CHECK(e.key() == key);
    };
    unchanged();
    for (const std::size_t size : {std::size_t{0}, std::size_t{5}, std::size_t{100}, std::size_t{1000},
                                   Value::kSharedStringMin}) {
        CAPTURE(size);
        // Changed directly, as ValueEdit does: begin_edit() and end_edit() keep the count.
        const auto change = [&](auto&& edit) {
            const std::int64_t before = table.begin_edit(e);
            edit();
            table.end_edit(e, before);
            unchanged();
        };
        const Value other = Value::string(std::string(size, 'q'));
        change([&] { e.value = other; });  // copy assignment
        change([&] { e.value = Value::string(std::string(size, 'r')); });  // move assignment
        table.assign(e, Value::string(std::string(size, 's')));
        unchanged();
        CHECK(e.value.str() == std::string(size, 's'));
        change([&] { e.value.mutable_str().append("!"); });
        Value taken = table.take_value(e);
        CHECK(taken.str() == std::string(size, 's') + "!");
        unchanged();
    }
    HashValue hash;
    hash.set("field", "value", EncodingLimits{});
    table.assign(e, Value(std::move(hash)));
    unchanged();
    table.assign(e, Value(ListValue{}));
    unchanged();
    check_counts(table, gauge);
}

TEST_CASE("table: assigning keeps values in the node when they fit, and counts every move", "[table]") {
    MemoryGauge gauge{0};
    Table table(make_eviction_policy("allkeys-lru", EvictionSettings{}), &gauge);
    const std::string key = "user:1234567890";
    Entry& e = table.insert(key, hash_of(key), Value::string(std::string(100, 'a')));
    REQUIRE(e.value.embedded());
    const std::int64_t one_block = Table::entry_bytes(e);

    table.assign(e, Value::string(std::string(90, 'b')));  // smaller: same room
    CHECK(e.value.embedded());
    CHECK(e.value.str() == std::string(90, 'b'));
    CHECK(Table::entry_bytes(e) == one_block);
    check_counts(table, gauge);

    table.assign(e, Value::string(std::string(250, 'c')));  // past the room: a block of its own
    CHECK_FALSE(e.value.embedded());
    CHECK(e.value.str() == std::string(250, 'c'));
    CHECK(Table::entry_bytes(e) > one_block);
    check_counts(table, gauge);

    table.assign(e, Value::string(std::string(100, 'd')));  // back into the room
    CHECK(e.value.embedded());
    CHECK(e.value.str() == std::string(100, 'd'));
    CHECK(Table::entry_bytes(e) == one_block);

    // An in-place change takes the value out of the node first.
    const std::int64_t before = table.begin_edit(e);
    e.value.mutable_str().append("tail");
    table.end_edit(e, before);
    CHECK_FALSE(e.value.embedded());
    CHECK(e.value.str() == std::string(100, 'd') + "tail");
    check_counts(table, gauge);

    // A value taken out of the node owns its bytes after the node is gone.
    table.assign(e, Value::string(std::string(100, 'e')));
    Value taken = table.take_value(e);
    table.erase(key, hash_of(key));
    CHECK(taken.str() == std::string(100, 'e'));
    CHECK_FALSE(taken.embedded());
    check_counts(table, gauge);
}

TEST_CASE("table: taking a value out (RENAME, UNLINK) and erasing the entry gives back all its memory", "[table]") {
    MemoryGauge gauge{0};
    Table table(make_eviction_policy("noeviction", EvictionSettings{}), &gauge);
    table.insert("warm-up", hash_of("warm-up"), Value());  // so the bucket array is there throughout
    table.erase("warm-up", hash_of("warm-up"));
    const std::int64_t empty = table.memory_bytes();
    for (const std::size_t size : {std::size_t{5}, std::size_t{100}, std::size_t{5000}, std::size_t{50000}}) {
        CAPTURE(size);
        Entry& e = table.insert("k", hash_of("k"), Value::string(std::string(size, 'x')));
        const Value taken = table.take_value(e);
        CHECK(table.erase("k", hash_of("k")));
        CHECK(taken.str() == std::string(size, 'x'));
        CHECK(table.memory_bytes() == empty);
        check_counts(table, gauge);
    }
}

TEST_CASE("table: a policy change moves keys, embedded values and expiries to new nodes", "[table]") {
    MemoryGauge gauge{0};
    Table table(make_eviction_policy("noeviction", EvictionSettings{}), &gauge);
    constexpr int kKeys = 300;
    const auto key_of = [](int i) { return bytes_of(static_cast<std::size_t>(i), 'k') + numbered("#", i); };
    const auto value_of = [](int i) { return bytes_of(static_cast<std::size_t>(i * 3 % 400), 'v'); };
    for (int i = 0; i < kKeys; ++i) {
        Entry& e = table.insert(key_of(i), hash_of(key_of(i)), Value::string(value_of(i)));
        if (i % 4 == 0) table.set_expire(e, 5'000'000 + i);
    }
    for (const char* policy : {"allkeys-lru", "volatile-ttl", "allkeys-s3fifo", "noeviction"}) {
        CAPTURE(policy);
        table.set_policy(make_eviction_policy(policy, EvictionSettings{}));
        for (int i = 0; i < kKeys; ++i) {
            Entry* e = table.find(key_of(i), hash_of(key_of(i)));
            REQUIRE(e);
            CHECK(e->key() == key_of(i));
            CHECK(e->value.str() == value_of(i));
            CHECK(table.expire_at(*e) == (i % 4 == 0 ? 5'000'000 + i : 0));
        }
        std::size_t expiring = 0;
        table.for_each_volatile([&](Entry& e) {
            CHECK(table.find(e.key(), hash_of(e.key())) == &e);
            ++expiring;
        });
        CHECK(expiring == kKeys / 4);
        check_counts(table, gauge);
    }
}
