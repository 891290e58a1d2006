// A small hash's listpack block in its table's NodePool: it moves into a
// slot of its size once the table counts enough blocks and nodes of that
// size, follows every change to a slot that fits, and leaves the pool
// whenever its value leaves the table. The pool's counts and the table's
// memory always equal counting everything again.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "numbered.h"
#include "storage/eviction_policy.h"
#include "storage/node_pool.h"
#include "storage/table.h"

using namespace tierkv::storage;
using tierkv::test::numbered;

namespace {

std::uint64_t hash_of(std::string_view key) { return key_hash(key, 0); }  // a Table's default seed

void check_counts(const Table& table, const MemoryGauge& gauge) {
    CHECK(table.recount_memory_bytes() == table.memory_bytes());
    CHECK(gauge.load() == table.memory_bytes());
    CHECK(table.pool_counts_match());
}

// bench/compare.py's hash: ten fieldN / value-N pairs, a 144-byte block.
HashValue ten_fields() {
    HashValue hash;
    for (int i = 0; i < 10; ++i) hash.set(numbered("field", i), numbered("value-", i), EncodingLimits{});
    return hash;
}

const PairListpack::Block& block_of(const Entry& e) { return *e.value.as<HashValue>().listpack_block(); }

// Changes the entry's hash the way a command does (ValueEdit).
template <class Change>
void edit_hash(Table& table, Entry& e, Change change) {
    const std::int64_t before = table.begin_edit(e);
    change(e.value.as<HashValue>());
    table.end_edit(e, before);
}

Table make_table(MemoryGauge& gauge, std::uint32_t pool_from) {
    return Table(make_eviction_policy("noeviction", EvictionSettings{}), &gauge, pool_from);
}

}  // namespace

TEST_CASE("table hash blocks: a 144-byte block takes a 144-byte slot, and follows every change", "[table]") {
    MemoryGauge gauge{0};
    Table table = make_table(gauge, 0);
    Entry& e = table.insert("hash:0000001", hash_of("hash:0000001"), Value(ten_fields()));
    REQUIRE(block_of(e).pooled());
    CHECK(value_heap_bytes(e.value) == 144);
    CHECK(Table::entry_bytes(e) == 40 + 144);  // a 40-byte node and the block, 200 with malloc's classes
    check_counts(table, gauge);

    // A new field needs 14 more bytes: the block moves to a 160-byte slot.
    edit_hash(table, e, [](HashValue& h) { CHECK(h.set("field10", "value-10", EncodingLimits{})); });
    CHECK(block_of(e).pooled());
    CHECK(value_heap_bytes(e.value) == 160);
    check_counts(table, gauge);
    // Removing two fields shrinks it to a 136-byte slot (4 + 9 * 14 - 2 = 128 bytes: field0/value-0 and field1/value-1 go).
    edit_hash(table, e, [](HashValue& h) {
        CHECK(h.erase("field0"));
        CHECK(h.erase("field1"));
    });
    CHECK(block_of(e).pooled());
    CHECK(value_heap_bytes(e.value) == NodePool::slot_bytes(block_of(e).footprint()));
    check_counts(table, gauge);
    // An update of the same size stays in its slot.
    const void* slot = block_of(e).address();
    edit_hash(table, e, [](HashValue& h) { CHECK_FALSE(h.set("field5", "value-X", EncodingLimits{})); });
    CHECK(block_of(e).address() == slot);
    CHECK(*e.value.as<HashValue>().get("field5") == "value-X");
    check_counts(table, gauge);

    // A field too long for a listpack makes a hash table: the slot is freed.
    edit_hash(table, e, [](HashValue& h) { h.set("long", std::string(100, 'l'), EncodingLimits{}); });
    CHECK(e.value.as<HashValue>().encoding() == HashValue::Encoding::kHashtable);
    check_counts(table, gauge);
    table.erase("hash:0000001", hash_of("hash:0000001"));
    CHECK(table.pool_pages() == 0);
    check_counts(table, gauge);
}

