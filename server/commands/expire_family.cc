// Expiry commands of the keys ("generic") family: EXPIRE PEXPIRE EXPIREAT
// PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST. Registered by
// register_key_commands (keys_family.cc).
#include <climits>
#include <optional>
#include <string>

#include "server/arguments.h"
#include "server/command_table.h"
#include "server/server.h"

namespace tierkv::server {

void register_expire_commands(CommandTable& table);

namespace {

using storage::DbView;
using storage::Entry;

// ---- EXPIRE PEXPIRE EXPIREAT PEXPIREAT --------------------------------------

struct ExpireCondition {
    bool nx = false;  // only when the key has no TTL
    bool xx = false;  // only when it has one
    bool gt = false;  // only when the new expiry is later (no TTL counts as infinite)
    bool lt = false;  // only when it is earlier
};

// Parses the NX/XX/GT/LT options after the time; replies the error itself.
std::optional<ExpireCondition> parse_expire_condition(CommandContext& ctx) {
    ExpireCondition cond;
    for (std::size_t i = 3; i < ctx.argc(); ++i) {
        const std::string_view opt = ctx.args[i];
        if (iequals(opt, "nx")) {
            cond.nx = true;
        } else if (iequals(opt, "xx")) {
            cond.xx = true;
        } else if (iequals(opt, "gt")) {
            cond.gt = true;
        } else if (iequals(opt, "lt")) {
            cond.lt = true;
        } else {
            // Redis formats the option as a C string: it ends at a NUL.
            ctx.reply.error("ERR Unsupported option " + std::string(opt.substr(0, opt.find('\0'))));
            return std::nullopt;
        }
    }
    if (cond.nx && (cond.xx || cond.gt || cond.lt)) {
        ctx.reply.error("ERR NX and XX, GT or LT options at the same time are not compatible");
        return std::nullopt;
    }
    if (cond.gt && cond.lt) {
        ctx.reply.error("ERR GT and LT options at the same time are not compatible");
        return std::nullopt;
    }
    return cond;
}

// `expire_at_ms` is the key's current expiry time, 0 when it has none.
bool condition_allows(const ExpireCondition& cond, std::int64_t expire_at_ms, std::int64_t when_ms) {
    const bool has_expiry = expire_at_ms != 0;
    if (cond.nx && has_expiry) return false;
    if (cond.xx && !has_expiry) return false;
    if (cond.gt && (!has_expiry || when_ms <= expire_at_ms)) return false;
    if (cond.lt && has_expiry && when_ms >= expire_at_ms) return false;
    return true;
}

enum class TimeUnit { kSeconds, kMilliseconds };

// The absolute unix time in ms that args[2] names, or the "invalid expire
// time" error (replied here) when unit conversion or the base would overflow.
std::optional<std::int64_t> parse_expire_time(CommandContext& ctx, std::int64_t base_ms, TimeUnit unit) {
    const auto value = parse_int64(ctx.args[2]);
    if (!value) {
        ctx.reply.error(kErrNotInteger);
        return std::nullopt;
    }
    auto invalid = [&] {
        ctx.reply.error("ERR invalid expire time in '" + ctx.spec.name + "' command");
        return std::nullopt;
    };
    std::int64_t when = *value;
    if (unit == TimeUnit::kSeconds) {
        if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) return invalid();
        when *= 1000;
    }
    if (when > LLONG_MAX - base_ms) return invalid();
    return when + base_ms;
}

// Options are checked before the time, as Redis does. A time already past
// deletes the key (and still replies 1).
void expire_generic(CommandContext& ctx, std::int64_t base_ms, TimeUnit unit) {
    const auto cond = parse_expire_condition(ctx);
    if (!cond) return;
    const auto when_ms = parse_expire_time(ctx, base_ms, unit);
    if (!when_ms) return;
    DbView db = ctx.db();
    Entry* e = db.find_for_write(ctx.args[1]);
    if (!e || !condition_allows(*cond, db.expire_at(*e), *when_ms)) {
        ctx.reply.integer(0);
        return;
    }
    if (*when_ms <= ctx.now_ms) {
        db.erase(ctx.args[1]);
    } else {
        db.set_expire(*e, *when_ms);
    }
    ctx.reply.integer(1);
}

void expire(CommandContext& ctx) { expire_generic(ctx, ctx.now_ms, TimeUnit::kSeconds); }
void pexpire(CommandContext& ctx) { expire_generic(ctx, ctx.now_ms, TimeUnit::kMilliseconds); }
void expireat(CommandContext& ctx) { expire_generic(ctx, 0, TimeUnit::kSeconds); }
void pexpireat(CommandContext& ctx) { expire_generic(ctx, 0, TimeUnit::kMilliseconds); }

// ---- TTL PTTL EXPIRETIME PEXPIRETIME PERSIST --------------------------------

enum class TtlForm { kRemaining, kAbsolute };

// -2 for a missing key, -1 for one without a TTL. Seconds are rounded to
// the nearest, as Redis does, in unsigned arithmetic so that the largest
// times (PEXPIREAT k 9223372036854775807) round as Redis's build does.
void ttl_generic(CommandContext& ctx, TimeUnit unit, TtlForm form) {
    DbView db = ctx.db();
    const Entry* e = db.find_for_read(ctx.args[1], DbView::Touch::kNo);
    if (!e) {
        ctx.reply.integer(-2);
        return;
    }
    const std::int64_t expire_at_ms = db.expire_at(*e);
    if (expire_at_ms == 0) {
        ctx.reply.integer(-1);
        return;
    }
    const std::int64_t ms =
        std::max<std::int64_t>(0, form == TtlForm::kAbsolute ? expire_at_ms : expire_at_ms - ctx.now_ms);
    if (unit == TimeUnit::kMilliseconds) {
        ctx.reply.integer(ms);
    } else {
        ctx.reply.integer(static_cast<std::int64_t>((static_cast<std::uint64_t>(ms) + 500) / 1000));
    }
}

void ttl(CommandContext& ctx) { ttl_generic(ctx, TimeUnit::kSeconds, TtlForm::kRemaining); }
void pttl(CommandContext& ctx) { ttl_generic(ctx, TimeUnit::kMilliseconds, TtlForm::kRemaining); }
void expiretime(CommandContext& ctx) { ttl_generic(ctx, TimeUnit::kSeconds, TtlForm::kAbsolute); }
void pexpiretime(CommandContext& ctx) { ttl_generic(ctx, TimeUnit::kMilliseconds, TtlForm::kAbsolute); }

void persist(CommandContext& ctx) {
    DbView db = ctx.db();
    Entry* e = db.find_for_write(ctx.args[1]);
    if (!e || !e->has_expiry()) {
        ctx.reply.integer(0);
        return;
    }
    db.set_expire(*e, 0);
    ctx.reply.integer(1);
}

}  // namespace

