// String commands: GET, SET and its variants, MGET/MSET, the INCR family,
// APPEND, STRLEN, GETRANGE/SETRANGE. Replies, error texts and the order in
// which arguments are checked follow Redis 7.0's t_string.c.
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <span>
#include <string>

#include "server/arguments.h"
#include "server/command_table.h"
#include "server/server.h"

namespace tierkv::server {
namespace {

using storage::DbView;
using storage::Entry;
using storage::Value;
using storage::ValueType;

constexpr std::string_view kErrOffsetRange = "ERR offset is out of range";
constexpr std::string_view kErrTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
constexpr std::string_view kErrNanOrInfinity = "ERR increment would produce NaN or Infinity";
constexpr std::string_view kErrDecrementOverflow = "ERR decrement would overflow";

// ---- lookups ---------------------------------------------------------------

bool is_string(const Entry& entry) { return entry.value.type() == ValueType::kString; }

// Replies WRONGTYPE and returns false when the key holds another type.
bool check_string(CommandContext& ctx, const Entry* entry) {
    if (entry == nullptr || is_string(*entry)) return true;
    ctx.reply.error(kErrWrongType);
    return false;
}

// Replies a string value; a large one is referenced rather than copied, so
// its bytes go from the table to the socket with no copy in between.
void reply_string(CommandContext& ctx, const Value& value) {
    const storage::SharedString* shared = value.shared_string();
    if (shared && ctx.reply.collects_refs()) {
        shared->mark_sent();
        auto owner = std::make_shared<const storage::SharedString>(*shared);
        const std::string_view bytes = owner->view();  // before the move below
        ctx.reply.bulk_ref(bytes, std::move(owner));
    } else {
        ctx.reply.bulk(value.str());
    }
}

// Redis's getGenericCommand: replies the key's string value or null.
// Returns false (after replying WRONGTYPE) when the key is not a string.
bool reply_value_of(CommandContext& ctx, std::string_view key) {
    const Entry* entry = ctx.db().find_for_read(key);
    if (!check_string(ctx, entry)) return false;
    if (entry) {
        reply_string(ctx, entry->value);
    } else {
        ctx.reply.null();
    }
    return true;
}

// A string value holding `arg`: it shares the argument's buffer when the
// connection read that straight from the socket (a large value), else copies.
Value value_of_arg(const CommandContext& ctx, std::string_view arg) {
    const storage::SharedString* direct = ctx.client.direct_bulk;
    if (direct && direct->view().data() == arg.data() && direct->view().size() == arg.size()) {
        return Value::share_string(*direct);
    }
    return Value::string(arg);
}

// Replaces the value of `existing` (keeping its TTL, as Redis's
// dbReplaceValue does), or creates the key when there is none.
Entry& store_keeping_ttl(DbView& db, Entry* existing, std::string_view key, Value value) {
    if (existing == nullptr) return db.set(key, std::move(value));
    db.replace_value(*existing, std::move(value));
    return *existing;
}

// Redis's checkStringLength: would a string of `size + extra` bytes exceed
// proto-max-bulk-len? Replies the error when it would.
bool check_string_length(CommandContext& ctx, std::uint64_t size, std::uint64_t extra) {
    const auto limit = static_cast<std::uint64_t>(ctx.server.hot().proto_max_bulk_len.load(std::memory_order_relaxed));
    if (size + extra <= limit) return true;
    ctx.reply.error(kErrTooLong);
    return false;
}

std::optional<std::int64_t> integer_arg_or_reply(CommandContext& ctx, std::string_view arg) {
    auto value = parse_int64(arg);
    if (!value) ctx.reply.error(kErrNotInteger);
    return value;
}

// ---- SET / GETEX options ---------------------------------------------------

enum class ExpireKind { kNone, kEx, kPx, kExat, kPxat };

struct StringOptions {
    bool nx = false;
    bool xx = false;
    bool get = false;
    bool keepttl = false;
    bool persist = false;
    ExpireKind expire = ExpireKind::kNone;
    std::string_view expire_arg;
};

enum class OptionsOf { kSet, kGetex };

// Redis compares options as C strings, so "nx\0junk" still reads as NX.
std::string_view option_name(std::string_view arg) { return arg.substr(0, arg.find('\0')); }

struct ExpireOptionName {
    std::string_view name;
    ExpireKind kind;
};
constexpr ExpireOptionName kExpireOptions[] = {
    {"ex", ExpireKind::kEx}, {"px", ExpireKind::kPx}, {"exat", ExpireKind::kExat}, {"pxat", ExpireKind::kPxat}};

// Applies the option at args[i] (and its argument) to `opts` and returns how
// many arguments it took; 0 when it is not valid here: an unknown word, one
// that conflicts with an earlier option, or an expiry without its argument.
// Repeating the same option is allowed, as in Redis: the last one wins.
std::size_t apply_option(StringOptions& opts, std::span<const std::string_view> args, std::size_t i,
                         OptionsOf command) {
    const std::string_view word = option_name(args[i]);
    const bool is_set = command == OptionsOf::kSet;
    const bool no_expire = opts.expire == ExpireKind::kNone;
    bool* flag = nullptr;
    if (iequals(word, "nx") && !opts.xx && is_set) flag = &opts.nx;
    if (iequals(word, "xx") && !opts.nx && is_set) flag = &opts.xx;
    if (iequals(word, "get") && is_set) flag = &opts.get;
    if (iequals(word, "keepttl") && !opts.persist && no_expire && is_set) flag = &opts.keepttl;
    if (iequals(word, "persist") && !is_set && no_expire && !opts.keepttl) flag = &opts.persist;
    if (flag) {
        *flag = true;
        return 1;
    }
    for (const ExpireOptionName& option : kExpireOptions) {
        if (!iequals(word, option.name)) continue;
        const bool compatible = no_expire || opts.expire == option.kind;
        if (!compatible || opts.keepttl || opts.persist || i + 1 >= args.size()) return 0;
        opts.expire = option.kind;
        opts.expire_arg = args[i + 1];
        return 2;
    }
    return 0;
}

// Parses the options from args[first] on; replies the syntax error itself.
std::optional<StringOptions> parse_options(CommandContext& ctx, std::size_t first, OptionsOf command) {
    StringOptions opts;
    for (std::size_t i = first; i < ctx.argc();) {
        const std::size_t taken = apply_option(opts, ctx.args, i, command);
        if (taken == 0) {
            ctx.reply.error(kErrSyntax);
            return std::nullopt;
        }
        i += taken;
    }
    return opts;
}

void reply_invalid_expire(CommandContext& ctx) {
    ctx.reply.error("ERR invalid expire time in '" + ctx.spec.name + "' command");
}

// The absolute unix time in ms an expire argument stands for, as Redis's
// getExpireMillisecondsOrReply: positive, and no overflow on the way.
std::optional<std::int64_t> expire_at_ms(CommandContext& ctx, std::string_view arg, ExpireKind kind) {
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    const auto amount = integer_arg_or_reply(ctx, arg);
    if (!amount) return std::nullopt;
    const bool seconds = kind == ExpireKind::kEx || kind == ExpireKind::kExat;
    const bool relative = kind == ExpireKind::kEx || kind == ExpireKind::kPx;
    if (*amount <= 0 || (seconds && *amount > kMax / 1000)) {
        reply_invalid_expire(ctx);
        return std::nullopt;
    }
    std::int64_t ms = seconds ? *amount * 1000 : *amount;
    if (relative) {
        if (ms > kMax - ctx.now_ms) {
            reply_invalid_expire(ctx);
            return std::nullopt;
        }
        ms += ctx.now_ms;
    }
    return ms;
}

// ---- GET / SET and their variants ------------------------------------------

enum class SetOutcome { kFailed, kAborted, kStored };

// Redis's setGenericCommand. On kFailed an error has been replied; otherwise
// only SET ... GET's old value has been, and the caller replies the rest.
SetOutcome set_generic(CommandContext& ctx, std::string_view key, std::string_view value,
                       const StringOptions& opts) {
    std::optional<std::int64_t> expire_at;
    if (opts.expire != ExpireKind::kNone) {
        expire_at = expire_at_ms(ctx, opts.expire_arg, opts.expire);
        if (!expire_at) return SetOutcome::kFailed;
    }
    if (opts.get && !reply_value_of(ctx, key)) return SetOutcome::kFailed;

    DbView db = ctx.db();
    Entry* existing = db.find_for_write(key);
    if ((opts.nx && existing) || (opts.xx && !existing)) return SetOutcome::kAborted;

    Entry& entry = opts.keepttl ? store_keeping_ttl(db, existing, key, value_of_arg(ctx, value))
                                : db.set(key, value_of_arg(ctx, value));
    if (expire_at) db.set_expire(entry, *expire_at);
    return SetOutcome::kStored;
}

void get(CommandContext& ctx) { reply_value_of(ctx, ctx.args[1]); }

void set(CommandContext& ctx) {
    const auto opts = parse_options(ctx, 3, OptionsOf::kSet);
    if (!opts) return;
    const SetOutcome outcome = set_generic(ctx, ctx.args[1], ctx.args[2], *opts);
    if (opts->get || outcome == SetOutcome::kFailed) return;
    if (outcome == SetOutcome::kStored) {
        ctx.reply.ok();
    } else {
        ctx.reply.null();
    }
}

void setnx(CommandContext& ctx) {
    const SetOutcome outcome = set_generic(ctx, ctx.args[1], ctx.args[2], StringOptions{.nx = true});
    if (outcome != SetOutcome::kFailed) ctx.reply.integer(outcome == SetOutcome::kStored ? 1 : 0);
}

// SETEX key seconds value / PSETEX key milliseconds value.
void set_with_expire(CommandContext& ctx, ExpireKind kind) {
    const StringOptions opts{.expire = kind, .expire_arg = ctx.args[2]};
    if (set_generic(ctx, ctx.args[1], ctx.args[3], opts) == SetOutcome::kStored) ctx.reply.ok();
}

void setex(CommandContext& ctx) { set_with_expire(ctx, ExpireKind::kEx); }
void psetex(CommandContext& ctx) { set_with_expire(ctx, ExpireKind::kPx); }

void getset(CommandContext& ctx) {
    if (!reply_value_of(ctx, ctx.args[1])) return;
    ctx.db().set(ctx.args[1], value_of_arg(ctx, ctx.args[2]));
}

void getdel(CommandContext& ctx) {
    if (!reply_value_of(ctx, ctx.args[1])) return;
    ctx.db().erase(ctx.args[1]);
}

// GETEX's effect on the TTL once the value has been replied.
void apply_getex_expiry(DbView& db, Entry& entry, const StringOptions& opts, std::optional<std::int64_t> expire_at) {
    const bool absolute = opts.expire == ExpireKind::kExat || opts.expire == ExpireKind::kPxat;
    if (absolute && *expire_at <= db.now_ms()) {
        db.erase(entry.key());  // a time already past deletes the key, as in Redis
    } else if (expire_at) {
        db.set_expire(entry, *expire_at);
    } else if (opts.persist) {
        db.set_expire(entry, 0);
    }
}

void getex(CommandContext& ctx) {
    const auto opts = parse_options(ctx, 2, OptionsOf::kGetex);
    if (!opts) return;
    DbView db = ctx.db();
    Entry* entry = db.find_for_read(ctx.args[1]);
    if (!entry) return ctx.reply.null();
    if (!check_string(ctx, entry)) return;
    std::optional<std::int64_t> expire_at;
    if (opts->expire != ExpireKind::kNone) {
        expire_at = expire_at_ms(ctx, opts->expire_arg, opts->expire);
        if (!expire_at) return;
    }
    reply_string(ctx, entry->value);
    apply_getex_expiry(db, *entry, *opts, expire_at);
}

// ---- MGET / MSET / MSETNX -------------------------------------------------------

void mget(CommandContext& ctx) {
    DbView db = ctx.db();
    ctx.reply.array(ctx.argc() - 1);
    for (std::size_t i = 1; i < ctx.argc(); ++i) {
        const Entry* entry = db.find_for_read(ctx.args[i]);
        if (entry && is_string(*entry)) {
            reply_string(ctx, entry->value);
        } else {
            ctx.reply.null();  // a missing key or another type alike
        }
    }
}

bool any_key_exists(CommandContext& ctx) {
    DbView db = ctx.db();
    for (std::size_t i = 1; i < ctx.argc(); i += 2) {
        if (db.find_for_write(ctx.args[i])) return true;
    }
    return false;
}

// MSET and MSETNX; the dispatcher holds every key's shard, so all pairs are
// written at once as far as any other client can tell.
void mset_generic(CommandContext& ctx, bool only_if_none_exist) {
    if (ctx.argc() % 2 == 0) return ctx.reply.error(arity_error(ctx.spec.name));
    if (only_if_none_exist && any_key_exists(ctx)) return ctx.reply.integer(0);
    DbView db = ctx.db();
    for (std::size_t i = 1; i < ctx.argc(); i += 2) db.set(ctx.args[i], value_of_arg(ctx, ctx.args[i + 1]));
    if (only_if_none_exist) {
        ctx.reply.integer(1);
    } else {
        ctx.reply.ok();
    }
}

void mset(CommandContext& ctx) { mset_generic(ctx, false); }
void msetnx(CommandContext& ctx) { mset_generic(ctx, true); }

// ---- INCR family ------------------------------------------------------------

bool add_would_overflow(std::int64_t value, std::int64_t delta) {
    constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    return (delta < 0 && value < 0 && delta < kMin - value) || (delta > 0 && value > 0 && delta > kMax - value);
}

// Redis's incrDecrCommand: the key keeps its TTL.
void incr_decr(CommandContext& ctx, std::int64_t delta) {
    DbView db = ctx.db();
    Entry* entry = db.find_for_write(ctx.args[1]);
    if (!check_string(ctx, entry)) return;
    std::int64_t value = 0;
    if (entry) {
        const auto current = integer_arg_or_reply(ctx, entry->value.str());
        if (!current) return;
        value = *current;
    }
    if (add_would_overflow(value, delta)) return ctx.reply.error(kErrOverflow);
    value += delta;
    store_keeping_ttl(db, entry, ctx.args[1], Value::string(std::to_string(value)));
    ctx.reply.integer(value);
}

void incr(CommandContext& ctx) { incr_decr(ctx, 1); }
void decr(CommandContext& ctx) { incr_decr(ctx, -1); }

void incrby(CommandContext& ctx) {
    if (const auto delta = integer_arg_or_reply(ctx, ctx.args[2])) incr_decr(ctx, *delta);
}

void decrby(CommandContext& ctx) {
    const auto delta = integer_arg_or_reply(ctx, ctx.args[2]);
    if (!delta) return;
    if (*delta == std::numeric_limits<std::int64_t>::min()) return ctx.reply.error(kErrDecrementOverflow);
    incr_decr(ctx, -*delta);
}

std::optional<long double> float_or_reply(CommandContext& ctx, std::string_view text) {
    auto value = parse_long_double(text);
    if (!value) ctx.reply.error(kErrNotFloat);
    return value;
}

void incrbyfloat(CommandContext& ctx) {
    DbView db = ctx.db();
    Entry* entry = db.find_for_write(ctx.args[1]);
    if (!check_string(ctx, entry)) return;
    long double value = 0;
    if (entry) {
        const auto current = float_or_reply(ctx, entry->value.str());
        if (!current) return;
        value = *current;
    }
    const auto increment = float_or_reply(ctx, ctx.args[2]);
    if (!increment) return;
    value += *increment;
    if (std::isnan(value) || std::isinf(value)) return ctx.reply.error(kErrNanOrInfinity);
    const Entry& stored = store_keeping_ttl(db, entry, ctx.args[1], Value::string(format_incr_float(value)));
    ctx.reply.bulk(stored.value.str());
}

// ---- APPEND / STRLEN / GETRANGE / SETRANGE -----------------------------------

void append(CommandContext& ctx) {
    DbView db = ctx.db();
    Entry* entry = db.find_for_write(ctx.args[1]);
    if (!entry) {
        db.set(ctx.args[1], value_of_arg(ctx, ctx.args[2]));
        return ctx.reply.integer(static_cast<std::int64_t>(ctx.args[2].size()));
    }
    if (!check_string(ctx, entry) || !check_string_length(ctx, entry->value.str().size(), ctx.args[2].size())) return;
    {
        auto value = db.edit(*entry);
        value->mutable_str().append(ctx.args[2]);
        value->mark_modified_in_place();
    }
    ctx.reply.integer(static_cast<std::int64_t>(entry->value.str().size()));
}

void strlen(CommandContext& ctx) {
    const Entry* entry = ctx.db().find_for_read(ctx.args[1]);
    if (!check_string(ctx, entry)) return;
    ctx.reply.integer(entry ? static_cast<std::int64_t>(entry->value.str().size()) : 0);
}

// The bytes GETRANGE returns for [start, end] (inclusive, negative from the
// end) of `text`, clamped as Redis clamps them.
std::string_view string_range(std::string_view text, std::int64_t start, std::int64_t end) {
    if (start < 0 && end < 0 && start > end) return {};
    const auto size = static_cast<std::int64_t>(text.size());
    if (start < 0) start = std::max<std::int64_t>(size + start, 0);
    if (end < 0) end = std::max<std::int64_t>(size + end, 0);
    end = std::min(end, size - 1);
    if (start > end || size == 0) return {};
    return text.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start + 1));
}

