// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH, with Redis 7.0's
// replies and errors (multi.c).
//
// Between MULTI and EXEC the dispatcher queues every command but EXEC,
// DISCARD, MULTI, WATCH, QUIT and RESET, replying +QUEUED; a command it
// rejects (unknown, wrong arity) marks the transaction for EXECABORT. EXEC
// locks the shards of every key the queued commands and WATCH name, at once
// and in index order, and runs the commands one after the other under that
// one lock (run_command with `held`), so no other client sees a state in
// between. A queued command that names no keys and may touch the whole
// keyspace (FLUSHALL, DBSIZE, KEYS, ...) makes EXEC lock every shard; the
// keyspace's own locking inside such a command skips the shards EXEC holds
// (storage::KeyLock::Current).
//
// WATCH registers the client's flag with the key's shard; any change of the
// key (a write, a deletion, expiry, eviction, FLUSHDB/FLUSHALL) sets it, and
// EXEC then replies a null array without running anything. A key that was
// live when watched and is found expired at EXEC counts as changed too.
#include <string>
#include <string_view>
#include <vector>

#include "server/acl.h"
#include "server/command_table.h"
#include "server/dispatcher.h"
#include "server/server.h"
#include "server/transactions.h"

namespace tierkv::server {

void unwatch_all(Server& server, ClientSession& client) {
    if (!client.watch_flag) return;
    for (const auto& [db, key] : client.watched) server.keyspace().unwatch(db, key, client.watch_flag.get());
    client.watched.clear();
    client.watch_flag.reset();
}

void discard_transaction(Server& server, ClientSession& client) {
    client.multi = ClientSession::Transaction{};
    client.multi_queued.store(-1, std::memory_order_relaxed);
    unwatch_all(server, client);
}

namespace {

void multi(CommandContext& ctx) {
    if (ctx.client.multi.active) return ctx.reply.error("ERR MULTI calls can not be nested");
    ctx.client.multi.active = true;
    ctx.client.multi_queued.store(0, std::memory_order_relaxed);
    ctx.reply.ok();
}

void discard(CommandContext& ctx) {
    if (!ctx.client.multi.active) return ctx.reply.error("ERR DISCARD without MULTI");
    discard_transaction(ctx.server, ctx.client);
    ctx.reply.ok();
}

void watch(CommandContext& ctx) {
    ClientSession& client = ctx.client;
    if (client.multi.active) return ctx.reply.error("ERR WATCH inside MULTI is not allowed");
    const auto db_index = static_cast<std::size_t>(client.db.load());
    storage::DbView db = ctx.db();
    if (!client.watch_flag) client.watch_flag = std::make_shared<storage::WatchFlag>();
    for (std::string_view key : ctx.args.subspan(1)) {
        bool known = false;
        for (const auto& [d, k] : client.watched) known = known || (d == db_index && k == key);
        if (known) continue;
        // An expired key is deleted first: one found expired at EXEC expired since.
        db.find(key);
        ctx.server.keyspace().watch(db_index, key, client.watch_flag);
        client.watched.emplace_back(db_index, std::string(key));
    }
    ctx.reply.ok();
}

void unwatch(CommandContext& ctx) {
    unwatch_all(ctx.server, ctx.client);
    ctx.reply.ok();
}

// Commands that name no keys but touch no keys either need no shard locks.
bool needs_every_shard(const CommandSpec& spec, const KeyArgs& keys) {
    return keys.empty() && spec.group != "connection" && spec.group != "transactions";
}

// The rules were checked when the command was queued; a user changed since
// gets Redis's reply in its place.
void reply_rules_changed(CommandContext& ctx, AclDenial denial) {
    const std::string_view reason = denial == AclDenial::kCommand ? "no permission to execute the command or subcommand"
                                    : denial == AclDenial::kKey   ? "no permission to touch the specified keys"
                                    : "no permission to access one of the channels used as arguments";
    ctx.reply.error(std::string("NOPERM ACLs rules changed between the moment the transaction was accumulated and "
                                "the EXEC call. This command is no longer allowed for the following reason: ")
                        .append(reason));
}

void exec(CommandContext& ctx) {
    ClientSession& client = ctx.client;
    if (!client.multi.active) return ctx.reply.error("ERR EXEC without MULTI");
    const ClientSession::Transaction transaction = std::exchange(client.multi, ClientSession::Transaction{});
    client.multi_queued.store(-1, std::memory_order_relaxed);
    if (transaction.aborted) {
        unwatch_all(ctx.server, client);
        return ctx.reply.error("EXECABORT Transaction discarded because of previous errors.");
    }

    // What the commands are and which keys they name, before locking.
    struct Queued {
        std::vector<std::string_view> args;
        const CommandSpec* spec;
    };
    std::vector<Queued> commands;
    commands.reserve(transaction.queued.size());
    std::vector<std::string_view> keys;
    bool every_shard = false;
    for (const auto& args : transaction.queued) {
        Queued q{std::vector<std::string_view>(args.begin(), args.end()), nullptr};
        q.spec = find_spec(ctx.server, q.args);
        if (!q.spec) continue;  // cannot happen: only resolved commands are queued
        const KeyArgs named = q.spec->key_args(q.args);
        every_shard = every_shard || needs_every_shard(*q.spec, named);
        keys.insert(keys.end(), named.begin(), named.end());
        commands.push_back(std::move(q));
    }
    for (const auto& [db, key] : client.watched) keys.push_back(key);

    auto& keyspace = ctx.server.keyspace();
    storage::KeyLock locks = every_shard ? keyspace.lock_all(ctx.now_ms) : keyspace.lock(keys, ctx.now_ms);
    const storage::KeyLock::Current current(locks);

    bool changed = client.watch_flag && client.watch_flag->dirty.load(std::memory_order_relaxed);
    for (const auto& [db, key] : client.watched) {
        changed = changed || keyspace.expired_in_memory(db, key, ctx.now_ms);
    }
    unwatch_all(ctx.server, client);
    if (changed) return ctx.reply.null_array();

    ctx.reply.array(commands.size());
    client.deny_blocking = true;
    current_user(ctx.server.acl(), client);
    const std::shared_ptr<const AclUser> user = client.user;  // held: an AUTH inside may switch the client's
    for (const Queued& q : commands) {
        const AclDenial denial = user->unrestricted ? AclDenial::kNone : check_permissions(*user, *q.spec, q.args);
        if (denial == AclDenial::kNone) {
            run_command(ctx.server, client, ctx.reply, *q.spec, q.args, &locks);
        } else {
            reply_rules_changed(ctx, denial);
        }
    }
    client.deny_blocking = false;
    ctx.reply.set_resp_version(client.resp.load(std::memory_order_relaxed));
}

}  // namespace

void register_transaction_commands(CommandTable& table) {
    constexpr std::uint32_t kTxFlags = kNoScript | kLoading | kStale | kFast | kAllowBusy;
    table.add({.name = "multi", .arity = 1, .flags = kTxFlags, .handler = multi, .group = "transactions",
               .summary = "Starts a transaction.", .since = "1.2.0", .complexity = "O(1)", .syntax = ""});
    table.add({.name = "exec", .arity = 1, .flags = kNoScript | kLoading | kStale | kSkipSlowlog, .handler = exec,
               .group = "transactions", .summary = "Executes all commands in a transaction.", .since = "1.2.0",
               .complexity = "Depends on commands in the transaction", .syntax = ""});
    table.add({.name = "discard", .arity = 1, .flags = kTxFlags, .handler = discard, .group = "transactions",
               .summary = "Discards a transaction.", .since = "2.0.0",
               .complexity = "O(N), when N is the number of queued commands", .syntax = ""});
    table.add({.name = "watch", .arity = -2, .flags = kTxFlags, .keys = {1, -1, 1}, .handler = watch,
               .group = "transactions",
               .summary = "Monitors changes to keys to determine the execution of a transaction.",
               .since = "2.2.0", .complexity = "O(1) for every key.", .syntax = "key [key ...]"});
    table.add({.name = "unwatch", .arity = 1, .flags = kTxFlags, .handler = unwatch, .group = "transactions",
               .summary = "Forgets about watched keys of a transaction.", .since = "2.2.0",
               .complexity = "O(1)", .syntax = ""});
}

}  // namespace tierkv::server
