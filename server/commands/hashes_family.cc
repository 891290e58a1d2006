// Hash commands: HSET HSETNX HGET HMGET HMSET HDEL HLEN HSTRLEN HEXISTS
// HKEYS HVALS HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN. Replies, error
// texts and the order of checks follow Redis 7.0's t_hash.c.
#include <algorithm>
#include <climits>
#include <cmath>
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
using storage::HashValue;

std::optional<Entry*> find_hash(CommandContext& ctx, DbView& db, Access access = Access::kRead) {
    return find_typed<HashValue>(ctx, db, ctx.args[1], access);
}

const HashValue& hash_of(const Entry& entry) { return entry.value.as<HashValue>(); }

// ---- HSET HMSET HSETNX ------------------------------------------------------

// HSET and HMSET: field/value pairs from args[2] on.
bool set_pairs(CommandContext& ctx, std::int64_t& created) {
    if (ctx.argc() % 2 != 0) {
        ctx.reply.error(arity_error(ctx.spec.name));
        return false;
    }
    DbView db = ctx.db();
    Entry* entry = find_or_create<HashValue>(ctx, db, ctx.args[1]);
    if (!entry) return false;
    const storage::EncodingLimits limits = encoding_limits(ctx);
    created = edit_collection<HashValue>(db, *entry, ctx.args[1], [&](HashValue& hash) {
        std::int64_t added = 0;
        for (std::size_t i = 2; i < ctx.argc(); i += 2) added += hash.set(ctx.args[i], ctx.args[i + 1], limits);
        return added;
    });
    return true;
}

void hset(CommandContext& ctx) {
    std::int64_t created = 0;
    if (set_pairs(ctx, created)) ctx.reply.integer(created);
}

void hmset(CommandContext& ctx) {
    std::int64_t created = 0;
    if (set_pairs(ctx, created)) ctx.reply.ok();
}

void hsetnx(CommandContext& ctx) {
    DbView db = ctx.db();
    Entry* entry = find_or_create<HashValue>(ctx, db, ctx.args[1]);
    if (!entry) return;
    if (hash_of(*entry).contains(ctx.args[2])) return ctx.reply.integer(0);
    const storage::EncodingLimits limits = encoding_limits(ctx);
    edit_collection<HashValue>(db, *entry, ctx.args[1],
                               [&](HashValue& hash) { hash.set(ctx.args[2], ctx.args[3], limits); });
    ctx.reply.integer(1);
}

// ---- HGET HMGET HSTRLEN HEXISTS HLEN --------------------------------------------

void hget(CommandContext& ctx) {
    DbView db = ctx.db();
    const auto entry = find_hash(ctx, db);
    if (!entry) return;
    const auto value = *entry ? hash_of(**entry).get(ctx.args[2]) : std::nullopt;
    value ? ctx.reply.bulk(*value) : ctx.reply.null();
}

void hmget(CommandContext& ctx) {
    DbView db = ctx.db();
    const auto entry = find_hash(ctx, db);
    if (!entry) return;
    ctx.reply.array(ctx.argc() - 2);
    for (std::size_t i = 2; i < ctx.argc(); ++i) {
        const auto value = *entry ? hash_of(**entry).get(ctx.args[i]) : std::nullopt;
        value ? ctx.reply.bulk(*value) : ctx.reply.null();
    }
}

void hstrlen(CommandContext& ctx) {
    DbView db = ctx.db();
    const auto entry = find_hash(ctx, db);
    if (!entry) return;
    const auto value = *entry ? hash_of(**entry).get(ctx.args[2]) : std::nullopt;
    ctx.reply.integer(value ? static_cast<std::int64_t>(value->size()) : 0);
}

void hexists(CommandContext& ctx) {
    DbView db = ctx.db();
    const auto entry = find_hash(ctx, db);
    if (!entry) return;
    ctx.reply.integer(*entry && hash_of(**entry).contains(ctx.args[2]) ? 1 : 0);
}

void hlen(CommandContext& ctx) {
    DbView db = ctx.db();
    const auto entry = find_hash(ctx, db);
    if (!entry) return;
    ctx.reply.integer(*entry ? static_cast<std::int64_t>(hash_of(**entry).size()) : 0);
}