// GETRANGE and SUBSTR.
void getrange(CommandContext& ctx) {
    const auto start = integer_arg_or_reply(ctx, ctx.args[2]);
    if (!start) return;
    const auto end = integer_arg_or_reply(ctx, ctx.args[3]);
    if (!end) return;
    const Entry* entry = ctx.db().find_for_read(ctx.args[1]);
    if (!check_string(ctx, entry)) return;
    ctx.reply.bulk(entry ? string_range(entry->value.str(), *start, *end) : std::string_view());
}

// Writes `patch` at `offset` of `data`, zero-padding the gap.
void overwrite_at(std::string& data, std::size_t offset, std::string_view patch) {
    if (data.size() < offset + patch.size()) data.resize(offset + patch.size(), '\0');
    data.replace(offset, patch.size(), patch);
}

void setrange(CommandContext& ctx) {
    const auto offset = integer_arg_or_reply(ctx, ctx.args[2]);
    if (!offset) return;
    if (*offset < 0) return ctx.reply.error(kErrOffsetRange);
    const std::string_view patch = ctx.args[3];
    DbView db = ctx.db();
    Entry* entry = db.find_for_write(ctx.args[1]);
    if (!check_string(ctx, entry)) return;
    const std::size_t old_size = entry ? entry->value.str().size() : 0;
    // Writing nothing changes nothing, and creates no key.
    if (patch.empty()) return ctx.reply.integer(static_cast<std::int64_t>(old_size));
    if (!check_string_length(ctx, static_cast<std::uint64_t>(*offset), patch.size())) return;
    if (!entry) entry = &db.set(ctx.args[1], Value());
    {
        auto value = db.edit(*entry);
        overwrite_at(value->mutable_str(), static_cast<std::size_t>(*offset), patch);
        value->mark_modified_in_place();
    }
    ctx.reply.integer(static_cast<std::int64_t>(entry->value.str().size()));
}

}  // namespace

