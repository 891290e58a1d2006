// List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET
// LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH, and the blocking BLPOP BRPOP
// BLMOVE BRPOPLPUSH (server/blocking.h). Replies, error texts and the order
// of checks follow Redis 7.0's t_list.c.
#include <climits>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "server/arguments.h"
#include "server/blocking.h"
#include "server/client_session.h"
#include "server/command_table.h"
#include "server/commands/collections.h"
#include "server/server.h"

namespace tierkv::server {
namespace {

using storage::DbView;
using storage::Entry;
using storage::ListValue;

enum class End { kHead, kTail };

const ListValue& list_of(const Entry& entry) { return entry.value.as<ListValue>(); }

std::optional<Entry*> find_list(CommandContext& ctx, DbView& db, std::string_view key, Access access = Access::kRead) {
    return find_typed<ListValue>(ctx, db, key, access);
}

std::optional<std::int64_t> integer_or_reply(CommandContext& ctx, std::string_view arg) {
    const auto value = parse_int64(arg);
    if (!value) ctx.reply.error(kErrNotInteger);
    return value;
}

void push(ListValue& list, std::string_view value, End end, const storage::EncodingLimits& limits) {
    end == End::kHead ? list.push_front(value, limits) : list.push_back(value, limits);
}

std::string pop(ListValue& list, End end) { return end == End::kHead ? list.pop_front() : list.pop_back(); }

// A Redis index (negative counts from the tail) as a position in a list of
// `size` elements; nullopt when out of range.
std::optional<std::size_t> position(std::int64_t index, std::size_t size) {
    const auto n = static_cast<std::int64_t>(size);
    if (index < 0) index += n;
    if (index < 0 || index >= n) return std::nullopt;
    return static_cast<std::size_t>(index);
}

// The inclusive range [start, end] of LRANGE/LTRIM, clamped as Redis does;
// nullopt when it selects nothing.
struct Range {
    std::size_t first;
    std::size_t last;
};
std::optional<Range> clamp_range(std::int64_t start, std::int64_t end, std::size_t size) {
    const auto n = static_cast<std::int64_t>(size);
    if (start < 0) start = n + start;
    if (end < 0) end = n + end;
    if (start < 0) start = 0;
    if (start > end || start >= n) return std::nullopt;
    if (end >= n) end = n - 1;
    return Range{static_cast<std::size_t>(start), static_cast<std::size_t>(end)};
}

// ---- LPUSH RPUSH LPUSHX RPUSHX -------------------------------------------------

void push_generic(CommandContext& ctx, End end, bool only_if_exists) {
    DbView db = ctx.db();
    const auto found = find_list(ctx, db, ctx.args[1], Access::kWrite);
    if (!found) return;
    Entry* entry = *found;
    if (!entry) {
        if (only_if_exists) return ctx.reply.integer(0);
        entry = &db.set(ctx.args[1], storage::Value(ListValue()));
    }
    const storage::EncodingLimits limits = encoding_limits(ctx);
    const auto size = edit_collection<ListValue>(db, *entry, ctx.args[1], [&](ListValue& list) {
        for (std::size_t i = 2; i < ctx.argc(); ++i) push(list, ctx.args[i], end, limits);
        return list.size();
    });
    signal_list_push(ctx, ctx.args[1]);
    ctx.reply.integer(static_cast<std::int64_t>(size));
}

void lpush(CommandContext& ctx) { push_generic(ctx, End::kHead, false); }
void rpush(CommandContext& ctx) { push_generic(ctx, End::kTail, false); }
void lpushx(CommandContext& ctx) { push_generic(ctx, End::kHead, true); }
void rpushx(CommandContext& ctx) { push_generic(ctx, End::kTail, true); }

// ---- LPOP RPOP --------------------------------------------------------------------

void pop_generic(CommandContext& ctx, End end) {
    if (ctx.argc() > 3) return ctx.reply.error(arity_error(ctx.spec.name));
    std::optional<std::int64_t> count;
    if (ctx.argc() == 3) {
        count = parse_int64(ctx.args[2]);
        if (!count || *count < 0) return ctx.reply.error("ERR value is out of range, must be positive");
    }
    DbView db = ctx.db();
    const auto entry = find_list(ctx, db, ctx.args[1], Access::kWrite);
    if (!entry) return;
    if (!*entry) return count ? ctx.reply.null_array() : ctx.reply.null();
    if (!count) {
        const std::string value =
            edit_collection<ListValue>(db, **entry, ctx.args[1], [&](ListValue& list) { return pop(list, end); });
        return ctx.reply.bulk(value);
    }
    const std::size_t n = std::min<std::uint64_t>(static_cast<std::uint64_t>(*count), list_of(**entry).size());
    ctx.reply.array(n);
    if (n == 0) return;
    edit_collection<ListValue>(db, **entry, ctx.args[1], [&](ListValue& list) {
        for (std::size_t i = 0; i < n; ++i) ctx.reply.bulk(pop(list, end));
    });
}

void lpop(CommandContext& ctx) { pop_generic(ctx, End::kHead); }
void rpop(CommandContext& ctx) { pop_generic(ctx, End::kTail); }

// ---- LLEN LRANGE LINDEX -------------------------------------------------------------

void llen(CommandContext& ctx) {
    DbView db = ctx.db();
    const auto entry = find_list(ctx, db, ctx.args[1]);
    if (!entry) return;
    ctx.reply.integer(*entry ? static_cast<std::int64_t>(list_of(**entry).size()) : 0);
}

void lrange(CommandContext& ctx) {
    const auto start = integer_or_reply(ctx, ctx.args[2]);
    if (!start) return;
    const auto end = integer_or_reply(ctx, ctx.args[3]);
    if (!end) return;
    DbView db = ctx.db();
    const auto entry = find_list(ctx, db, ctx.args[1]);
    if (!entry) return;
    const auto range = *entry ? clamp_range(*start, *end, list_of(**entry).size()) : std::nullopt;
    if (!range) return ctx.reply.array(0);
    std::size_t left = range->last - range->first + 1;
    ctx.reply.array(left);
    list_of(**entry).for_each_from(range->first, [&](std::string_view value) {
        ctx.reply.bulk(value);
        return --left > 0;
    });
}

void lindex(CommandContext& ctx) {
    DbView db = ctx.db();
    const auto entry = find_list(ctx, db, ctx.args[1]);
    if (!entry) return;
    if (!*entry) return ctx.reply.null();
    const auto index = integer_or_reply(ctx, ctx.args[2]);
    if (!index) return;
    const ListValue& list = list_of(**entry);
    const auto pos = position(*index, list.size());
    pos ? ctx.reply.bulk(list.at(*pos)) : ctx.reply.null();
}

// ---- LSET LINSERT LREM LTRIM ------------------------------------------------------------

void lset(CommandContext& ctx) {
    DbView db = ctx.db();
    const auto entry = find_list(ctx, db, ctx.args[1], Access::kWrite);
    if (!entry) return;
    if (!*entry) return ctx.reply.error(kErrNoSuchKey);
    const auto index = integer_or_reply(ctx, ctx.args[2]);
    if (!index) return;
    const auto pos = position(*index, list_of(**entry).size());
    if (!pos) return ctx.reply.error("ERR index out of range");
    edit_collection<ListValue>(db, **entry, ctx.args[1], [&](ListValue& list) { list.set(*pos, ctx.args[3]); });
    ctx.reply.ok();
}

void linsert(CommandContext& ctx) {
    const bool after = iequals(ctx.args[2], "after");
    if (!after && !iequals(ctx.args[2], "before")) return ctx.reply.error(kErrSyntax);
    DbView db = ctx.db();
    const auto entry = find_list(ctx, db, ctx.args[1], Access::kWrite);
    if (!entry) return;
    if (!*entry) return ctx.reply.integer(0);
    const storage::EncodingLimits limits = encoding_limits(ctx);
    const std::int64_t size = edit_collection<ListValue>(db, **entry, ctx.args[1], [&](ListValue& list) {
        return list.insert(ctx.args[3], ctx.args[4], after, limits) ? static_cast<std::int64_t>(list.size()) : -1;
    });
    if (size > 0) signal_list_push(ctx, ctx.args[1]);
    ctx.reply.integer(size);
}

void lrem(CommandContext& ctx) {
    const auto count = integer_or_reply(ctx, ctx.args[2]);
    if (!count) return;
    DbView db = ctx.db();
    const auto entry = find_list(ctx, db, ctx.args[1], Access::kWrite);
    if (!entry) return;
    if (!*entry) return ctx.reply.integer(0);
    const std::uint64_t limit = *count == INT64_MIN ? static_cast<std::uint64_t>(INT64_MAX) + 1
                                                     : static_cast<std::uint64_t>(*count < 0 ? -*count : *count);
    const std::size_t removed = edit_collection<ListValue>(db, **entry, ctx.args[1], [&](ListValue& list) {
        return list.remove(ctx.args[3], static_cast<std::size_t>(limit), *count < 0);
    });
    ctx.reply.integer(static_cast<std::int64_t>(removed));
}

void ltrim(CommandContext& ctx) {
    const auto start = integer_or_reply(ctx, ctx.args[2]);
    if (!start) return;
    const auto end = integer_or_reply(ctx, ctx.args[3]);
    if (!end) return;
    DbView db = ctx.db();
    const auto entry = find_list(ctx, db, ctx.args[1], Access::kWrite);
    if (!entry) return;
    if (*entry) {
        const auto range = clamp_range(*start, *end, list_of(**entry).size());
        edit_collection<ListValue>(db, **entry, ctx.args[1], [&](ListValue& list) {
            range ? list.trim(range->first, range->last + 1) : list.trim(0, 0);
        });
    }
    ctx.reply.ok();
}

// ---- LPOS ---------------------------------------------------------------------------

struct LposOptions {
    std::int64_t rank = 1;
    std::optional<std::uint64_t> count;  // 0 = every match
    std::uint64_t maxlen = 0;            // 0 = the whole list
};

std::optional<LposOptions> parse_lpos_options(CommandContext& ctx) {
    LposOptions opts;
    for (std::size_t i = 3; i < ctx.argc(); ++i) {
        const std::string_view name = ctx.args[i];
        const bool has_value = i + 1 < ctx.argc();
        if (has_value && iequals(name, "rank")) {
            const auto rank = integer_or_reply(ctx, ctx.args[++i]);
            if (!rank) return std::nullopt;
            if (*rank == 0) {
                ctx.reply.error(
                    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use "
                    "negative to start from the end of the list");
                return std::nullopt;
            }
            opts.rank = *rank;
        } else if (has_value && (iequals(name, "count") || iequals(name, "maxlen"))) {
            const bool is_count = iequals(name, "count");
            const auto value = parse_int64(ctx.args[++i]);
            if (!value || *value < 0) {
                ctx.reply.error(is_count ? "ERR COUNT can't be negative" : "ERR MAXLEN can't be negative");
                return std::nullopt;
            }
            if (is_count) {
                opts.count = static_cast<std::uint64_t>(*value);
            } else {
                opts.maxlen = static_cast<std::uint64_t>(*value);
            }
        } else {
            ctx.reply.error(kErrSyntax);
            return std::nullopt;
        }
    }
    return opts;
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
void lpos(CommandContext& ctx) {
    const auto opts = parse_lpos_options(ctx);
    if (!opts) return;
    DbView db = ctx.db();
    const auto entry = find_list(ctx, db, ctx.args[1]);
    if (!entry) return;
    if (!*entry) return opts->count ? ctx.reply.array(0) : ctx.reply.null();
    const ListValue& list = list_of(**entry);
    const bool from_tail = opts->rank < 0;
    // Redis negates LONG_MIN into itself, which every match passes: the first.
    const std::uint64_t skip =
        opts->rank == INT64_MIN ? 0 : static_cast<std::uint64_t>(from_tail ? -opts->rank : opts->rank) - 1;
    std::vector<std::int64_t> found;
    std::uint64_t matches = 0;
    std::uint64_t visited = 0;
    const std::string_view element = ctx.args[2];
    const auto visit = [&](std::string_view value) {
        if (opts->maxlen != 0 && visited >= opts->maxlen) return false;
        const std::uint64_t index = visited++;
        if (value != element || matches++ < skip) return true;
        found.push_back(static_cast<std::int64_t>(from_tail ? list.size() - 1 - index : index));
        const std::uint64_t wanted = opts->count.value_or(1);
        return wanted == 0 || found.size() < wanted;
    };
    from_tail ? list.for_each_reverse(visit) : list.for_each_from(0, visit);
    if (!opts->count) return found.empty() ? ctx.reply.null() : ctx.reply.integer(found.front());
    ctx.reply.array(found.size());
    for (std::int64_t index : found) ctx.reply.integer(index);
}

// ---- LMOVE RPOPLPUSH -----------------------------------------------------------------

std::optional<End> parse_end(std::string_view word) {
    if (iequals(word, "left")) return End::kHead;
    if (iequals(word, "right")) return End::kTail;
    return std::nullopt;
}

// LMOVE's work: replies the element moved, or WRONGTYPE. Returns false,
// replying nothing, when the source is missing.
bool move_element(CommandContext& ctx, End from, End to) {
    const std::string_view src_key = ctx.args[1];
    const std::string_view dst_key = ctx.args[2];
    DbView db = ctx.db();
    const auto src = find_list(ctx, db, src_key, Access::kWrite);
    if (!src) return true;
    if (!*src) return false;
    const auto dst = find_list(ctx, db, dst_key, Access::kWrite);
    if (!dst) return true;
    const storage::EncodingLimits limits = encoding_limits(ctx);
    if (src_key == dst_key) {  // a rotation: the list never empties
        const std::string value = edit_collection<ListValue>(db, **src, src_key, [&](ListValue& list) {
            std::string v = pop(list, from);
            push(list, v, to, limits);
            return v;
        });
        ctx.reply.bulk(value);
        return true;
    }
    const std::string value =
        edit_collection<ListValue>(db, **src, src_key, [&](ListValue& list) { return pop(list, from); });
    Entry* target = *dst ? *dst : &db.set(dst_key, storage::Value(ListValue()));
    edit_collection<ListValue>(db, *target, dst_key, [&](ListValue& list) { push(list, value, to, limits); });
    signal_list_push(ctx, dst_key);
    ctx.reply.bulk(value);
    return true;
}

void lmove(CommandContext& ctx) {
    const auto from = parse_end(ctx.args[3]);
    const auto to = parse_end(ctx.args[4]);
    if (!from || !to) return ctx.reply.error(kErrSyntax);
    if (!move_element(ctx, *from, *to)) ctx.reply.null();
}

void rpoplpush(CommandContext& ctx) {
    if (!move_element(ctx, End::kTail, End::kHead)) ctx.reply.null();
}

// ---- BLPOP BRPOP BLMOVE BRPOPLPUSH ---------------------------------------------------

// A blocking command's timeout (seconds, a float; 0 = for ever) as a unix
// time in ms. Redis rounds up to a millisecond and converts to a long long,
// where anything too large comes out negative.
std::optional<std::int64_t> parse_block_timeout(CommandContext& ctx, std::string_view arg) {
    const auto seconds = parse_long_double(arg);
    if (!seconds) {
        ctx.reply.error("ERR timeout is not a float or out of range");
        return std::nullopt;
    }
    const long double ms = std::ceil(*seconds * 1000.0L);
    if (!(ms >= 0 && ms < 9223372036854775807.0L)) {
        ctx.reply.error("ERR timeout is negative");
        return std::nullopt;
    }
    const auto wait = static_cast<std::int64_t>(ms);
    if (wait == 0) return 0;
    return wait > INT64_MAX - ctx.now_ms ? INT64_MAX : ctx.now_ms + wait;
}

// The command is done (served, timed out or failed): its client leaves the queues.
void end_block(CommandContext& ctx) {
    if (!ctx.client.blocked) return;
    ctx.server.blocking().unblock(ctx.client.blocked);
    ctx.client.blocked.reset();
}

// Nothing to pop: the client waits (the first time) or waits again, and
// the command replies nothing for now.
void wait_for_push(CommandContext& ctx, std::span<const std::string_view> keys, std::int64_t deadline_ms) {
    if (ctx.client.blocked) {
        ctx.server.blocking().rest(ctx.client.blocked);
        return;
    }
    auto blocked = std::make_shared<BlockedClient>();
    blocked->db = static_cast<std::size_t>(ctx.client.db.load());
    blocked->keys.assign(keys.begin(), keys.end());
    blocked->deadline_ms = deadline_ms;
    blocked->wake = ctx.client.wake;
    ctx.server.blocking().block(blocked);
    ctx.client.blocked = std::move(blocked);
}

// A re-run (woken or timed out) treats a key that no longer holds a list as
// empty, as Redis keeps such a client blocked; the first run replies WRONGTYPE.
bool is_rerun(const CommandContext& ctx) { return ctx.client.blocked != nullptr; }
// Inside EXEC (deny_blocking) a command that would block answers at once,
// as if its timeout had passed.
bool timed_out(const CommandContext& ctx) {
    return ctx.client.deny_blocking || (ctx.client.blocked && ctx.client.blocked->timed_out);
}

// BLPOP / BRPOP key [key ...] timeout
void blocking_pop(CommandContext& ctx, End end) {
    std::int64_t deadline = 0;
    if (!is_rerun(ctx)) {
        const auto parsed = parse_block_timeout(ctx, ctx.args.back());
        if (!parsed) return;
        deadline = *parsed;
    }
    const auto keys = ctx.args.subspan(1, ctx.argc() - 2);
    DbView db = ctx.db();
    for (std::string_view key : keys) {
        Entry* entry = db.find_for_write(key);
        if (!entry || (is_rerun(ctx) && entry->value.type() != storage::ValueType::kList)) continue;
        if (entry->value.type() != storage::ValueType::kList) return ctx.reply.error(kErrWrongType);
        const std::string value =
            edit_collection<ListValue>(db, *entry, key, [&](ListValue& list) { return pop(list, end); });
        ctx.reply.array(2);
        ctx.reply.bulk(key);
        ctx.reply.bulk(value);
        return end_block(ctx);
    }
    if (timed_out(ctx)) {
        ctx.reply.null_array();
        return end_block(ctx);
    }
    wait_for_push(ctx, keys, deadline);
}

void blpop(CommandContext& ctx) { blocking_pop(ctx, End::kHead); }
void brpop(CommandContext& ctx) { blocking_pop(ctx, End::kTail); }

// BLMOVE / BRPOPLPUSH: LMOVE once the source has an element.
void blocking_move(CommandContext& ctx, End from, End to) {
    std::int64_t deadline = 0;
    if (!is_rerun(ctx)) {
        const auto parsed = parse_block_timeout(ctx, ctx.args.back());
        if (!parsed) return;
        deadline = *parsed;
    }
    DbView db = ctx.db();
    const Entry* src = db.find_for_write(ctx.args[1]);
    const bool is_list = src && src->value.type() == storage::ValueType::kList;
    if (src && (is_list || !is_rerun(ctx))) {
        move_element(ctx, from, to);  // replies the element or WRONGTYPE
        return end_block(ctx);
    }
    if (ctx.client.deny_blocking) return ctx.reply.null();  // inside EXEC: as LMOVE
    if (timed_out(ctx)) {
        ctx.reply.null_array();  // sic: Redis 7.0 answers a timed-out BLMOVE with a null array too
        return end_block(ctx);
    }
    wait_for_push(ctx, ctx.args.subspan(1, 1), deadline);
}

void blmove(CommandContext& ctx) {
    const auto from = parse_end(ctx.args[3]);
    const auto to = parse_end(ctx.args[4]);
    if (!from || !to) return ctx.reply.error(kErrSyntax);
    blocking_move(ctx, *from, *to);
}

void brpoplpush(CommandContext& ctx) { blocking_move(ctx, End::kTail, End::kHead); }

}  // namespace

void register_list_commands(CommandTable& table) {
    const KeyPositions key{1, 1, 1};
    constexpr std::uint32_t kPushFlags = kWrite | kDenyOom | kFast;
    constexpr std::string_view kPushComplexity = "O(1) for each element added, so O(N) for N elements.";
    table.add({.name = "lpush", .arity = -3, .flags = kPushFlags, .keys = key, .handler = lpush, .group = "list",
               .summary = "Prepends elements to a list; creates the list if missing.", .since = "1.0.0",
               .complexity = kPushComplexity, .syntax = "key element [element ...]"});
    table.add({.name = "rpush", .arity = -3, .flags = kPushFlags, .keys = key, .handler = rpush, .group = "list",
               .summary = "Appends elements to a list; creates the list if missing.", .since = "1.0.0",
               .complexity = kPushComplexity, .syntax = "key element [element ...]"});
    table.add({.name = "lpushx", .arity = -3, .flags = kPushFlags, .keys = key, .handler = lpushx, .group = "list",
               .summary = "Prepends elements to a list only when the list exists.", .since = "2.2.0",
               .complexity = kPushComplexity, .syntax = "key element [element ...]"});
    table.add({.name = "rpushx", .arity = -3, .flags = kPushFlags, .keys = key, .handler = rpushx, .group = "list",
               .summary = "Appends elements to a list only when the list exists.", .since = "2.2.0",
               .complexity = kPushComplexity, .syntax = "key element [element ...]"});
    table.add({.name = "lpop", .arity = -2, .flags = kWrite | kFast, .keys = key, .handler = lpop, .group = "list",
               .summary = "Removes and returns the first elements of a list; deletes the list when empty.",
               .since = "1.0.0", .complexity = "O(N) where N is the number of elements returned.",
               .syntax = "key [count]"});
    table.add({.name = "rpop", .arity = -2, .flags = kWrite | kFast, .keys = key, .handler = rpop, .group = "list",
               .summary = "Removes and returns the last elements of a list; deletes the list when empty.",
               .since = "1.0.0", .complexity = "O(N) where N is the number of elements returned.",
               .syntax = "key [count]"});
    table.add({.name = "llen", .arity = 2, .flags = kReadOnly | kFast, .keys = key, .handler = llen,
               .group = "list", .summary = "Returns the length of a list.", .since = "1.0.0",
               .complexity = "O(1)", .syntax = "key"});
    table.add({.name = "lrange", .arity = 4, .flags = kReadOnly, .keys = key, .handler = lrange, .group = "list",
               .summary = "Returns a range of elements of a list.", .since = "1.0.0",
               .complexity = "O(S+N) where S is the distance of start from the nearer end and N the number of "
                             "elements returned.",
               .syntax = "key start stop"});
    table.add({.name = "lindex", .arity = 3, .flags = kReadOnly, .keys = key, .handler = lindex, .group = "list",
               .summary = "Returns the element of a list at an index.", .since = "1.0.0",
               .complexity = "O(N) where N is the number of elements walked to reach the index.",
               .syntax = "key index"});
    table.add({.name = "lset", .arity = 4, .flags = kWrite | kDenyOom, .keys = key, .handler = lset,
               .group = "list", .summary = "Sets the element of a list at an index.", .since = "1.0.0",
               .complexity = "O(N) where N is the length of the list; O(1) at either end.",
               .syntax = "key index element"});
    table.add({.name = "linsert", .arity = 5, .flags = kWrite | kDenyOom, .keys = key, .handler = linsert,
               .group = "list", .summary = "Inserts an element before or after another element of a list.",
               .since = "2.2.0", .complexity = "O(N) where N is the number of elements walked to find the pivot.",
               .syntax = "key (BEFORE | AFTER) pivot element"});
    table.add({.name = "lrem", .arity = 4, .flags = kWrite, .keys = key, .handler = lrem, .group = "list",
               .summary = "Removes elements equal to a value from a list.", .since = "1.0.0",
               .complexity = "O(N+M) where N is the length of the list and M the number of elements removed.",
               .syntax = "key count element"});
    table.add({.name = "ltrim", .arity = 4, .flags = kWrite, .keys = key, .handler = ltrim, .group = "list",
               .summary = "Keeps only a range of elements of a list.", .since = "1.0.0",
               .complexity = "O(N) where N is the number of elements removed.", .syntax = "key start stop"});
    table.add({.name = "lpos", .arity = -3, .flags = kReadOnly, .keys = key, .handler = lpos, .group = "list",
               .summary = "Returns the indexes of the elements of a list equal to a value.", .since = "6.0.6",
               .complexity = "O(N) where N is the length of the list; less with MAXLEN or near either end.",
               .syntax = "key element [RANK rank] [COUNT num-matches] [MAXLEN len]"});
    table.add({.name = "lmove", .arity = 5, .flags = kWrite | kDenyOom, .keys = {1, 2, 1}, .handler = lmove,
               .group = "list",
               .summary = "Pops an element from one end of a list and pushes it onto an end of another.",
               .since = "6.2.0", .complexity = "O(1)",
               .syntax = "source destination (LEFT | RIGHT) (LEFT | RIGHT)"});
    table.add({.name = "rpoplpush", .arity = 3, .flags = kWrite | kDenyOom, .keys = {1, 2, 1},
               .handler = rpoplpush, .group = "list",
               .summary = "Pops the last element of a list and prepends it to another (deprecated: LMOVE).",
               .since = "1.2.0", .complexity = "O(1)", .syntax = "source destination"});
    constexpr std::uint32_t kBlockingPop = kWrite | kNoScript | kBlocking;
    table.add({.name = "blpop", .arity = -3, .flags = kBlockingPop, .keys = {1, -2, 1}, .handler = blpop,
               .group = "list",
               .summary = "Pops the first element of the first non-empty list, waiting for one if all are empty.",
               .since = "2.0.0", .complexity = "O(N) where N is the number of keys.",
               .syntax = "key [key ...] timeout"});
    table.add({.name = "brpop", .arity = -3, .flags = kBlockingPop, .keys = {1, -2, 1}, .handler = brpop,
               .group = "list",
               .summary = "Pops the last element of the first non-empty list, waiting for one if all are empty.",
               .since = "2.0.0", .complexity = "O(N) where N is the number of keys.",
               .syntax = "key [key ...] timeout"});
    table.add({.name = "blmove", .arity = 6, .flags = kBlockingPop | kDenyOom, .keys = {1, 2, 1},
               .handler = blmove, .group = "list",
               .summary = "LMOVE, waiting for an element when the source list is empty.", .since = "6.2.0",
               .complexity = "O(1)", .syntax = "source destination (LEFT | RIGHT) (LEFT | RIGHT) timeout"});
    table.add({.name = "brpoplpush", .arity = 4, .flags = kBlockingPop | kDenyOom, .keys = {1, 2, 1},
               .handler = brpoplpush, .group = "list",
               .summary = "RPOPLPUSH, waiting for an element when the source list is empty (deprecated: BLMOVE).",
               .since = "2.2.0", .complexity = "O(1)", .syntax = "source destination timeout"});
}

}  // namespace tierkv::server