// ---- HDEL ---------------------------------------------------------------------

void hdel(CommandContext& ctx) {
    DbView db = ctx.db();
    const auto entry = find_hash(ctx, db, Access::kWrite);
    if (!entry) return;
    if (!*entry) return ctx.reply.integer(0);
    const std::int64_t deleted = edit_collection<HashValue>(db, **entry, ctx.args[1], [&](HashValue& hash) {
        std::int64_t n = 0;
        for (std::size_t i = 2; i < ctx.argc() && !hash.empty(); ++i) n += hash.erase(ctx.args[i]);
        return n;
    });
    ctx.reply.integer(deleted);
}

// ---- HKEYS HVALS HGETALL --------------------------------------------------------

enum Parts { kFields = 1, kValues = 2, kBoth = 3 };

void reply_all(CommandContext& ctx, Parts parts) {
    DbView db = ctx.db();
    const auto entry = find_hash(ctx, db);
    if (!entry) return;
    const std::size_t size = *entry ? hash_of(**entry).size() : 0;
    if (parts == kBoth) {
        ctx.reply.map(size);
    } else {
        ctx.reply.array(size);
    }
    if (!*entry) return;
    hash_of(**entry).for_each([&](std::string_view field, std::string_view value) {
        if (parts & kFields) ctx.reply.bulk(field);
        if (parts & kValues) ctx.reply.bulk(value);
    });
}

void hkeys(CommandContext& ctx) { reply_all(ctx, kFields); }
void hvals(CommandContext& ctx) { reply_all(ctx, kValues); }
void hgetall(CommandContext& ctx) { reply_all(ctx, kBoth); }

// ---- HINCRBY HINCRBYFLOAT ----------------------------------------------------------

void hincrby(CommandContext& ctx) {
    const auto increment = parse_int64(ctx.args[3]);
    if (!increment) return ctx.reply.error(kErrNotInteger);
    DbView db = ctx.db();
    Entry* entry = find_or_create<HashValue>(ctx, db, ctx.args[1]);
    if (!entry) return;
    std::int64_t value = 0;
    if (const auto current = hash_of(*entry).get(ctx.args[2])) {
        const auto parsed = parse_int64(*current);
        if (!parsed) return ctx.reply.error("ERR hash value is not an integer");
        value = *parsed;
    }
    const bool overflow = (*increment < 0 && value < 0 && *increment < INT64_MIN - value) ||
                          (*increment > 0 && value > 0 && *increment > INT64_MAX - value);
    if (overflow) return ctx.reply.error(kErrOverflow);
    value += *increment;
    const storage::EncodingLimits limits = encoding_limits(ctx);
    edit_collection<HashValue>(db, *entry, ctx.args[1],
                               [&](HashValue& hash) { hash.set(ctx.args[2], std::to_string(value), limits); });
    ctx.reply.integer(value);
}

void hincrbyfloat(CommandContext& ctx) {
    const auto increment = parse_long_double(ctx.args[3]);
    if (!increment) return ctx.reply.error(kErrNotFloat);
    if (std::isnan(*increment) || std::isinf(*increment)) return ctx.reply.error("ERR value is NaN or Infinity");
    DbView db = ctx.db();
    Entry* entry = find_or_create<HashValue>(ctx, db, ctx.args[1]);
    if (!entry) return;
    long double value = 0;
    if (const auto current = hash_of(*entry).get(ctx.args[2])) {
        const auto parsed = parse_long_double(*current);
        if (!parsed) return ctx.reply.error("ERR hash value is not a float");
        value = *parsed;
    }
    value += *increment;
    if (std::isnan(value) || std::isinf(value)) return ctx.reply.error("ERR increment would produce NaN or Infinity");
    const std::string text = format_incr_float(value);
    const storage::EncodingLimits limits = encoding_limits(ctx);
    edit_collection<HashValue>(db, *entry, ctx.args[1],
                               [&](HashValue& hash) { hash.set(ctx.args[2], text, limits); });
    ctx.reply.bulk(text);
}