void register_string_commands(CommandTable& table) {
    constexpr std::string_view set_syntax =
        "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | "
        "PXAT unix-time-milliseconds | KEEPTTL]";
    constexpr std::string_view getex_syntax =
        "key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]";
    const KeyPositions one_key{1, 1, 1};

    table.add({.name = "get", .arity = 2, .flags = kReadOnly | kFast, .keys = one_key, .handler = get,
               .group = "string", .summary = "Returns the string value of a key.", .since = "1.0.0",
               .complexity = "O(1)", .syntax = "key"});
    table.add({.name = "set", .arity = -3, .flags = kWrite | kDenyOom, .keys = one_key, .handler = set,
               .group = "string",
               .summary = "Sets the string value of a key, optionally with an expiry, a condition on the key's "
                          "existence, or returning the old value.",
               .since = "1.0.0", .complexity = "O(1)", .syntax = set_syntax});
    table.add({.name = "setnx", .arity = 3, .flags = kWrite | kDenyOom | kFast, .keys = one_key, .handler = setnx,
               .group = "string", .summary = "Sets the string value of a key only when the key does not exist.",
               .since = "1.0.0", .complexity = "O(1)", .syntax = "key value"});
    table.add({.name = "setex", .arity = 4, .flags = kWrite | kDenyOom, .keys = one_key, .handler = setex,
               .group = "string", .summary = "Sets the string value and the expiry in seconds of a key.",
               .since = "2.0.0", .complexity = "O(1)", .syntax = "key seconds value"});
    table.add({.name = "psetex", .arity = 4, .flags = kWrite | kDenyOom, .keys = one_key, .handler = psetex,
               .group = "string", .summary = "Sets the string value and the expiry in milliseconds of a key.",
               .since = "2.6.0", .complexity = "O(1)", .syntax = "key milliseconds value"});
    table.add({.name = "getset", .arity = 3, .flags = kWrite | kDenyOom | kFast, .keys = one_key,
               .handler = getset, .group = "string",
               .summary = "Sets the string value of a key and returns the value it had before.", .since = "1.0.0",
               .complexity = "O(1)", .syntax = "key value"});
    table.add({.name = "getdel", .arity = 2, .flags = kWrite | kFast, .keys = one_key, .handler = getdel,
               .group = "string", .summary = "Returns the string value of a key and deletes the key.",
               .since = "6.2.0", .complexity = "O(1)", .syntax = "key"});
    table.add({.name = "getex", .arity = -2, .flags = kWrite | kFast, .keys = one_key, .handler = getex,
               .group = "string", .summary = "Returns the string value of a key and sets or removes its expiry.",
               .since = "6.2.0", .complexity = "O(1)", .syntax = getex_syntax});
    table.add({.name = "mget", .arity = -2, .flags = kReadOnly | kFast, .keys = {1, -1, 1}, .handler = mget,
               .group = "string", .summary = "Returns the string values of one or more keys.", .since = "1.0.0",
               .complexity = "O(N) where N is the number of keys to retrieve.", .syntax = "key [key ...]"});
    table.add({.name = "mset", .arity = -3, .flags = kWrite | kDenyOom, .keys = {1, -1, 2}, .handler = mset,
               .group = "string", .summary = "Sets the string values of one or more keys at once.",
               .since = "1.0.1", .complexity = "O(N) where N is the number of keys to set.",
               .syntax = "key value [key value ...]"});
    table.add({.name = "msetnx", .arity = -3, .flags = kWrite | kDenyOom, .keys = {1, -1, 2}, .handler = msetnx,
               .group = "string",
               .summary = "Sets the string values of one or more keys at once, only when none of the keys exists.",
               .since = "1.0.1", .complexity = "O(N) where N is the number of keys to set.",
               .syntax = "key value [key value ...]"});
    table.add({.name = "incr", .arity = 2, .flags = kWrite | kDenyOom | kFast, .keys = one_key, .handler = incr,
               .group = "string", .summary = "Adds one to the integer value of a key (0 if missing).",
               .since = "1.0.0", .complexity = "O(1)", .syntax = "key"});
    table.add({.name = "decr", .arity = 2, .flags = kWrite | kDenyOom | kFast, .keys = one_key, .handler = decr,
               .group = "string", .summary = "Subtracts one from the integer value of a key (0 if missing).",
               .since = "1.0.0", .complexity = "O(1)", .syntax = "key"});
    table.add({.name = "incrby", .arity = 3, .flags = kWrite | kDenyOom | kFast, .keys = one_key,
               .handler = incrby, .group = "string",
               .summary = "Adds an integer to the integer value of a key (0 if missing).", .since = "1.0.0",
               .complexity = "O(1)", .syntax = "key increment"});
    table.add({.name = "decrby", .arity = 3, .flags = kWrite | kDenyOom | kFast, .keys = one_key,
               .handler = decrby, .group = "string",
               .summary = "Subtracts an integer from the integer value of a key (0 if missing).", .since = "1.0.0",
               .complexity = "O(1)", .syntax = "key decrement"});
    table.add({.name = "incrbyfloat", .arity = 3, .flags = kWrite | kDenyOom | kFast, .keys = one_key,
               .handler = incrbyfloat, .group = "string",
               .summary = "Adds a floating point number to the numeric value of a key (0 if missing).",
               .since = "2.6.0", .complexity = "O(1)", .syntax = "key increment"});
    table.add({.name = "append", .arity = 3, .flags = kWrite | kDenyOom | kFast, .keys = one_key,
               .handler = append, .group = "string",
               .summary = "Appends a string to the value of a key; creates the key if missing.", .since = "2.0.0",
               .complexity = "O(1), amortized: the string grows geometrically.", .syntax = "key value"});
    table.add({.name = "strlen", .arity = 2, .flags = kReadOnly | kFast, .keys = one_key, .handler = strlen,
               .group = "string", .summary = "Returns the length of a string value.", .since = "2.2.0",
               .complexity = "O(1)", .syntax = "key"});
    // Redis 7.0 flags GETRANGE and SUBSTR readonly but not fast (O(N)).
    table.add({.name = "getrange", .arity = 4, .flags = kReadOnly, .keys = one_key, .handler = getrange,
               .group = "string", .summary = "Returns a substring of the string value of a key.", .since = "2.4.0",
               .complexity = "O(N) where N is the length of the returned string.", .syntax = "key start end"});
    table.add({.name = "substr", .arity = 4, .flags = kReadOnly, .keys = one_key, .handler = getrange,
               .group = "string", .summary = "Returns a substring of the string value of a key (as GETRANGE).",
               .since = "1.0.0", .complexity = "O(N) where N is the length of the returned string.",
               .syntax = "key start end"});
    table.add({.name = "setrange", .arity = 4, .flags = kWrite | kDenyOom, .keys = one_key, .handler = setrange,
               .group = "string",
               .summary = "Overwrites part of a string value from an offset, zero-padding; creates the key if "
                          "missing.",
               .since = "2.2.0", .complexity = "O(1) plus the length of the written value.",
               .syntax = "key offset value"});
}

}  // namespace tierkv::server
