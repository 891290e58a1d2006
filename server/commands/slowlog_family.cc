// SLOWLOG GET/LEN/RESET/HELP. The log itself is server/slowlog.h; the
// dispatcher adds the commands that ran longer than slowlog-log-slower-than.
// Replies and error texts follow Redis 7.0's slowlog.c.
#include <string>

#include "server/arguments.h"
#include "server/command_table.h"
#include "server/help_reply.h"
#include "server/server.h"

namespace tierkv::server {
namespace {

void slowlog_get(CommandContext& ctx) {
    if (ctx.argc() > 3) {
        return ctx.reply.error("ERR unknown subcommand or wrong number of arguments for '" +
                               std::string(ctx.args[1].substr(0, 128)) + "'. Try SLOWLOG HELP.");
    }
    std::int64_t count = 10;
    if (ctx.argc() == 3) {
        const auto parsed = parse_int64(ctx.args[2]);
        if (!parsed || *parsed < -1) return ctx.reply.error("ERR count should be greater than or equal to -1");
        count = *parsed;
    }
    const std::vector<SlowLogEntry> entries = ctx.server.slowlog().newest(count);
    ctx.reply.array(entries.size());
    for (const SlowLogEntry& e : entries) {
        ctx.reply.array(6);
        ctx.reply.integer(static_cast<std::int64_t>(e.id));
        ctx.reply.integer(e.unix_time);
        ctx.reply.integer(e.duration_us);
        ctx.reply.array(e.args.size());
        for (const std::string& arg : e.args) ctx.reply.bulk(arg);
        ctx.reply.bulk(e.client_addr);
        ctx.reply.bulk(e.client_name);
    }
}

void slowlog_len(CommandContext& ctx) { ctx.reply.integer(static_cast<std::int64_t>(ctx.server.slowlog().size())); }

void slowlog_reset(CommandContext& ctx) {
    ctx.server.slowlog().reset();
    ctx.reply.ok();
}

void slowlog_help(CommandContext& ctx) {
    reply_help(ctx.reply, "SLOWLOG",
               {"GET [<count>]",
                "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
                "    Entries are made of:",
                "    id, timestamp, time in microseconds, arguments array, client IP and port,",
                "    client name",
                "LEN",
                "    Return the length of the slowlog.",
                "RESET",
                "    Reset the slowlog."});
}

std::vector<CommandSpec> slowlog_subcommands() {
    constexpr std::uint32_t kFlags = kAdmin | kLoading | kStale;
    std::vector<CommandSpec> subs;
    subs.push_back({.name = "slowlog|get", .arity = -2, .flags = kFlags, .handler = slowlog_get, .group = "server",
                    .summary = "Get the slow log's entries", .since = "2.2.12",
                    .complexity = "O(N) where N is the number of entries returned", .syntax = "[count]",
                    .tips = "request_policy:all_nodes nondeterministic_output"});
    subs.push_back({.name = "slowlog|len", .arity = 2, .flags = kFlags, .handler = slowlog_len, .group = "server",
                    .summary = "Get the slow log's length", .since = "2.2.12", .complexity = "O(1)", .syntax = "",
                    .tips = "request_policy:all_nodes response_policy:agg_sum nondeterministic_output"});
    subs.push_back({.name = "slowlog|reset", .arity = 2, .flags = kFlags, .handler = slowlog_reset,
                    .group = "server", .summary = "Clear all entries from the slow log", .since = "2.2.12",
                    .complexity = "O(N) where N is the number of entries in the slowlog", .syntax = "",
                    .tips = "request_policy:all_nodes response_policy:all_succeeded"});
    subs.push_back({.name = "slowlog|help", .arity = 2, .flags = kLoading | kStale, .handler = slowlog_help,
                    .group = "server", .summary = "Show helpful text about the different subcommands",
                    .since = "6.2.0", .complexity = "O(1)", .syntax = ""});
    return subs;
}

}  // namespace

void register_slowlog_commands(CommandTable& table) {
    table.add({.name = "slowlog", .arity = -2, .group = "server", .summary = "A container for slow log commands",
               .since = "2.2.12", .complexity = "Depends on subcommand.", .subcommands = slowlog_subcommands()});
}

}  // namespace tierkv::server