// ---- HRANDFIELD ---------------------------------------------------------------------

void reply_pair(CommandContext& ctx, HashValue::Pair pair, bool with_values) {
    if (with_values && ctx.reply.resp3()) ctx.reply.array(2);
    ctx.reply.bulk(pair.field);
    if (with_values) ctx.reply.bulk(pair.value);
}

// `count` fields, or as many as the hash has when `distinct`.
void reply_random_fields(CommandContext& ctx, const HashValue& hash, std::uint64_t count, bool distinct,
                         bool with_values) {
    if (distinct) count = std::min<std::uint64_t>(count, hash.size());
    ctx.reply.array(with_values && !ctx.reply.resp3() ? 2 * count : count);
    reply_random_picks(
        hash.size(), count, distinct, [&] { return hash.random(random_engine()); },
        [&] {
            std::vector<HashValue::Pair> all;
            all.reserve(hash.size());
            hash.for_each([&](std::string_view f, std::string_view v) { all.push_back({f, v}); });
            return all;
        },
        [](const HashValue::Pair& p) { return p.field; },
        [&](const HashValue::Pair& p) { reply_pair(ctx, p, with_values); });
}

void hrandfield(CommandContext& ctx) {
    DbView db = ctx.db();
    if (ctx.argc() == 2) {
        const auto entry = find_hash(ctx, db);
        if (!entry) return;
        if (!*entry) return ctx.reply.null();
        return ctx.reply.bulk(hash_of(**entry).random(random_engine()).field);
    }
    const auto args = parse_random_count(ctx, "withvalues");
    if (!args) return;
    const auto entry = find_hash(ctx, db);
    if (!entry) return;
    if (!*entry || args->count == 0) return ctx.reply.array(0);
    const auto wanted = random_reply_size(ctx, args->count);
    if (!wanted) return;
    reply_random_fields(ctx, hash_of(**entry), *wanted, args->count > 0, args->with_flag);
}

// ---- HSCAN ------------------------------------------------------------------------

void hscan(CommandContext& ctx) {
    const auto cursor = parse_scan_cursor(ctx.args[2]);
    if (!cursor) return ctx.reply.error("ERR invalid cursor");
    DbView db = ctx.db();
    const auto entry = find_hash(ctx, db);
    if (!entry) return;
    if (!*entry) return reply_empty_scan(ctx);
    const auto opts = parse_element_scan_options(ctx, 3);
    if (!opts) return;
    const HashValue& hash = hash_of(**entry);
    reply_element_scan(ctx, *cursor, *opts, 2, [&](std::uint64_t at, std::vector<std::string>& items) {
        return hash.scan(at, [&](std::string_view field, std::string_view value) {
            items.emplace_back(field);
            items.emplace_back(value);
        });
    });
}

}  // namespace

