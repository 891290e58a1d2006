// What the hash, set, sorted set and list families share: typed lookups that reply
// WRONGTYPE, the encoding limits of the moment, in-place edits that delete
// a collection left empty (as Redis does), random numbers, and HSCAN/SSCAN.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_set>
#include <vector>

#include "server/arguments.h"
#include "server/command.h"

namespace tierkv::server {

template <class T>
constexpr storage::ValueType value_type_of() {
    if constexpr (std::is_same_v<T, storage::HashValue>) return storage::ValueType::kHash;
    if constexpr (std::is_same_v<T, storage::SetValue>) return storage::ValueType::kSet;
    if constexpr (std::is_same_v<T, storage::ListValue>) return storage::ValueType::kList;
    if constexpr (std::is_same_v<T, storage::ZSetValue>) return storage::ValueType::kZSet;
}

storage::EncodingLimits encoding_limits(const CommandContext& ctx);

enum class Access { kRead, kWrite };

// The entry of `key` when it holds a T; nullptr when the key is missing;
// nullopt, after replying WRONGTYPE, when it holds another type. kRead
// counts a keyspace hit or miss (find_for_read), kWrite does not.
template <class T>
std::optional<storage::Entry*> find_typed(CommandContext& ctx, storage::DbView& db, std::string_view key,
                                          Access access) {
    storage::Entry* entry = access == Access::kRead ? db.find_for_read(key) : db.find_for_write(key);
    if (entry && entry->value.type() != value_type_of<T>()) {
        ctx.reply.error(kErrWrongType);
        return std::nullopt;
    }
    return entry;
}

// The T at `key`, created empty when missing; nullptr after replying
// WRONGTYPE. The caller must leave it non-empty (or delete it).
template <class T>
storage::Entry* find_or_create(CommandContext& ctx, storage::DbView& db, std::string_view key) {
    const auto found = find_typed<T>(ctx, db, key, Access::kWrite);
    if (!found) return nullptr;
    if (*found) return *found;
    return &db.set(key, storage::Value(T()));
}

// Runs change(T&) on the entry's collection under a ValueEdit, so its
// memory is recounted, then deletes `key` when the collection is left
// empty. Returns what `change` returns.
template <class T, class Change>
auto edit_collection(storage::DbView& db, storage::Entry& entry, std::string_view key, Change&& change) {
    using Result = std::invoke_result_t<Change, T&>;
    bool now_empty = false;
    if constexpr (std::is_void_v<Result>) {
        {
            auto value = db.edit(entry);
            T& collection = value->template as<T>();
            change(collection);
            now_empty = collection.empty();
        }
        if (now_empty) db.erase(key);
    } else {
        std::optional<Result> result;
        {
            auto value = db.edit(entry);
            T& collection = value->template as<T>();
            result.emplace(change(collection));
            now_empty = collection.empty();
        }
        if (now_empty) db.erase(key);
        return std::move(*result);
    }
}

// Elements were added to the list at `key` (in the client's database):
// wakes a client blocked on it (BLPOP ...).
void signal_list_push(const CommandContext& ctx, std::string_view key);

// For random members and fields (SRANDMEMBER, SPOP, HRANDFIELD).
std::mt19937_64& random_engine();

// Redis's bound on COUNT-sized replies: a negative count for SRANDMEMBER or
// HRANDFIELD asks for that many elements, which Redis would build for ever.
inline constexpr std::uint64_t kMaxRandomReply = 100'000'000;

// HRANDFIELD / ZRANDMEMBER key count [WITHVALUES | WITHSCORES]: the count and
// whether `flag` was given, checked in Redis's order before the key is read.
// Replies the error and returns nullopt when they are wrong.
struct RandomCount {
    std::int64_t count;
    bool with_flag;
};
std::optional<RandomCount> parse_random_count(CommandContext& ctx, std::string_view flag);
// HRANDFIELD / ZRANDMEMBER: replies `count` random elements with `reply`
// (each distinct when `distinct`, then at most `size`), the way Redis picks
// them: every element in the collection's order when all are wanted, a
// shuffle of them all when many are, otherwise random draws until enough
// distinct ones came up. `random()` draws one element, `all()` lists them
// in order, `key_of(element)` is what makes two of them the same.
template <class Random, class All, class KeyOf, class Reply>
void reply_random_picks(std::uint64_t size, std::uint64_t count, bool distinct, Random random, All all, KeyOf key_of,
                        Reply reply) {
    if (!distinct) {
        for (std::uint64_t i = 0; i < count; ++i) reply(random());
        return;
    }
    if (count == size || count * 3 > size) {
        auto elements = all();
        if (count != size) std::shuffle(elements.begin(), elements.end(), random_engine());
        for (std::uint64_t i = 0; i < count; ++i) reply(elements[i]);
        return;
    }
    std::unordered_set<std::string_view> picked;
    while (picked.size() < count) {
        const auto element = random();
        if (picked.insert(key_of(element)).second) reply(element);
    }
}

// After the lookup: how many to reply (|count|), or nullopt after replying
// an error for a repeating count (negative) too large to answer.
std::optional<std::uint64_t> random_reply_size(CommandContext& ctx, std::int64_t count);

// ---- HSCAN / SSCAN ----------------------------------------------------------

// HSCAN / SSCAN / ZSCAN of a missing key: cursor 0 and no elements.
void reply_empty_scan(CommandContext& ctx);

struct ElementScanOptions {
    std::size_t count = 10;
    std::string_view pattern;  // empty: no MATCH
};

// [MATCH pattern] [COUNT count] from args[first] on; replies the error itself.
std::optional<ElementScanOptions> parse_element_scan_options(CommandContext& ctx, std::size_t first);

// Moves the elements (groups of `per_element` strings) whose first string
// matches `pattern` to the front; returns how many strings they take.
std::size_t keep_matching(std::vector<std::string>& items, std::string_view pattern, std::size_t per_element);

// Runs a scan as Redis's scanGenericCommand: calls step(cursor, items),
// which appends `per_element` strings per element it visits (a field and
// its value, or a member) and returns the next cursor, until COUNT items are
// in or the walk ends (at most 10 * COUNT steps), then drops the elements
// whose first string does not match the pattern and replies.
template <class Step>
void reply_element_scan(CommandContext& ctx, std::uint64_t cursor, const ElementScanOptions& opts,
                        std::size_t per_element, Step&& step) {
    std::vector<std::string> items;
    std::size_t budget = opts.count > SIZE_MAX / 10 ? SIZE_MAX : opts.count * 10;
    do {
        cursor = step(cursor, items);
    } while (cursor != 0 && budget-- > 0 && items.size() < opts.count);
    std::size_t kept = items.size();
    if (!opts.pattern.empty()) kept = keep_matching(items, opts.pattern, per_element);
    ctx.reply.array(2);
    ctx.reply.bulk(std::to_string(cursor));
    ctx.reply.array(kept);
    for (std::size_t i = 0; i < kept; ++i) ctx.reply.bulk(items[i]);
}

}  // namespace tierkv::server