void register_expire_commands(CommandTable& table) {
    const std::uint32_t write = kWrite | kFast;
    const std::uint32_t read = kReadOnly | kFast;
    table.add({.name = "expire", .arity = -3, .flags = write, .keys = {1, 1, 1}, .handler = expire,
               .group = "generic", .summary = "Sets a key's time to live in seconds.", .since = "1.0.0",
               .complexity = "O(1)", .syntax = "key seconds [NX | XX | GT | LT]"});
    table.add({.name = "pexpire", .arity = -3, .flags = write, .keys = {1, 1, 1}, .handler = pexpire,
               .group = "generic", .summary = "Sets a key's time to live in milliseconds.", .since = "2.6.0",
               .complexity = "O(1)", .syntax = "key milliseconds [NX | XX | GT | LT]"});
    table.add({.name = "expireat", .arity = -3, .flags = write, .keys = {1, 1, 1}, .handler = expireat,
               .group = "generic", .summary = "Sets a key's expiry as a unix time in seconds.", .since = "1.2.0",
               .complexity = "O(1)", .syntax = "key unix-time-seconds [NX | XX | GT | LT]"});
    table.add({.name = "pexpireat", .arity = -3, .flags = write, .keys = {1, 1, 1}, .handler = pexpireat,
               .group = "generic", .summary = "Sets a key's expiry as a unix time in milliseconds.",
               .since = "2.6.0", .complexity = "O(1)", .syntax = "key unix-time-milliseconds [NX | XX | GT | LT]"});
    table.add({.name = "ttl", .arity = 2, .flags = read, .keys = {1, 1, 1}, .handler = ttl, .group = "generic",
               .summary = "Returns a key's remaining time to live in seconds.", .since = "1.0.0",
               .complexity = "O(1)", .syntax = "key"});
    table.add({.name = "pttl", .arity = 2, .flags = read, .keys = {1, 1, 1}, .handler = pttl, .group = "generic",
               .summary = "Returns a key's remaining time to live in milliseconds.", .since = "2.6.0",
               .complexity = "O(1)", .syntax = "key"});
    table.add({.name = "expiretime", .arity = 2, .flags = read, .keys = {1, 1, 1}, .handler = expiretime,
               .group = "generic", .summary = "Returns a key's expiry as a unix time in seconds.", .since = "7.0.0",
               .complexity = "O(1)", .syntax = "key"});
    table.add({.name = "pexpiretime", .arity = 2, .flags = read, .keys = {1, 1, 1}, .handler = pexpiretime,
               .group = "generic", .summary = "Returns a key's expiry as a unix time in milliseconds.",
               .since = "7.0.0", .complexity = "O(1)", .syntax = "key"});
    table.add({.name = "persist", .arity = 2, .flags = write, .keys = {1, 1, 1}, .handler = persist,
               .group = "generic", .summary = "Removes a key's expiry.", .since = "2.2.0", .complexity = "O(1)",
               .syntax = "key"});
}

}  // namespace tierkv::server
