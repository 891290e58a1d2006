// tierkv's own commands for the RocksDB tier: TIERKV WARMUP loads keys back
// into memory in the background (as after a restart), TIERKV STATUS tells
// how far a warm-up got. Not in Redis, so no client depends on their shape.
#include <string>

#include "server/command_table.h"
#include "server/help_reply.h"
#include "server/server.h"

namespace tierkv::server {
namespace {

constexpr std::string_view kErrNoTier = "ERR the tier is off: start tierkv with tier-dir set";

// TIERKV WARMUP [pattern]: keys of the selected database matching the
// pattern (every key by default); when memory is full, the eviction policy
// makes room for them.
void tierkv_warmup(CommandContext& ctx) {
    storage::Warmup* warmup = ctx.server.warmup();
    if (!warmup) return ctx.reply.error(kErrNoTier);
    const std::string pattern(ctx.argc() > 2 ? ctx.args[2] : "*");
    if (!warmup->start(storage::Warmup::Source::kPattern, static_cast<std::size_t>(ctx.client.db.load()), pattern)) {
        return ctx.reply.error("ERR a warm-up is already running: see TIERKV STATUS");
    }
    ctx.reply.simple("Warm-up started");
}

// TIERKV STATUS: the warm-up's progress as a map (flat array in RESP2).
void tierkv_status(CommandContext& ctx) {
    storage::Warmup* warmup = ctx.server.warmup();
    if (!warmup) return ctx.reply.error(kErrNoTier);
    const storage::Warmup::Progress p = warmup->progress();
    ctx.reply.map(6);
    ctx.reply.bulk("warmup");
    ctx.reply.bulk(p.running ? "running" : p.source.empty() ? "idle" : "done");
    ctx.reply.bulk("source");
    ctx.reply.bulk(p.source);
    ctx.reply.bulk("loaded");
    ctx.reply.integer(static_cast<std::int64_t>(p.loaded));
    ctx.reply.bulk("total");
    ctx.reply.integer(static_cast<std::int64_t>(p.total));
    ctx.reply.bulk("seconds");
    ctx.reply.integer(static_cast<std::int64_t>(p.seconds));
    ctx.reply.bulk("eta_seconds");
    ctx.reply.integer(static_cast<std::int64_t>(p.eta_seconds));
}

void tierkv_help(CommandContext& ctx) {
    reply_help(ctx.reply, "TIERKV",
               {
                   "WARMUP [<pattern>]",
                   "    Load the keys of the current database matching <pattern> (default *) from the",
                   "    tier into memory, in the background (the eviction policy makes room).",
                   "STATUS",
                   "    Show the progress of the last warm-up.",
               });
}

}  // namespace

void register_tier_commands(CommandTable& table) {
    CommandSpec tierkv{.name = "tierkv", .arity = -2, .group = "server",
                       .summary = "Container for tierkv's own commands for the RocksDB tier.", .since = "0.1.0",
                       .complexity = "Depends on subcommand.", .syntax = ""};
    tierkv.subcommands = {
        {.name = "tierkv|warmup", .arity = -2, .flags = kAdmin, .handler = tierkv_warmup, .group = "server",
         .summary = "Loads matching keys from the tier into memory in the background.", .since = "0.1.0",
         .complexity = "O(N) in the background, N the keys in the database.", .syntax = "[pattern]"},
        {.name = "tierkv|status", .arity = 2, .flags = kAdmin, .handler = tierkv_status, .group = "server",
         .summary = "Shows the progress of the last warm-up.", .since = "0.1.0", .complexity = "O(1)",
         .syntax = ""},
        {.name = "tierkv|help", .arity = 2, .flags = kLoading | kStale, .handler = tierkv_help, .group = "server",
         .summary = "Returns help text about the TIERKV subcommands.", .since = "0.1.0", .complexity = "O(1)",
         .syntax = ""},
    };
    table.add(std::move(tierkv));
}

}  // namespace tierkv::server
