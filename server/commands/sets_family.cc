// Set commands: SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SRANDMEMBER
// SPOP SMOVE SINTER SINTERCARD SUNION SDIFF SINTERSTORE SUNIONSTORE
// SDIFFSTORE SSCAN. Replies, error texts and the order of checks follow
// Redis 7.0's t_set.c.
#include <algorithm>
#include <climits>
#include <string>
#include <unordered_set>
#include <vector>

#include "server/arguments.h"
#include "server/command_table.h"
#include "server/commands/collections.h"

namespace tierkv::server {
namespace {

using storage::DbView;
using storage::Entry;
using storage::SetValue;

const SetValue& set_of(const Entry& entry) { return entry.value.as<SetValue>(); }

std::optional<Entry*> find_set(CommandContext& ctx, DbView& db, std::string_view key, Access access = Access::kRead) {
    return find_typed<SetValue>(ctx, db, key, access);
}

void reply_members(CommandContext& ctx, const SetValue& set) {
    ctx.reply.set(set.size());
    set.for_each([&](std::string_view member) { ctx.reply.bulk(member); });
}

// ---- SADD SREM -----------------------------------------------------------------

void sadd(CommandContext& ctx) {
    DbView db = ctx.db();
    Entry* entry = find_or_create<SetValue>(ctx, db, ctx.args[1]);
    if (!entry) return;
    const storage::EncodingLimits limits = encoding_limits(ctx);
    const std::int64_t added = edit_collection<SetValue>(db, *entry, ctx.args[1], [&](SetValue& set) {
        std::int64_t n = 0;
        for (std::size_t i = 2; i < ctx.argc(); ++i) n += set.add(ctx.args[i], limits);
        return n;
    });
    ctx.reply.integer(added);
}

void srem(CommandContext& ctx) {
    DbView db = ctx.db();
    const auto entry = find_set(ctx, db, ctx.args[1], Access::kWrite);
    if (!entry) return;
    if (!*entry) return ctx.reply.integer(0);
    const std::int64_t removed = edit_collection<SetValue>(db, **entry, ctx.args[1], [&](SetValue& set) {
        std::int64_t n = 0;
        for (std::size_t i = 2; i < ctx.argc() && !set.empty(); ++i) n += set.remove(ctx.args[i]);
        return n;
    });
    ctx.reply.integer(removed);
}

// ---- SCARD SISMEMBER SMISMEMBER SMEMBERS -------------------------------------------

void scard(CommandContext& ctx) {
    DbView db = ctx.db();
    const auto entry = find_set(ctx, db, ctx.args[1]);
    if (!entry) return;
    ctx.reply.integer(*entry ? static_cast<std::int64_t>(set_of(**entry).size()) : 0);
}

void sismember(CommandContext& ctx) {
    DbView db = ctx.db();
    const auto entry = find_set(ctx, db, ctx.args[1]);
    if (!entry) return;
    ctx.reply.integer(*entry && set_of(**entry).contains(ctx.args[2]) ? 1 : 0);
}

void smismember(CommandContext& ctx) {
    DbView db = ctx.db();
    const auto entry = find_set(ctx, db, ctx.args[1]);
    if (!entry) return;
    ctx.reply.array(ctx.argc() - 2);
    for (std::size_t i = 2; i < ctx.argc(); ++i) ctx.reply.integer(*entry && set_of(**entry).contains(ctx.args[i]));
}

void smembers(CommandContext& ctx) {
    DbView db = ctx.db();
    const auto entry = find_set(ctx, db, ctx.args[1]);
    if (!entry) return;
    if (!*entry) return ctx.reply.set(0);
    reply_members(ctx, set_of(**entry));
}

// ---- SRANDMEMBER SPOP ------------------------------------------------------------

// `count` distinct members (count < size), in random order.
std::vector<std::string> distinct_random_members(const SetValue& set, std::size_t count) {
    auto& rng = random_engine();
    std::vector<std::string> members;
    if (count * 3 > set.size()) {  // many of them: shuffle them all, keep the first `count`
        members.reserve(set.size());
        set.for_each([&](std::string_view m) { members.emplace_back(m); });
        std::shuffle(members.begin(), members.end(), rng);
        members.resize(count);
        return members;
    }
    std::unordered_set<std::string> picked;
    while (picked.size() < count) {
        std::string m = set.random(rng);
        if (picked.insert(m).second) members.push_back(std::move(m));
    }
    return members;
}

void srandmember(CommandContext& ctx) {
    if (ctx.argc() > 3) return ctx.reply.error(kErrSyntax);
    DbView db = ctx.db();
    if (ctx.argc() == 2) {
        const auto entry = find_set(ctx, db, ctx.args[1]);
        if (!entry) return;
        if (!*entry) return ctx.reply.null();
        return ctx.reply.bulk(set_of(**entry).random(random_engine()));
    }
    const auto count = parse_int64(ctx.args[2]);
    if (!count) return ctx.reply.error(kErrNotInteger);
    if (*count == INT64_MIN) {
        return ctx.reply.error(
            "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
    }
    const auto entry = find_set(ctx, db, ctx.args[1]);
    if (!entry) return;
    if (!*entry || *count == 0) return ctx.reply.array(0);
    const SetValue& set = set_of(**entry);
    if (*count < 0) {
        const auto wanted = static_cast<std::uint64_t>(-*count);
        if (wanted > kMaxRandomReply) return ctx.reply.error("ERR value is out of range");
        ctx.reply.array(wanted);
        for (std::uint64_t i = 0; i < wanted; ++i) ctx.reply.bulk(set.random(random_engine()));
        return;
    }
    if (static_cast<std::uint64_t>(*count) >= set.size()) {
        ctx.reply.array(set.size());
        set.for_each([&](std::string_view m) { ctx.reply.bulk(m); });
        return;
    }
    ctx.reply.bulk_array(distinct_random_members(set, static_cast<std::size_t>(*count)));
}

void spop_one(CommandContext& ctx) {
    DbView db = ctx.db();
    const auto entry = find_set(ctx, db, ctx.args[1], Access::kWrite);
    if (!entry) return;
    if (!*entry) return ctx.reply.null();
    const std::string member = edit_collection<SetValue>(
        db, **entry, ctx.args[1], [](SetValue& set) { return set.pop_random(random_engine()); });
    ctx.reply.bulk(member);
}

void spop(CommandContext& ctx) {
    if (ctx.argc() == 2) return spop_one(ctx);
    if (ctx.argc() > 3) return ctx.reply.error(kErrSyntax);
    const auto count = parse_int64(ctx.args[2]);
    if (!count || *count < 0) return ctx.reply.error("ERR value is out of range, must be positive");
    DbView db = ctx.db();
    const auto entry = find_set(ctx, db, ctx.args[1], Access::kWrite);
    if (!entry) return;
    if (!*entry || *count == 0) return ctx.reply.set(0);
    if (static_cast<std::uint64_t>(*count) >= set_of(**entry).size()) {  // the whole set
        reply_members(ctx, set_of(**entry));
        db.erase(ctx.args[1]);
        return;
    }
    const std::vector<std::string> popped = distinct_random_members(set_of(**entry), static_cast<std::size_t>(*count));
    edit_collection<SetValue>(db, **entry, ctx.args[1], [&](SetValue& set) {
        for (const std::string& m : popped) set.remove(m);
    });
    ctx.reply.set(popped.size());
    for (const std::string& m : popped) ctx.reply.bulk(m);
}

// ---- SMOVE ------------------------------------------------------------------------

void smove(CommandContext& ctx) {
    const std::string_view src_key = ctx.args[1];
    const std::string_view dst_key = ctx.args[2];
    const std::string_view member = ctx.args[3];
    DbView db = ctx.db();
    Entry* src = db.find_for_write(src_key);
    Entry* dst = db.find_for_write(dst_key);
    if (!src) return ctx.reply.integer(0);
    const auto is_set = [](const Entry* e) { return e->value.type() == storage::ValueType::kSet; };
    if (!is_set(src) || (dst && !is_set(dst))) return ctx.reply.error(kErrWrongType);
    if (src_key == dst_key) return ctx.reply.integer(set_of(*src).contains(member) ? 1 : 0);
    const bool moved = edit_collection<SetValue>(db, *src, src_key, [&](SetValue& set) { return set.remove(member); });
    if (!moved) return ctx.reply.integer(0);
    if (!dst) dst = &db.set(dst_key, storage::Value(SetValue()));
    const storage::EncodingLimits limits = encoding_limits(ctx);
    edit_collection<SetValue>(db, *dst, dst_key, [&](SetValue& set) { set.add(member, limits); });
    ctx.reply.integer(1);
}

// ---- SINTER SUNION SDIFF and their STORE forms ---------------------------------------

// The sets named by `keys`: nullptr for a missing key. nullopt after
// replying WRONGTYPE when any key holds another type, missing ones or not.
std::optional<std::vector<const SetValue*>> find_sets(CommandContext& ctx, std::span<const std::string_view> keys,
                                                      Access access) {
    DbView db = ctx.db();
    std::vector<const SetValue*> sets;
    sets.reserve(keys.size());
    for (std::string_view key : keys) {
        const auto entry = find_set(ctx, db, key, access);
        if (!entry) return std::nullopt;
        sets.push_back(*entry ? &set_of(**entry) : nullptr);
    }
    return sets;
}

// Visits the members of the intersection, in the order of the smallest
// set, until visit() returns false.
template <class Visit>
void for_each_in_intersection(std::vector<const SetValue*> sets, Visit&& visit) {
    if (sets.empty() || std::find(sets.begin(), sets.end(), nullptr) != sets.end()) return;
    std::stable_sort(sets.begin(), sets.end(), [](const SetValue* a, const SetValue* b) { return a->size() < b->size(); });
    bool more = true;
    sets.front()->for_each([&](std::string_view member) {
        if (!more) return;
        for (std::size_t i = 1; i < sets.size(); ++i) {
            if (sets[i] != sets.front() && !sets[i]->contains(member)) return;
        }
        more = visit(member);
    });
}

enum class SetOp { kUnion, kDiff };

// The union of `sets`, or the first minus the others, built as Redis
// builds it: a new set that starts as an intset.
SetValue combine(const std::vector<const SetValue*>& sets, SetOp op, const storage::EncodingLimits& limits) {
    SetValue result;
    if (op == SetOp::kUnion) {
        for (const SetValue* set : sets) {
            if (set) set->for_each([&](std::string_view m) { result.add(m, limits); });
        }
        return result;
    }
    if (sets.empty() || !sets.front()) return result;
    sets.front()->for_each([&](std::string_view m) {
        for (std::size_t i = 1; i < sets.size(); ++i) {
            if (sets[i] && sets[i]->contains(m)) return;
        }
        result.add(m, limits);
    });
    return result;
}

SetValue intersection(const std::vector<const SetValue*>& sets, const storage::EncodingLimits& limits) {
    SetValue result;
    for_each_in_intersection(sets, [&](std::string_view m) {
        result.add(m, limits);
        return true;
    });
    return result;
}

std::span<const std::string_view> source_keys(const CommandContext& ctx, std::size_t first) {
    return ctx.args.subspan(first);
}

void sinter(CommandContext& ctx) {
    const auto sets = find_sets(ctx, source_keys(ctx, 1), Access::kRead);
    if (!sets) return;
    reply_members(ctx, intersection(*sets, encoding_limits(ctx)));
}

void sunion(CommandContext& ctx) {
    const auto sets = find_sets(ctx, source_keys(ctx, 1), Access::kRead);
    if (!sets) return;
    reply_members(ctx, combine(*sets, SetOp::kUnion, encoding_limits(ctx)));
}

void sdiff(CommandContext& ctx) {
    const auto sets = find_sets(ctx, source_keys(ctx, 1), Access::kRead);
    if (!sets) return;
    reply_members(ctx, combine(*sets, SetOp::kDiff, encoding_limits(ctx)));
}

// Stores `result` at args[1] (replacing whatever is there, TTL included),
// or deletes args[1] when it is empty; replies its size.
void store_result(CommandContext& ctx, SetValue result) {
    DbView db = ctx.db();
    const auto size = static_cast<std::int64_t>(result.size());
    if (size == 0) {
        db.erase(ctx.args[1]);
    } else {
        db.set(ctx.args[1], storage::Value(std::move(result)));
    }
    ctx.reply.integer(size);
}

void sinterstore(CommandContext& ctx) {
    const auto sets = find_sets(ctx, source_keys(ctx, 2), Access::kWrite);
    if (!sets) return;
    store_result(ctx, intersection(*sets, encoding_limits(ctx)));
}

void sunionstore(CommandContext& ctx) {
    const auto sets = find_sets(ctx, source_keys(ctx, 2), Access::kWrite);
    if (!sets) return;
    store_result(ctx, combine(*sets, SetOp::kUnion, encoding_limits(ctx)));
}

void sdiffstore(CommandContext& ctx) {
    const auto sets = find_sets(ctx, source_keys(ctx, 2), Access::kWrite);
    if (!sets) return;
    store_result(ctx, combine(*sets, SetOp::kDiff, encoding_limits(ctx)));
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void sintercard(CommandContext& ctx) {
    const auto numkeys = parse_int64(ctx.args[1]);
    if (!numkeys || *numkeys <= 0) return ctx.reply.error("ERR numkeys should be greater than 0");
    if (static_cast<std::uint64_t>(*numkeys) > ctx.argc() - 2) {
        return ctx.reply.error("ERR Number of keys can't be greater than number of args");
    }
    const auto keys_end = 2 + static_cast<std::size_t>(*numkeys);
    std::uint64_t limit = 0;  // none
    for (std::size_t i = keys_end; i < ctx.argc(); ++i) {
        if (!iequals(ctx.args[i], "limit") || i + 1 >= ctx.argc()) return ctx.reply.error(kErrSyntax);
        const auto value = parse_int64(ctx.args[++i]);
        if (!value || *value < 0) return ctx.reply.error("ERR LIMIT can't be negative");
        limit = static_cast<std::uint64_t>(*value);
    }
    const auto sets = find_sets(ctx, ctx.args.subspan(2, keys_end - 2), Access::kRead);
    if (!sets) return;
    std::uint64_t count = 0;
    for_each_in_intersection(*sets, [&](std::string_view) { return ++count != limit; });
    ctx.reply.integer(static_cast<std::int64_t>(count));
}

// ---- SSCAN ----------------------------------------------------------------------

void sscan(CommandContext& ctx) {
    const auto cursor = parse_scan_cursor(ctx.args[2]);
    if (!cursor) return ctx.reply.error("ERR invalid cursor");
    DbView db = ctx.db();
    const auto entry = find_set(ctx, db, ctx.args[1]);
    if (!entry) return;
    if (!*entry) return reply_empty_scan(ctx);
    const auto opts = parse_element_scan_options(ctx, 3);
    if (!opts) return;
    const SetValue& set = set_of(**entry);
    reply_element_scan(ctx, *cursor, *opts, 1, [&](std::uint64_t at, std::vector<std::string>& items) {
        return set.scan(at, [&](std::string_view member) { items.emplace_back(member); });
    });
}

}  // namespace

void register_set_commands(CommandTable& table) {
    const KeyPositions key{1, 1, 1};
    const KeyPositions all_keys{1, -1, 1};
    table.add({.name = "sadd", .arity = -3, .flags = kWrite | kDenyOom | kFast, .keys = key, .handler = sadd,
               .group = "set", .summary = "Adds members to a set; creates the set if missing.", .since = "1.0.0",
               .complexity = "O(1) for each member added, so O(N) for N members.",
               .syntax = "key member [member ...]"});
    table.add({.name = "srem", .arity = -3, .flags = kWrite | kFast, .keys = key, .handler = srem, .group = "set",
               .summary = "Removes members from a set; deletes the set when none are left.", .since = "1.0.0",
               .complexity = "O(N) where N is the number of members to be removed.",
               .syntax = "key member [member ...]"});
    table.add({.name = "scard", .arity = 2, .flags = kReadOnly | kFast, .keys = key, .handler = scard,
               .group = "set", .summary = "Returns the number of members of a set.", .since = "1.0.0",
               .complexity = "O(1)", .syntax = "key"});
    table.add({.name = "sismember", .arity = 3, .flags = kReadOnly | kFast, .keys = key, .handler = sismember,
               .group = "set", .summary = "Tells whether a member belongs to a set.", .since = "1.0.0",
               .complexity = "O(1)", .syntax = "key member"});
    table.add({.name = "smismember", .arity = -3, .flags = kReadOnly | kFast, .keys = key, .handler = smismember,
               .group = "set", .summary = "Tells, for each of several members, whether it belongs to a set.",
               .since = "6.2.0", .complexity = "O(N) where N is the number of members checked.",
               .syntax = "key member [member ...]"});
    table.add({.name = "smembers", .arity = 2, .flags = kReadOnly, .keys = key, .handler = smembers,
               .group = "set", .summary = "Returns every member of a set.", .since = "1.0.0",
               .complexity = "O(N) where N is the set cardinality.", .syntax = "key",
               .tips = "nondeterministic_output_order"});
    table.add({.name = "srandmember", .arity = -2, .flags = kReadOnly, .keys = key, .handler = srandmember,
               .group = "set", .summary = "Returns random members of a set.", .since = "1.0.0",
               .complexity = "O(1) without count, else O(N) where N is the absolute value of count.",
               .syntax = "key [count]", .tips = "nondeterministic_output"});
    table.add({.name = "spop", .arity = -2, .flags = kWrite | kFast, .keys = key, .handler = spop, .group = "set",
               .summary = "Removes and returns random members of a set.", .since = "1.0.0",
               .complexity = "O(1) without count, else O(N) where N is count.", .syntax = "key [count]",
               .tips = "nondeterministic_output"});
    table.add({.name = "smove", .arity = 4, .flags = kWrite | kFast, .keys = {1, 2, 1}, .handler = smove,
               .group = "set", .summary = "Moves a member from one set to another.", .since = "1.0.0",
               .complexity = "O(1)", .syntax = "source destination member"});
    table.add({.name = "sinter", .arity = -2, .flags = kReadOnly, .keys = all_keys, .handler = sinter,
               .group = "set", .summary = "Returns the intersection of sets.", .since = "1.0.0",
               .complexity = "O(N*M) worst case where N is the size of the smallest set and M the number of sets.",
               .syntax = "key [key ...]", .tips = "nondeterministic_output_order"});
    table.add({.name = "sintercard", .arity = -3, .flags = kReadOnly, .keys = {.numkeys_at = 1},
               .handler = sintercard, .group = "set",
               .summary = "Returns the size of the intersection of sets, counting up to a limit.", .since = "7.0.0",
               .complexity = "O(N*M) worst case where N is the size of the smallest set and M the number of sets.",
               .syntax = "numkeys key [key ...] [LIMIT limit]"});
    table.add({.name = "sunion", .arity = -2, .flags = kReadOnly, .keys = all_keys, .handler = sunion,
               .group = "set", .summary = "Returns the union of sets.", .since = "1.0.0",
               .complexity = "O(N) where N is the total number of members of all the sets.",
               .syntax = "key [key ...]", .tips = "nondeterministic_output_order"});
    table.add({.name = "sdiff", .arity = -2, .flags = kReadOnly, .keys = all_keys, .handler = sdiff,
               .group = "set", .summary = "Returns the members of the first set that are in none of the others.",
               .since = "1.0.0", .complexity = "O(N) where N is the total number of members of all the sets.",
               .syntax = "key [key ...]", .tips = "nondeterministic_output_order"});
    table.add({.name = "sinterstore", .arity = -3, .flags = kWrite | kDenyOom, .keys = all_keys,
               .handler = sinterstore, .group = "set", .summary = "Stores the intersection of sets in a key.",
               .since = "1.0.0",
               .complexity = "O(N*M) worst case where N is the size of the smallest set and M the number of sets.",
               .syntax = "destination key [key ...]"});
    table.add({.name = "sunionstore", .arity = -3, .flags = kWrite | kDenyOom, .keys = all_keys,
               .handler = sunionstore, .group = "set", .summary = "Stores the union of sets in a key.",
               .since = "1.0.0", .complexity = "O(N) where N is the total number of members of all the sets.",
               .syntax = "destination key [key ...]"});
    table.add({.name = "sdiffstore", .arity = -3, .flags = kWrite | kDenyOom, .keys = all_keys,
               .handler = sdiffstore, .group = "set",
               .summary = "Stores the members of the first set that are in none of the others in a key.",
               .since = "1.0.0", .complexity = "O(N) where N is the total number of members of all the sets.",
               .syntax = "destination key [key ...]"});
    table.add({.name = "sscan", .arity = -3, .flags = kReadOnly, .keys = key, .handler = sscan, .group = "set",
               .summary = "Walks the members of a set a page at a time.", .since = "2.8.0",
               .complexity = "O(1) per call, O(N) for a complete walk.",
               .syntax = "key cursor [MATCH pattern] [COUNT count]", .tips = "nondeterministic_output"});
}

}  // namespace tierkv::server
