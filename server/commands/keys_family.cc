// Keyspace ("generic") commands: DEL UNLINK EXISTS TYPE TOUCH KEYS SCAN
// RANDOMKEY RENAME RENAMENX COPY MOVE OBJECT. The expiry commands (EXPIRE,
// TTL, PERSIST, ...) are in expire_family.cc.
#include <charconv>
#include <cctype>
#include <climits>
#include <memory>
#include <optional>
#include <string>

#include "server/arguments.h"
#include "server/client_session.h"
#include "server/command_table.h"
#include "server/help_reply.h"
#include "server/server.h"
#include "storage/eviction/lfu.h"

namespace tierkv::server {

void register_expire_commands(CommandTable& table);  // expire_family.cc

namespace {

using storage::DbView;
using storage::Entry;
using Touch = storage::DbView::Touch;

std::span<const std::string_view> key_args(const CommandContext& ctx) { return ctx.args.subspan(1); }

// ---- DEL UNLINK EXISTS TYPE TOUCH ------------------------------------------

void del(CommandContext& ctx) {
    DbView db = ctx.db();
    std::int64_t deleted = 0;
    for (std::string_view key : key_args(ctx)) {
        if (db.find(key) && db.erase(key)) ++deleted;  // find() drops an expired key first
    }
    ctx.reply.integer(deleted);
}

// As DEL, but a large collection is freed on the background thread, as
// Redis's lazy free does past LAZYFREE_THRESHOLD; its memory leaves the
// count at once.
void unlink(CommandContext& ctx) {
    constexpr std::size_t kLazyFreeThreshold = 64;
    DbView db = ctx.db();
    std::int64_t deleted = 0;
    for (std::string_view key : key_args(ctx)) {
        Entry* entry = db.find(key);
        if (!entry) continue;
        if (storage::free_effort(entry->value) > kLazyFreeThreshold) {
            auto doomed = std::make_shared<storage::Value>(db.take_value(*entry));
            ctx.server.post_background([doomed]() mutable { doomed.reset(); });
        }
        db.erase(key);
        ++deleted;
    }
    ctx.reply.integer(deleted);
}

// A key named several times counts each time.
void exists(CommandContext& ctx) {
    DbView db = ctx.db();
    std::int64_t found = 0;
    for (std::string_view key : key_args(ctx)) {
        if (db.find_for_read(key, Touch::kNo)) ++found;
    }
    ctx.reply.integer(found);
}

void touch(CommandContext& ctx) {
    DbView db = ctx.db();
    std::int64_t touched = 0;
    for (std::string_view key : key_args(ctx)) {
        if (db.find_for_read(key)) ++touched;
    }
    ctx.reply.integer(touched);
}

void type(CommandContext& ctx) {
    const Entry* e = ctx.db().find_for_read(ctx.args[1], Touch::kNo);
    ctx.reply.simple(e ? storage::type_name(e->value.type()) : "none");
}

// ---- KEYS SCAN RANDOMKEY ----------------------------------------------------

std::size_t selected_db(const CommandContext& ctx) { return static_cast<std::size_t>(ctx.client.db.load()); }

void keys(CommandContext& ctx) {
    ctx.reply.bulk_array(ctx.server.keyspace().keys(selected_db(ctx), ctx.args[1], ctx.now_ms));
}

struct ScanOptions {
    std::size_t count = 10;
    std::string_view pattern = "*";
    std::optional<storage::ValueType> type;
    bool unknown_type = false;  // TYPE names no type: every key is filtered out
};

// Parses [MATCH pattern] [COUNT count] [TYPE type] from args[first]; replies
// the error itself on failure.
std::optional<ScanOptions> parse_scan_options(CommandContext& ctx, std::size_t first) {
    ScanOptions opts;
    for (std::size_t i = first; i < ctx.argc(); i += 2) {
        const std::string_view name = ctx.args[i];
        const bool has_value = i + 1 < ctx.argc();
        if (has_value && iequals(name, "count")) {
            std::string_view error;
            const auto count = parse_scan_count(ctx.args[i + 1], error);
            if (!count) {
                ctx.reply.error(error);
                return std::nullopt;
            }
            opts.count = *count;
        } else if (has_value && iequals(name, "match")) {
            opts.pattern = ctx.args[i + 1];
        } else if (has_value && iequals(name, "type")) {
            opts.type = storage::type_from_name(ctx.args[i + 1]);
            opts.unknown_type = !opts.type;
        } else {
            ctx.reply.error(kErrSyntax);
            return std::nullopt;
        }
    }
    return opts;
}

void scan(CommandContext& ctx) {
    const auto cursor = parse_scan_cursor(ctx.args[1]);
    if (!cursor) {
        ctx.reply.error("ERR invalid cursor");
        return;
    }
    const auto opts = parse_scan_options(ctx, 2);
    if (!opts) return;
    storage::ScanPage page =
        ctx.server.keyspace().scan(selected_db(ctx), *cursor, opts->count, opts->pattern, opts->type, ctx.now_ms);
    if (opts->unknown_type) page.keys.clear();
    ctx.reply.array(2);
    ctx.reply.bulk(std::to_string(page.next_cursor));
    ctx.reply.bulk_array(page.keys);
}

void randomkey(CommandContext& ctx) {
    const auto key = ctx.server.keyspace().random_key(selected_db(ctx), ctx.now_ms);
    if (key) {
        ctx.reply.bulk(*key);
    } else {
        ctx.reply.null();
    }
}

// ---- RENAME RENAMENX COPY MOVE ----------------------------------------------

// A list appeared at `key` of database `db`: a client blocked on it may pop.
void signal_if_list(CommandContext& ctx, const Entry& entry, std::size_t db, std::string_view key) {
    if (entry.value.type() == storage::ValueType::kList) ctx.server.blocking().signal(db, key);
}

// Moves `src` (stored under `src_key` in `from`) to `dst_key` in `to`,
// replacing whatever is there and keeping the TTL. The value is moved, not
// copied, so renaming a large value costs no copy.
void move_entry(CommandContext& ctx, DbView& from, std::string_view src_key, Entry& src, DbView& to,
                std::string_view dst_key) {
    storage::Value value = from.take_value(src);
    const std::int64_t expire_at_ms = from.expire_at(src);
    from.erase(src_key);
    Entry& dst = to.set(dst_key, std::move(value));
    if (expire_at_ms != 0) to.set_expire(dst, expire_at_ms);
    signal_if_list(ctx, dst, to.index(), dst_key);
}

void rename_generic(CommandContext& ctx, bool only_if_new) {
    DbView db = ctx.db();
    const std::string_view src_key = ctx.args[1];
    const std::string_view dst_key = ctx.args[2];
    Entry* src = db.find_for_write(src_key);
    if (!src) {
        ctx.reply.error(kErrNoSuchKey);
        return;
    }
    if (src_key == dst_key) {
        only_if_new ? ctx.reply.integer(0) : ctx.reply.ok();
        return;
    }
    if (only_if_new && db.find_for_write(dst_key)) {
        ctx.reply.integer(0);
        return;
    }
    move_entry(ctx, db, src_key, *src, db, dst_key);
    only_if_new ? ctx.reply.integer(1) : ctx.reply.ok();
}

void rename(CommandContext& ctx) { rename_generic(ctx, false); }
void renamenx(CommandContext& ctx) { rename_generic(ctx, true); }

// A database number as COPY ... DB and MOVE take it: an int (Redis's
// getIntFromObject errors), then an existing database. Replies the error.
std::optional<std::size_t> parse_db_index(CommandContext& ctx, std::string_view text) {
    const auto index = parse_int64(text);
    if (!index) {
        ctx.reply.error(kErrNotInteger);
    } else if (*index < INT_MIN || *index > INT_MAX) {
        ctx.reply.error(kErrNotInt32);
    } else if (*index < 0 || static_cast<std::size_t>(*index) >= ctx.server.keyspace().databases()) {
        ctx.reply.error(kErrDbIndex);
    } else {
        return static_cast<std::size_t>(*index);
    }
    return std::nullopt;
}

struct CopyOptions {
    std::size_t dst_db = 0;
    bool replace = false;
};

std::optional<CopyOptions> parse_copy_options(CommandContext& ctx) {
    CopyOptions opts{.dst_db = selected_db(ctx)};
    for (std::size_t i = 3; i < ctx.argc(); ++i) {
        if (iequals(ctx.args[i], "replace")) {
            opts.replace = true;
        } else if (iequals(ctx.args[i], "db") && i + 1 < ctx.argc()) {
            const auto index = parse_db_index(ctx, ctx.args[++i]);
            if (!index) return std::nullopt;
            opts.dst_db = *index;
        } else {
            ctx.reply.error(kErrSyntax);
            return std::nullopt;
        }
    }
    return opts;
}

// The destination key's shard is locked in every database (keys {1,2,1}),
// so ctx.db(n) is safe for any n.
void copy(CommandContext& ctx) {
    const auto opts = parse_copy_options(ctx);
    if (!opts) return;
    const std::string_view src_key = ctx.args[1];
    const std::string_view dst_key = ctx.args[2];
    if (opts->dst_db == selected_db(ctx) && src_key == dst_key) {
        ctx.reply.error(kErrSameObject);
        return;
    }
    DbView src_db = ctx.db();
    const Entry* src = src_db.find_for_read(src_key);
    if (!src) {
        ctx.reply.integer(0);
        return;
    }
    DbView dst_db = ctx.db(opts->dst_db);
    if (!opts->replace && dst_db.find_for_write(dst_key)) {
        ctx.reply.integer(0);
        return;
    }
    storage::Value value = src->value;
    const std::int64_t expire_at_ms = src_db.expire_at(*src);
    Entry& dst = dst_db.set(dst_key, std::move(value));
    if (expire_at_ms != 0) dst_db.set_expire(dst, expire_at_ms);
    signal_if_list(ctx, dst, opts->dst_db, dst_key);
    ctx.reply.integer(1);
}

// The key's shard is locked in every database, so ctx.db(n) is safe.
void move(CommandContext& ctx) {
    const auto dst_index = parse_db_index(ctx, ctx.args[2]);
    if (!dst_index) return;
    if (*dst_index == selected_db(ctx)) {
        ctx.reply.error(kErrSameObject);
        return;
    }
    const std::string_view key = ctx.args[1];
    DbView src_db = ctx.db();
    Entry* src = src_db.find_for_write(key);
    DbView dst_db = ctx.db(*dst_index);
    if (!src || dst_db.find_for_write(key)) {
        ctx.reply.integer(0);
        return;
    }
    move_entry(ctx, src_db, key, *src, dst_db, key);
    ctx.reply.integer(1);
}

// ---- OBJECT -----------------------------------------------------------------

// Looks the key up without refreshing its access time (OBJECT IDLETIME must
// not reset what it reports); replies null when missing.
const Entry* object_lookup(CommandContext& ctx) {
    const Entry* e = ctx.db().find_for_read(ctx.args[2], Touch::kNo);
    if (!e) ctx.reply.null();
    return e;
}

bool lfu_policy(const CommandContext& ctx) {
    return storage::policy_tracks_frequency(ctx.server.keyspace().eviction_policy());
}

void object_encoding(CommandContext& ctx) {
    if (const Entry* e = object_lookup(ctx)) ctx.reply.bulk(storage::encoding_name(e->value));
}

// Redis shares one object for each integer 0..9999 (refcount INT_MAX)
// unless an LRU/LFU policy under a memory limit needs per-key access times.
bool is_shared_integer(const CommandContext& ctx, const storage::Value& value) {
    constexpr std::int64_t kSharedIntegers = 10000;
    if (storage::encoding_name(value) != "int") return false;
    const auto number = parse_int64(value.str());
    if (!number || *number < 0 || *number >= kSharedIntegers) return false;
    const Config config = ctx.server.config();
    const bool tracks_access = config.maxmemory_policy.ends_with("-lru") || config.maxmemory_policy.ends_with("-lfu");
    return config.maxmemory == 0 || !tracks_access;
}

void object_refcount(CommandContext& ctx) {
    if (const Entry* e = object_lookup(ctx)) ctx.reply.integer(is_shared_integer(ctx, e->value) ? INT_MAX : 1);
}

std::int64_t idle_seconds(const CommandContext& ctx, const Entry& e) {
    const std::int64_t now_s = ctx.server.keyspace().clock_seconds(ctx.now_ms);
    return std::max<std::int64_t>(0, now_s - e.last_access_s);
}

void object_idletime(CommandContext& ctx) {
    const Entry* e = object_lookup(ctx);
    if (!e) return;
    if (lfu_policy(ctx)) {
        ctx.reply.error(
            "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching "
            "between policies at runtime LRU and LFU data will take some time to adjust.");
        return;
    }
    ctx.reply.integer(idle_seconds(ctx, *e));
}

// The key's LFU counter as the policy would judge it now: decayed by its
// idle time, as Redis's OBJECT FREQ reports it.
void object_freq(CommandContext& ctx) {
    const Entry* e = object_lookup(ctx);
    if (!e) return;
    if (!lfu_policy(ctx)) {
        ctx.reply.error(
            "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when "
            "switching between policies at runtime LRU and LFU data will take some time to adjust.");
        return;
    }
    const auto idle = static_cast<std::uint32_t>(idle_seconds(ctx, *e));
    const int decay_time = ctx.server.keyspace().eviction_settings().lfu_decay_time.load();
    ctx.reply.integer(storage::lfu_decayed(e->lfu_counter, idle, decay_time));
}

void object_help(CommandContext& ctx) {
    reply_help(ctx.reply, "OBJECT",
               {
                   "ENCODING <key>",
                   "    Return the kind of internal representation used in order to store the value",
                   "    associated with a <key>.",
                   "FREQ <key>",
                   "    Return the access frequency index of the <key>. The returned integer is",
                   "    proportional to the logarithm of the recent access frequency of the key.",
                   "IDLETIME <key>",
                   "    Return the idle time of the <key>, that is the approximated number of",
                   "    seconds elapsed since the last access to the key.",
                   "REFCOUNT <key>",
                   "    Return the number of references of the value associated with the specified",
                   "    <key>.",
               });
}

CommandSpec object_command() {
    CommandSpec object{.name = "object", .arity = -2, .group = "generic",
                       .summary = "Container for the commands that inspect a key's stored object.",
                       .since = "2.2.3", .complexity = "Depends on subcommand.", .syntax = ""};
    object.subcommands = {
        {.name = "object|encoding", .arity = 3, .flags = kReadOnly, .keys = {2, 2, 1}, .handler = object_encoding,
         .group = "generic", .summary = "Returns the internal encoding of a key's value.", .since = "2.2.3",
         .complexity = "O(1)", .syntax = "key"},
        {.name = "object|freq", .arity = 3, .flags = kReadOnly, .keys = {2, 2, 1}, .handler = object_freq,
         .group = "generic", .summary = "Returns the logarithmic access frequency counter of a key.",
         .since = "4.0.0", .complexity = "O(1)", .syntax = "key"},
        {.name = "object|idletime", .arity = 3, .flags = kReadOnly, .keys = {2, 2, 1}, .handler = object_idletime,
         .group = "generic", .summary = "Returns the seconds since a key was last accessed.", .since = "2.2.3",
         .complexity = "O(1)", .syntax = "key"},
        {.name = "object|refcount", .arity = 3, .flags = kReadOnly, .keys = {2, 2, 1}, .handler = object_refcount,
         .group = "generic", .summary = "Returns the reference count of a key's value.", .since = "2.2.3",
         .complexity = "O(1)", .syntax = "key"},
        {.name = "object|help", .arity = 2, .flags = kLoading | kStale, .handler = object_help, .group = "generic",
         .summary = "Returns help text about the OBJECT subcommands.", .since = "6.2.0", .complexity = "O(1)",
         .syntax = ""},
    };
    return object;
}

}  // namespace

void register_key_commands(CommandTable& table) {
    table.add({.name = "del", .arity = -2, .flags = kWrite, .keys = {1, -1, 1}, .handler = del, .group = "generic",
               .summary = "Deletes keys.", .since = "1.0.0",
               .complexity = "O(N) where N is the number of keys removed.", .syntax = "key [key ...]"});
    table.add({.name = "unlink", .arity = -2, .flags = kWrite | kFast, .keys = {1, -1, 1}, .handler = unlink,
               .group = "generic", .summary = "Deletes keys, freeing large values in the background.",
               .since = "4.0.0", .complexity = "O(1) per key removed.", .syntax = "key [key ...]"});
    table.add({.name = "exists", .arity = -2, .flags = kReadOnly | kFast, .keys = {1, -1, 1}, .handler = exists,
               .group = "generic", .summary = "Counts how many of the given keys exist.", .since = "1.0.0",
               .complexity = "O(N) where N is the number of keys.", .syntax = "key [key ...]"});
    table.add({.name = "type", .arity = 2, .flags = kReadOnly | kFast, .keys = {1, 1, 1}, .handler = type,
               .group = "generic", .summary = "Returns the type of a key's value.", .since = "1.0.0",
               .complexity = "O(1)", .syntax = "key"});
    table.add({.name = "touch", .arity = -2, .flags = kReadOnly | kFast, .keys = {1, -1, 1}, .handler = touch,
               .group = "generic", .summary = "Refreshes the last access time of keys; counts those that exist.",
               .since = "3.2.1", .complexity = "O(N) where N is the number of keys.", .syntax = "key [key ...]"});
    table.add({.name = "keys", .arity = 2, .flags = kReadOnly | kWalksTier, .handler = keys, .group = "generic",
               .summary = "Returns every key name matching a pattern.", .since = "1.0.0",
               .complexity = "O(N) where N is the number of keys in the database.", .syntax = "pattern"});
    table.add({.name = "scan", .arity = -2, .flags = kReadOnly | kWalksTier, .handler = scan, .group = "generic",
               .summary = "Walks the key names of the database a page at a time.", .since = "2.8.0",
               .complexity = "O(1) per call, O(N) for a complete walk.",
               .syntax = "cursor [MATCH pattern] [COUNT count] [TYPE type]"});
    table.add({.name = "randomkey", .arity = 1, .flags = kReadOnly | kWalksTier, .handler = randomkey, .group = "generic",
               .summary = "Returns a random key name of the database.", .since = "1.0.0", .complexity = "O(1)",
               .syntax = ""});
    table.add({.name = "rename", .arity = 3, .flags = kWrite, .keys = {1, 2, 1}, .handler = rename,
               .group = "generic", .summary = "Renames a key, replacing any key of the new name.", .since = "1.0.0",
               .complexity = "O(1)", .syntax = "key newkey"});
    table.add({.name = "renamenx", .arity = 3, .flags = kWrite | kFast, .keys = {1, 2, 1}, .handler = renamenx,
               .group = "generic", .summary = "Renames a key only when the new name is not taken.",
               .since = "1.0.0", .complexity = "O(1)", .syntax = "key newkey"});
    table.add({.name = "copy", .arity = -3, .flags = kWrite | kDenyOom, .keys = {1, 2, 1}, .handler = copy,
               .group = "generic", .summary = "Copies a key's value to another key, possibly in another database.",
               .since = "6.2.0", .complexity = "O(N) where N is the size of the value copied.",
               .syntax = "source destination [DB destination-db] [REPLACE]"});
    table.add({.name = "move", .arity = 3, .flags = kWrite | kFast, .keys = {1, 1, 1}, .handler = move,
               .group = "generic", .summary = "Moves a key to another database.", .since = "1.0.0",
               .complexity = "O(1)", .syntax = "key db"});
    table.add(object_command());
    register_expire_commands(table);
}

}  // namespace tierkv::server
