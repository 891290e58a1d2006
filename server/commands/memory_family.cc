// MEMORY USAGE/PURGE/HELP. USAGE is exact rather than sampled: every table
// entry carries the bytes it is charged for (its node, key and value blocks
// in the allocator's size classes), the same figure maxmemory counts.
// DOCTOR, STATS and MALLOC-STATS are not implemented.
#include <string>

#include "server/arguments.h"
#include "server/command_table.h"
#include "server/help_reply.h"
#include "server/memory_usage.h"
#include "server/server.h"

namespace tierkv::server {
namespace {

// MEMORY USAGE key [SAMPLES count]: SAMPLES is checked as Redis checks it,
// though the answer never depends on it.
void memory_usage(CommandContext& ctx) {
    for (std::size_t i = 3; i < ctx.argc(); i += 2) {
        if (!iequals(ctx.args[i], "samples") || i + 1 >= ctx.argc()) return ctx.reply.error(kErrSyntax);
        const auto samples = parse_int64(ctx.args[i + 1]);
        if (!samples) return ctx.reply.error(kErrNotInteger);
        if (*samples < 0) return ctx.reply.error(kErrSyntax);
    }
    const storage::Entry* entry = ctx.db().find_for_read(ctx.args[2], storage::DbView::Touch::kNo);
    if (!entry) return ctx.reply.null();
    ctx.reply.integer(storage::Table::entry_bytes(*entry));
}

void memory_purge(CommandContext& ctx) {
    release_free_memory();
    ctx.reply.ok();
}

void memory_help(CommandContext& ctx) {
    reply_help(ctx.reply, "MEMORY",
               {"PURGE",
                "    Attempt to purge dirty pages for reclamation by the allocator.",
                "USAGE <key> [SAMPLES <count>]",
                "    Return memory in bytes used by <key> and its value. Nested values are",
                "    sampled up to <count> times (default: 5, 0 means sample all)."});
}

std::vector<CommandSpec> memory_subcommands() {
    std::vector<CommandSpec> subs;
    subs.push_back({.name = "memory|usage", .arity = -3, .flags = kReadOnly, .keys = {2, 2, 1},
                    .handler = memory_usage, .group = "server", .summary = "Estimates the memory usage of a key.",
                    .since = "4.0.0", .complexity = "O(N) where N is the number of samples.",
                    .syntax = "key [SAMPLES count]"});
    subs.push_back({.name = "memory|purge", .arity = 2, .handler = memory_purge, .group = "server",
                    .summary = "Asks the allocator to release memory.", .since = "4.0.0",
                    .complexity = "Depends on how much memory is allocated, could be slow", .syntax = "",
                    .tips = "request_policy:all_shards response_policy:all_succeeded"});
    subs.push_back({.name = "memory|help", .arity = 2, .flags = kLoading | kStale, .handler = memory_help,
                    .group = "server", .summary = "Outputs help text about the MEMORY subcommands.",
                    .since = "4.0.0", .complexity = "O(1)", .syntax = ""});
    return subs;
}

}  // namespace

void register_memory_commands(CommandTable& table) {
    table.add({.name = "memory", .arity = -2, .group = "server", .summary = "A container for memory diagnostics commands.",
               .since = "4.0.0", .complexity = "Depends on subcommand.", .subcommands = memory_subcommands()});
}

}  // namespace tierkv::server
