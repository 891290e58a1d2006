// storage/tier: the record layout for every type, the RocksDB store (key
// counts across reopening, the expiry compaction filter, the hot-key list),
// and the ordered writer with its pending index.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "storage/clock.h"
#include "storage/tier/record.h"
#include "storage/tier/tier.h"
#include "storage/tier/tier_store.h"
#include "tier_fixture.h"

using namespace tierkv::storage;
using tierkv::test::open_store;
using tierkv::test::TempDir;

namespace {

TierRecord string_record(std::string_view value, std::int64_t expire_at_ms = 0) {
    return TierRecord{Value::string(value), expire_at_ms, 1234, 7};
}

void put(TierStore& store, std::size_t db, const std::string& key, const TierRecord& record) {
    std::vector<std::int64_t> deltas;
    const std::vector<TierWrite> writes = {TierWrite{db, key, encode_tier_record(record)}};
    REQUIRE(store.write(writes, false, deltas).empty());
    store.add_counts(deltas);
}

// A value's content in an order of its own: a hash table's order depends
// on its hash seed, which each table draws at random.
std::vector<std::string> content(const Value& value) {
    std::vector<std::string> out;
    switch (value.type()) {
        case ValueType::kString: out.emplace_back(value.str()); break;
        case ValueType::kList:
            value.as<ListValue>().for_each_from(0, [&](std::string_view e) {
                out.emplace_back(e);
                return true;
            });
            break;
        case ValueType::kSet: value.as<SetValue>().for_each([&](std::string_view m) { out.emplace_back(m); }); break;
        case ValueType::kHash:
            value.as<HashValue>().for_each([&](std::string_view f, std::string_view v) {
                out.push_back(std::string(f).append(1, '\0').append(v));
            });
            break;
        case ValueType::kZSet: FAIL("not used here"); break;
    }
    if (value.type() != ValueType::kList) std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("tier records: every type round-trips with its metadata") {
    EncodingLimits limits;
    ListValue list;
    for (int i = 0; i < 300; ++i) list.push_back(std::string("e").append(std::to_string(i)), limits);
    SetValue set;
    for (int i = 0; i < 50; ++i) set.add(std::to_string(i), limits);
    HashValue hash;
    hash.set("field", std::string(200, 'v'), limits);
    hash.set("", "empty field", limits);
    const std::string binary("a\0b\r\n", 5);

    for (Value value : {Value::string(binary), Value(list), Value(set), Value(hash)}) {
        const TierRecord in{value, 99'000, 12'345, 42};
        const std::string encoded = encode_tier_record(in);
        const auto out = decode_tier_record(encoded, limits);
        REQUIRE(out);
        CHECK(out->value.type() == value.type());
        CHECK(out->expire_at_ms == 99'000);
        CHECK(out->last_access_ms == 12'345);
        CHECK(out->lfu_counter == 42);
        CHECK(tier_record_expiry(encoded) == 99'000);
        CHECK(tier_record_type(encoded) == value.type());
        CHECK(content(out->value) == content(value));
        // Same content, same size (a hash table's fields may come in another order).
        CHECK(encode_tier_record(*out).size() == encoded.size());
    }
    const auto list_back = decode_tier_record(encode_tier_record(TierRecord{Value(list), 0, 0, 5}), limits);
    CHECK(list_back->value.as<ListValue>().size() == 300);
    CHECK(list_back->value.as<ListValue>().at(299) == "e299");
    const auto set_back = decode_tier_record(encode_tier_record(TierRecord{Value(set), 0, 0, 5}), limits);
    CHECK(set_back->value.as<SetValue>().encoding() == SetValue::Encoding::kIntset);  // rebuilt compactly
    CHECK(set_back->value.as<SetValue>().contains("49"));

    // Truncated or unknown bytes are rejected, not misread.
    const std::string encoded = encode_tier_record(TierRecord{Value(hash), 0, 0, 5});
    CHECK_FALSE(decode_tier_record(encoded.substr(0, encoded.size() - 3), limits));
    CHECK_FALSE(decode_tier_record("short", limits));
    CHECK(decode_tier_key(encode_tier_key(3, "key"))->first == 3);
    CHECK(decode_tier_key(encode_tier_key(3, "key"))->second == "key");
}

TEST_CASE("tier store: key counts follow puts and deletes and survive reopening") {
    TempDir dir;
    {
        auto store = open_store(dir);
        put(*store, 0, "a", string_record("1"));
        put(*store, 0, "b", string_record("2"));
        put(*store, 0, "a", string_record("3"));  // overwrite: no new key
        put(*store, 1, "a", string_record("4"));
        CHECK(store->key_count(0) == 2);
        CHECK(store->key_count(1) == 1);
        std::vector<std::int64_t> deltas;
        const std::vector<TierWrite> writes = {TierWrite{0, "b", std::nullopt}, TierWrite{0, "zz", std::nullopt}};
        REQUIRE(store->write(writes, true, deltas).empty());
        store->add_counts(deltas);
        CHECK(store->key_count(0) == 1);  // deleting a missing key counts nothing
        CHECK(store->get(0, "a", unix_time_ms())->value.str() == "3");
        CHECK_FALSE(store->get(0, "b", unix_time_ms()));
        store->save_hot_keys({{0, "a"}, {1, "a"}});
    }
    auto store = open_store(dir);
    CHECK(store->key_count(0) == 1);
    CHECK(store->key_count(1) == 1);
    const auto hot = store->load_hot_keys();
    REQUIRE(hot.size() == 2);
    CHECK((hot[1].db == 1 && hot[1].key == "a"));
    store->clear(0);
    CHECK(store->key_count(0) == 0);
    CHECK_FALSE(store->get(0, "a", unix_time_ms()));
    CHECK(store->get(1, "a", unix_time_ms()));
}

TEST_CASE("tier store: expired entries are never returned and compaction drops them") {
    TempDir dir;
    auto store = open_store(dir);
    const std::int64_t now = unix_time_ms();
    put(*store, 0, "gone", string_record("x", now - 1000));
    put(*store, 0, "kept", string_record("y", now + 3'600'000));
    CHECK_FALSE(store->get(0, "gone", now));
    std::vector<std::string> listed;
    store->for_each(0, {}, now, [&](std::string_view key, ValueType) {
        listed.emplace_back(key);
        return true;
    });
    CHECK(listed == std::vector<std::string>{"kept"});
    CHECK(store->key_count(0) == 2);  // counted until compaction drops it
    store->compact();
    CHECK(store->stats().expired_dropped == 1);
    CHECK(store->key_count(0) == 1);
}

TEST_CASE("tier: spills are readable at once, and a later deletion hides the disk copy") {
    TempDir dir;
    Tier tier(open_store(dir), nullptr);
    const std::int64_t now = unix_time_ms();
    tier.spill(0, "k", string_record("v1"));
    CHECK(tier.read(0, "k", now)->value.str() == "v1");  // pending or written, either way
    CHECK(tier.key_count(0) == 1);
    tier.drain(false);
    CHECK(tier.store().get(0, "k", now)->value.str() == "v1");

    // A promotion: the key is back in memory and changed there, so its
    // disk copy goes; reads must not see the old value while the deletion waits.
    tier.forget(0, "k", true);
    CHECK_FALSE(tier.read(0, "k", now));
    CHECK_FALSE(tier.may_contain(0, "k"));
    CHECK(tier.key_count(0) == 0);
    tier.drain(false);
    CHECK_FALSE(tier.store().get(0, "k", now));

    // Ordered: spill, delete, spill again ends with the last spill.
    tier.spill(0, "k", string_record("v2"));
    tier.forget(0, "k", true);
    tier.spill(0, "k", string_record("v3"));
    tier.drain(true);
    CHECK(tier.store().get(0, "k", now)->value.str() == "v3");
    CHECK(tier.key_count(0) == 1);

    tier.clear(std::nullopt);
    CHECK(tier.key_count(0) == 0);
    CHECK_FALSE(tier.read(0, "k", now));
}
