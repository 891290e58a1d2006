#include "server/dispatcher.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>
#include <utility>

#include "server/acl.h"
#include "server/arguments.h"
#include "server/command.h"
#include "server/command_clock.h"
#include "server/server.h"
#include "server/transactions.h"
#include "storage/clock.h"

namespace tierkv::server {
namespace {

// "ERR unknown command 'foo', with args beginning with: 'a' 'b' ", the
// argument list cut at about 128 bytes exactly as Redis cuts it.
// Redis formats them as C strings, so each stops at a NUL byte too.
std::string_view c_string(std::string_view s) { return s.substr(0, s.find('\0')); }

std::string unknown_command_error(std::span<const std::string_view> args) {
    std::string listed;
    for (std::size_t i = 1; i < args.size() && listed.size() < 128; ++i) {
        listed.push_back('\'');
        listed.append(c_string(args[i]).substr(0, 128 - listed.size() + 1));
        listed.append("' ");
    }
    std::string msg = "ERR unknown command '";
    msg.append(c_string(args[0]).substr(0, 128));
    msg.append("', with args beginning with: ");
    msg.append(listed);
    return msg;
}

// Resolves "CLIENT LIST" to the client|list spec, replying the error itself
// when the subcommand is missing or unknown. A bare container (CLIENT) is
// `rejected`, as Redis counts it in its commandstats.
const CommandSpec* resolve(const Server& server, protocol::ReplyBuilder& reply,
                           std::span<const std::string_view> args, const CommandSpec* command,
                           const CommandSpec*& rejected) {
    const CommandSpec* spec = command ? command : server.commands().find(args[0]);
    if (!spec) {
        reply.error(unknown_command_error(args));
        return nullptr;
    }
    if (spec->subcommands.empty()) return spec;
    // A container with a handler of its own (COMMAND) runs it when called bare.
    if (args.size() < 2 && spec->handler) return spec;
    if (args.size() < 2) {
        reply.error(arity_error(spec->name));
        rejected = spec;
        return nullptr;
    }
    const CommandSpec* sub = server.commands().find_subcommand(*spec, args[1]);
    if (!sub) {
        reply.error("ERR unknown subcommand '" + std::string(args[1].substr(0, 128)) + "'. Try " +
                    to_upper(spec->name) + " HELP.");
        return nullptr;
    }
    return sub;
}

// Error replies at debug level help find out why a client misbehaves.
void log_error_reply(const ClientSession& client, std::string_view command, std::string_view error) {
    if (!spdlog::should_log(spdlog::level::debug)) return;
    if (error.ends_with("\r\n")) error.remove_suffix(2);
    spdlog::debug("client {} ({}): {} -> {}", client.id, client.addr, c_string(command).substr(0, 64), error);
}

// Before a command that may add data: evicts while over maxmemory, a
// bounded number of keys per command. False when still over the limit and
// nothing could be evicted (noeviction, or volatile-* with no TTLs left).
bool make_room(Server& server, const storage::KeyLock& locks, std::int64_t now_ms) {
    constexpr std::size_t kMaxVictimsPerCommand = 64;
    auto& keyspace = server.keyspace();
    if (!keyspace.over_memory_limit()) return true;
    const storage::EvictionResult result = keyspace.evict(&locks, kMaxVictimsPerCommand, now_ms);
    return result.within_limit || result.evicted > 0;
}

std::string oom_error(Server& server) {
    std::string error = "OOM command not allowed when used memory > 'maxmemory'.";
    if (const storage::Tier* tier = server.keyspace().tier(); tier && tier->failing()) {
        error += " The tier cannot write, so nothing can be spilled: " + tier->last_error();
    }
    return error;
}

// Durability everysec/always: runs a write command, then sends the new state
// of every key it changed, in any database (MOVE, COPY ... DB), to the tier,
// and notes how far the tier must get before the reply may leave (always).
void run_writing_through(CommandContext& ctx) {
    ctx.locks.start_recording();
    ctx.spec.handler(ctx);
    for (const storage::ChangedKey& c : ctx.locks.take_changed()) {
        ctx.db(c.db).write_through(c.key, c.had_disk_copy);
    }
    ctx.client.durable_seq_needed = ctx.server.keyspace().tier()->queued_seq();
}

// Adds the command to the slow log when it ran at least
// slowlog-log-slower-than microseconds (-1: never), as Redis.
void log_if_slow(Server& server, const ClientSession& client, const CommandSpec& spec,
                 std::span<const std::string_view> args, std::uint64_t micros) {
    const std::int64_t threshold = server.hot().slowlog_log_slower_than.load(std::memory_order_relaxed);
    if (threshold < 0 || static_cast<std::int64_t>(micros) < threshold || spec.has_flag(kSkipSlowlog)) return;
    SlowLogEntry entry;
    entry.unix_time = storage::unix_time_ms() / 1000;
    entry.duration_us = static_cast<std::int64_t>(micros);
    entry.args = SlowLog::kept_args(args);
    entry.client_addr = client.addr;
    entry.client_name = client.names().name;
    server.slowlog().push(std::move(entry),
                          static_cast<std::size_t>(server.hot().slowlog_max_len.load(std::memory_order_relaxed)));
}

}  // namespace

std::string to_upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

namespace {

// The keys `spec`'s command in `args` names that are not in memory but may
// be in the tier (no disk I/O).
std::vector<std::string> tier_keys_of(Server& server, const ClientSession& client, const CommandSpec& spec,
                                      std::span<const std::string_view> args) {
    if (!spec.arity_accepts(args.size())) return {};
    if (spec.name == "exec" && client.multi.active && !client.multi.aborted) {
        // EXEC reads the keys of its queued commands before it locks their
        // shards, so it never waits on the disk while holding them.
        std::vector<std::string> out;
        for (const auto& queued : client.multi.queued) {
            const std::vector<std::string_view> views(queued.begin(), queued.end());
            if (views.front() == "exec") continue;
            for (std::string& key : keys_in_tier(server, client, views)) out.push_back(std::move(key));
        }
        return out;
    }
    const KeyArgs keys = spec.key_args(args);
    if (keys.empty()) return {};
    return server.keyspace().keys_on_disk(static_cast<std::size_t>(client.db.load()), keys, storage::unix_time_ms());
}

}  // namespace

std::vector<std::string> keys_in_tier(Server& server, const ClientSession& client,
                                      std::span<const std::string_view> args) {
    const CommandSpec* spec = find_spec(server, args);
    return spec ? tier_keys_of(server, client, *spec, args) : std::vector<std::string>{};
}

TierPlan plan_tier_step(Server& server, const ClientSession& client, std::span<const std::string_view> args,
                        bool keys_loaded) {
    TierPlan plan;
    const storage::Tier* tier = server.keyspace().tier();
    const CommandSpec* spec = tier ? find_spec(server, args) : nullptr;
    if (!spec) return plan;
    if (spec->has_flag(kDenyOom) && tier->backlogged() && !tier->failing() && server.keyspace().over_memory_limit()) {
        plan.step = TierStep::kWaitForWriter;
    } else if (spec->name == "exec" && !keys_loaded && !(plan.keys = tier_keys_of(server, client, *spec, args)).empty()) {
        plan.step = TierStep::kLoadKeys;
    } else if (spec->has_flag(kWalksTier)) {
        plan.step = TierStep::kRunOnTierPool;
    }
    return plan;
}

storage::DbView CommandContext::db() const { return locks.db(static_cast<std::size_t>(client.db.load())); }

namespace {

// Counts and logs an error reply written at `out_before`, if there is one.
void account_error(Server& server, const ClientSession& client, protocol::ReplyBuilder& reply,
                   std::string_view command, std::size_t out_before) {
    if (reply.buffer().size() <= out_before || reply.buffer()[out_before] != '-') return;
    server.stats().error_replies.fetch_add(1, std::memory_order_relaxed);
    const std::string_view error = std::string_view(reply.buffer()).substr(out_before);
    server.command_stats().record_error(error);
    log_error_reply(client, command, error);
}

// Whether the client's ACL user may run the command on these keys and
// channels; replies Redis's -NOPERM error when not. A user with every
// right (the default one) costs a version compare and a flag test.
bool acl_allows(Server& server, ClientSession& client, protocol::ReplyBuilder& reply, const CommandSpec& spec,
                std::span<const std::string_view> args) {
    const AclUser& user = current_user(server.acl(), client);
    if (user.unrestricted) return true;
    const AclDenial denial = check_permissions(user, spec, args);
    if (denial == AclDenial::kNone) return true;
    reply.error(denial_error(denial, spec));
    return false;
}

// Commands that run at once between MULTI and EXEC; every other is queued.
bool runs_inside_multi(const CommandSpec& spec) {
    return spec.name == "exec" || spec.name == "discard" || spec.name == "multi" || spec.name == "watch" ||
           spec.name == "quit" || spec.name == "reset";
}

// What a RESP2 client with subscriptions may run (subscribe mode).
bool allowed_when_subscribed(const CommandSpec& spec) {
    return spec.name == "subscribe" || spec.name == "unsubscribe" || spec.name == "psubscribe" ||
           spec.name == "punsubscribe" || spec.name == "ping" || spec.name == "quit" || spec.name == "reset";
}

}  // namespace

const CommandSpec* find_spec(const Server& server, std::span<const std::string_view> args) {
    const CommandSpec* spec = server.commands().find(args[0]);
    return spec ? find_spec(server, args, *spec) : nullptr;
}

const CommandSpec* find_spec(const Server& server, std::span<const std::string_view> args, const CommandSpec& command) {
    if (!command.subcommands.empty() && args.size() >= 2) {
        if (const CommandSpec* sub = server.commands().find_subcommand(command, args[1])) return sub;
    }
    return &command;
}

bool run_command(Server& server, ClientSession& client, protocol::ReplyBuilder& reply, const CommandSpec& spec,
                 std::span<const std::string_view> args, storage::KeyLock* held, bool may_read_disk,
                 CommandClock* clock) {
    reply.set_resp_version(client.resp.load(std::memory_order_relaxed));
    const std::size_t out_before = reply.buffer().size();
    const auto started = clock ? CommandClock::Steady::time_point{} : CommandClock::Steady::now();
    {
        const std::int64_t now = held ? held->now_ms() : clock ? clock->unix_ms() : storage::unix_time_ms();
        const KeyArgs keys = spec.key_args(args);
        std::optional<storage::KeyLock> own;
        if (!held) own.emplace(server.keyspace().lock(keys, now));
        storage::KeyLock& locks = held ? *held : *own;
        CommandContext ctx{args, spec, reply, client, server, locks, now};
        if (!may_read_disk && server.keyspace().tier()) {
            // Checked under the command's own locks: a key cannot leave
            // memory between this and the handler.
            storage::DbView db = ctx.db();
            for (std::string_view key : keys) {
                if (db.needs_disk_read(key)) return false;
            }
        }
        client.last_command.store(&spec.name, std::memory_order_relaxed);
        try {
            if (spec.has_flag(kDenyOom) && !make_room(server, locks, now)) {
                reply.error(oom_error(server));
            } else if (spec.has_flag(kWrite) && server.syncs_every_write() && server.keyspace().tier()->failing()) {
                // Durability always cannot be kept: refuse, as Redis refuses
                // writes when its AOF cannot be written.
                reply.error("MISCONF Errors writing to the tier, so writes are refused while durability is always: " +
                            server.keyspace().tier()->last_error());
            } else if (spec.has_flag(kWrite) && server.keyspace().writes_through()) {
                run_writing_through(ctx);
            } else {
                spec.handler(ctx);
            }
        } catch (const std::exception& e) {
            // A handler bug must cost one reply, not the server.
            spdlog::error("command '{}' failed: {}", spec.name, e.what());
            reply.truncate(out_before);
            reply.error(std::string("ERR internal error: ") + e.what());
        }
    }  // the shards are unlocked before the bookkeeping below (unless held)
    const std::uint64_t nanos =
        clock ? clock->lap_nanos()
              : static_cast<std::uint64_t>(
                    std::chrono::duration_cast<std::chrono::nanoseconds>(CommandClock::Steady::now() - started).count());
    const bool failed = reply.buffer().size() > out_before && reply.buffer()[out_before] == '-';
    server.command_stats().record_call(spec.stats_slot, nanos, failed);
    log_if_slow(server, client, spec, args, nanos / 1000);
    account_error(server, client, reply, args[0], out_before);
    return true;
}

bool execute_command(Server& server, ClientSession& client, protocol::ReplyBuilder& reply,
                     std::span<const std::string_view> args, bool may_read_disk, CommandClock* clock,
                     const CommandSpec* command) {
    reply.set_resp_version(client.resp.load(std::memory_order_relaxed));
    const std::size_t out_before = reply.buffer().size();

    const CommandSpec* rejected = nullptr;
    const CommandSpec* spec = resolve(server, reply, args, command, rejected);
    if (spec && !spec->arity_accepts(args.size())) {
        reply.error(arity_error(spec->name));
        rejected = std::exchange(spec, nullptr);
    }
    if (spec && !client.authenticated.load(std::memory_order_relaxed) && !spec->has_flag(kNoAuth)) {
        reply.error("NOAUTH Authentication required.");
        rejected = std::exchange(spec, nullptr);
    }
    if (spec && !acl_allows(server, client, reply, *spec, args)) rejected = std::exchange(spec, nullptr);
    if (spec && client.resp.load(std::memory_order_relaxed) == 2 && client.subscriptions() > 0 &&
        !allowed_when_subscribed(*spec)) {
        reply.error("ERR Can't execute '" + spec->name +
                    "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context");
        rejected = std::exchange(spec, nullptr);
    }
    if (rejected) server.command_stats().record_rejected(rejected->stats_slot);
    if (rejected && rejected->name == "exec") {
        // As Redis: a rejected EXEC ends any transaction, saying why.
        std::string why = reply.buffer().substr(out_before);
        reply.truncate(out_before);
        why = why.substr(why.starts_with("-ERR ") ? 5 : 1);
        if (why.ends_with("\r\n")) why.resize(why.size() - 2);
        discard_transaction(server, client);
        reply.error("EXECABORT Transaction discarded because of: " + why);
    } else if (client.multi.active && (!spec || !runs_inside_multi(*spec))) {
        if (spec) {
            // Queued: EXEC runs it. Copied, as the input buffer moves on.
            client.multi.queued.emplace_back(args.begin(), args.end());
            client.multi_queued.store(static_cast<int>(client.multi.queued.size()), std::memory_order_relaxed);
            reply.simple("QUEUED");
        } else {
            client.multi.aborted = true;  // EXEC will answer EXECABORT
        }
        account_error(server, client, reply, args[0], out_before);
        server.stats().commands_processed.fetch_add(1, std::memory_order_relaxed);
        if (clock) clock->lap_nanos();  // the next command's time starts here
        return true;
    }
    if (spec) {
        if (!run_command(server, client, reply, *spec, args, nullptr, may_read_disk, clock)) return false;
    } else {
        account_error(server, client, reply, args[0], out_before);
        if (clock) clock->lap_nanos();
    }
    server.stats().commands_processed.fetch_add(1, std::memory_order_relaxed);
    return true;
}

}  // namespace tierkv::server