void register_hash_commands(CommandTable& table) {
    const KeyPositions key{1, 1, 1};
    constexpr std::uint32_t kWriteFast = kWrite | kDenyOom | kFast;
    table.add({.name = "hset", .arity = -4, .flags = kWriteFast, .keys = key, .handler = hset, .group = "hash",
               .summary = "Sets fields of a hash to values; creates the hash if missing.", .since = "2.0.0",
               .complexity = "O(1) for each field/value pair added, so O(N) for N pairs.",
               .syntax = "key field value [field value ...]"});
    table.add({.name = "hsetnx", .arity = 4, .flags = kWriteFast, .keys = key, .handler = hsetnx, .group = "hash",
               .summary = "Sets a field of a hash only when the field does not exist.", .since = "2.0.0",
               .complexity = "O(1)", .syntax = "key field value"});
    table.add({.name = "hget", .arity = 3, .flags = kReadOnly | kFast, .keys = key, .handler = hget,
               .group = "hash", .summary = "Returns the value of a field of a hash.", .since = "2.0.0",
               .complexity = "O(1)", .syntax = "key field"});
    table.add({.name = "hmget", .arity = -3, .flags = kReadOnly | kFast, .keys = key, .handler = hmget,
               .group = "hash", .summary = "Returns the values of fields of a hash.", .since = "2.0.0",
               .complexity = "O(N) where N is the number of fields being requested.",
               .syntax = "key field [field ...]"});
    table.add({.name = "hmset", .arity = -4, .flags = kWriteFast, .keys = key, .handler = hmset, .group = "hash",
               .summary = "Sets fields of a hash to values (deprecated: HSET does the same).", .since = "2.0.0",
               .complexity = "O(N) where N is the number of fields being set.",
               .syntax = "key field value [field value ...]"});
    table.add({.name = "hdel", .arity = -3, .flags = kWrite | kFast, .keys = key, .handler = hdel, .group = "hash",
               .summary = "Deletes fields of a hash; deletes the hash when none are left.", .since = "2.0.0",
               .complexity = "O(N) where N is the number of fields to be removed.",
               .syntax = "key field [field ...]"});
    table.add({.name = "hlen", .arity = 2, .flags = kReadOnly | kFast, .keys = key, .handler = hlen,
               .group = "hash", .summary = "Returns the number of fields of a hash.", .since = "2.0.0",
               .complexity = "O(1)", .syntax = "key"});
    table.add({.name = "hstrlen", .arity = 3, .flags = kReadOnly | kFast, .keys = key, .handler = hstrlen,
               .group = "hash", .summary = "Returns the length of the value of a field of a hash.",
               .since = "3.2.0", .complexity = "O(1)", .syntax = "key field"});
    table.add({.name = "hexists", .arity = 3, .flags = kReadOnly | kFast, .keys = key, .handler = hexists,
               .group = "hash", .summary = "Tells whether a field exists in a hash.", .since = "2.0.0",
               .complexity = "O(1)", .syntax = "key field"});
    table.add({.name = "hkeys", .arity = 2, .flags = kReadOnly, .keys = key, .handler = hkeys, .group = "hash",
               .summary = "Returns every field of a hash.", .since = "2.0.0",
               .complexity = "O(N) where N is the size of the hash.", .syntax = "key",
               .tips = "nondeterministic_output_order"});
    table.add({.name = "hvals", .arity = 2, .flags = kReadOnly, .keys = key, .handler = hvals, .group = "hash",
               .summary = "Returns every value of a hash.", .since = "2.0.0",
               .complexity = "O(N) where N is the size of the hash.", .syntax = "key",
               .tips = "nondeterministic_output_order"});
    table.add({.name = "hgetall", .arity = 2, .flags = kReadOnly, .keys = key, .handler = hgetall,
               .group = "hash", .summary = "Returns every field and value of a hash.", .since = "2.0.0",
               .complexity = "O(N) where N is the size of the hash.", .syntax = "key",
               .tips = "nondeterministic_output_order"});
    table.add({.name = "hincrby", .arity = 4, .flags = kWriteFast, .keys = key, .handler = hincrby,
               .group = "hash", .summary = "Adds an integer to the integer value of a field of a hash (0 if missing).",
               .since = "2.0.0", .complexity = "O(1)", .syntax = "key field increment"});
    table.add({.name = "hincrbyfloat", .arity = 4, .flags = kWriteFast, .keys = key, .handler = hincrbyfloat,
               .group = "hash",
               .summary = "Adds a floating point number to the value of a field of a hash (0 if missing).",
               .since = "2.6.0", .complexity = "O(1)", .syntax = "key field increment"});
    table.add({.name = "hrandfield", .arity = -2, .flags = kReadOnly, .keys = key, .handler = hrandfield,
               .group = "hash", .summary = "Returns random fields of a hash, optionally with their values.",
               .since = "6.2.0", .complexity = "O(N) where N is the number of fields returned.",
               .syntax = "key [count [WITHVALUES]]", .tips = "nondeterministic_output"});
    table.add({.name = "hscan", .arity = -3, .flags = kReadOnly, .keys = key, .handler = hscan, .group = "hash",
               .summary = "Walks the fields and values of a hash a page at a time.", .since = "2.8.0",
               .complexity = "O(1) per call, O(N) for a complete walk.",
               .syntax = "key cursor [MATCH pattern] [COUNT count]", .tips = "nondeterministic_output"});
}

}  // namespace tierkv::server