TEST_CASE("table hash blocks: blocks take slots only once 256 things of their size are counted", "[table]") {
    MemoryGauge gauge{0};
    Table table = make_table(gauge, NodePool::kPoolFrom);
    std::vector<std::string> keys;
    for (std::size_t i = 0; i <= NodePool::kPoolFrom; ++i) keys.push_back(numbered("hash:", 1000000 + i));
    // 256 hashes: their 40-byte nodes get no slot either.
    for (std::size_t i = 0; i + 1 < keys.size(); ++i) {
        Entry& e = table.insert(keys[i], hash_of(keys[i]), Value(ten_fields()));
        CHECK_FALSE(block_of(e).pooled());
    }
    CHECK(table.pool_pages() == 0);
    // The next 144-byte block is the first pooled, and so is its node.
    Entry& last = table.insert(keys.back(), hash_of(keys.back()), Value(ten_fields()));
    CHECK(block_of(last).pooled());
    CHECK(table.pool_pages() > 0);
    check_counts(table, gauge);
    // A hash whose block is of a size the pool does not hold (9 fields:
    // 130 bytes, a 136-byte slot) stays in malloc, until an edit gives it
    // the size the pool holds.
    const std::string nine = "hash:nine";
    HashValue nine_fields = ten_fields();
    nine_fields.erase("field9");
    Entry& grown = table.insert(nine, hash_of(nine), Value(std::move(nine_fields)));
    CHECK_FALSE(block_of(grown).pooled());
    edit_hash(table, grown, [](HashValue& h) { CHECK(h.set("field9", "value-9", EncodingLimits{})); });
    CHECK(block_of(grown).pooled());
    CHECK(value_heap_bytes(grown.value) == 144);
    check_counts(table, gauge);
    REQUIRE(table.erase(nine, hash_of(nine)));
    // The others move when the table next grows its buckets, which walks
    // every node.
    const std::size_t buckets = table.bucket_count();
    while (table.bucket_count() == buckets) {
        keys.push_back(numbered("hash:", 1000000 + static_cast<long long>(keys.size())));
        table.insert(keys.back(), hash_of(keys.back()), Value(ten_fields()));
    }
    for (const std::string& key : keys) CHECK(block_of(*table.find(key, hash_of(key))).pooled());
    check_counts(table, gauge);
    for (const std::string& key : keys) REQUIRE(table.erase(key, hash_of(key)));
    CHECK(table.pool_pages() == 0);
    check_counts(table, gauge);
}

TEST_CASE("table hash blocks: a value taken out of the table owns its block", "[table]") {
    MemoryGauge gauge{0};
    std::vector<Value> taken;
    {
        Table table = make_table(gauge, 0);
        for (int i = 0; i < 50; ++i) {
            const std::string key = numbered("hash:", i);
            Entry& e = table.insert(key, hash_of(key), Value(ten_fields()));
            REQUIRE(block_of(e).pooled());
            taken.push_back(table.take_value(e));  // RENAME, MOVE, UNLINK, eviction to the tier
            CHECK_FALSE(taken.back().as<HashValue>().listpack_block()->pooled());
            table.erase(key, hash_of(key));
            check_counts(table, gauge);
        }
        CHECK(table.pool_pages() == 0);
    }
    // The table and its pool are gone; the values still read back (ASan
    // would report a block left in a freed page).
    for (const Value& value : taken) CHECK(value.as<HashValue>().get("field9") == "value-9");
}

TEST_CASE("table hash blocks: random changes keep the pool's counts and every hash intact", "[table]") {
    MemoryGauge gauge{0};
    const std::uint32_t pool_from = GENERATE(0u, 8u);
    CAPTURE(pool_from);
    Table table = make_table(gauge, pool_from);
    std::map<std::string, std::map<std::string, std::string>> model;
    std::mt19937_64 rng(42);
    const auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
    EncodingLimits limits;
    limits.hash_max_listpack_entries = 24;  // some hashes become hash tables
    for (int step = 0; step < 20000; ++step) {
        const std::string key = numbered("h", static_cast<long long>(pick(40)));
        Entry* e = table.find(key, hash_of(key));
        switch (pick(12)) {
            case 0:  // erase
                CHECK(table.erase(key, hash_of(key)) == (e != nullptr));
                model.erase(key);
                break;
            case 1:  // take out and put back (RENAME in one shard)
                if (e) {
                    Value value = table.take_value(*e);
                    table.erase(key, hash_of(key));
                    table.insert(key, hash_of(key), std::move(value));
                }
                break;
            case 2:  // replace with a copy of another hash (COPY ... REPLACE)
                if (e && !model.empty()) {
                    const std::string& other_key = std::next(model.begin(), pick(model.size()))->first;
                    const Value copy = table.find(other_key, hash_of(other_key))->value;
                    table.assign(*e, copy);
                    model[key] = model[other_key];
                }
                break;
            case 3:  // a policy change moves every node
                if (step % 50 == 0) {
                    table.set_policy(make_eviction_policy(step % 100 == 0 ? "allkeys-lru" : "noeviction",
                                                          EvictionSettings{}));
                }
                break;
            default: {  // a field set or removed, as HSET and HDEL do
                if (!e) e = &table.insert(key, hash_of(key), Value(HashValue()));
                const std::string field = numbered("f", static_cast<long long>(pick(30)));
                const bool remove = pick(3) == 0;
                const std::string value(pick(20), static_cast<char>('a' + pick(26)));
                edit_hash(table, *e, [&](HashValue& h) {
                    if (remove) {
                        h.erase(field);
                    } else {
                        h.set(field, value, limits);
                    }
                });
                if (remove) {
                    model[key].erase(field);
                } else {
                    model[key][field] = value;
                }
                if (e->value.as<HashValue>().empty()) {
                    table.erase(key, hash_of(key));
                    model.erase(key);
                }
            }
        }
        if (step % 500 == 0) check_counts(table, gauge);
    }
    check_counts(table, gauge);
    REQUIRE(table.size() == model.size());
    for (const auto& [key, fields] : model) {
        const Entry* e = table.find(key, hash_of(key));
        REQUIRE(e);
        std::map<std::string, std::string> got;
        e->value.as<HashValue>().for_each([&](std::string_view f, std::string_view v) { got.emplace(f, v); });
        CHECK(got == fields);
    }
    table.clear();
    CHECK(table.pool_pages() == 0);
    check_counts(table, gauge);
}
