// Server commands: INFO, DBSIZE, FLUSHDB, FLUSHALL, CONFIG, TIME, SHUTDOWN
// and COMMAND. Replies and error texts follow Redis 7.0's server.c, db.c
// and config.c.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/arguments.h"
#include "server/command_docs.h"
#include "server/command_table.h"
#include "server/config.h"
#include "server/help_reply.h"
#include "server/info.h"
#include "server/server.h"
#include "storage/glob.h"

namespace tierkv::server {
namespace {

// The arguments after the command (and subcommand) name.
std::span<const std::string_view> args_from(const CommandContext& ctx, std::size_t first) {
    return ctx.args.subspan(std::min(first, ctx.argc()));
}

// ---- INFO DBSIZE TIME ----------------------------------------------------------

void info(CommandContext& ctx) { ctx.reply.verbatim(info_text(ctx.server, args_from(ctx, 1))); }

void dbsize(CommandContext& ctx) {
    const auto db = static_cast<std::size_t>(ctx.client.db.load());
    ctx.reply.integer(static_cast<std::int64_t>(ctx.server.keyspace().size(db).keys));
}

void time(CommandContext& ctx) {
    using namespace std::chrono;
    const auto micros = duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
    ctx.reply.array(2);
    ctx.reply.bulk(std::to_string(micros / 1'000'000));
    ctx.reply.bulk(std::to_string(micros % 1'000'000));
}

// ---- FLUSHDB FLUSHALL ---------------------------------------------------------------

// The optional ASYNC | SYNC argument: true for ASYNC; nullopt (after
// replying the error) when it is invalid.
std::optional<bool> parse_flush_mode(CommandContext& ctx) {
    if (ctx.argc() == 1) return false;
    if (ctx.argc() == 2 && iequals(ctx.args[1], "async")) return true;
    if (ctx.argc() == 2 && iequals(ctx.args[1], "sync")) return false;
    ctx.reply.error(kErrSyntax);
    return std::nullopt;
}

// Empties one database or all of them. With ASYNC the old tables are
// freed on the background thread, so a large flush does not stall this one.
void flush(CommandContext& ctx, std::optional<std::size_t> db) {
    const std::optional<bool> async = parse_flush_mode(ctx);
    if (!async) return;
    std::vector<storage::Table> old = ctx.server.keyspace().flush(db);
    if (*async) {
        auto doomed = std::make_shared<std::vector<storage::Table>>(std::move(old));
        ctx.server.post_background([doomed]() mutable { doomed.reset(); });
    }
    ctx.reply.ok();
}

void flushdb(CommandContext& ctx) { flush(ctx, static_cast<std::size_t>(ctx.client.db.load())); }
void flushall(CommandContext& ctx) { flush(ctx, std::nullopt); }

// ---- CONFIG --------------------------------------------------------------------------

// The parameters CONFIG GET names, each once, with the name to reply:
// a name given without glob characters is replied as given (any case),
// as Redis does; a glob match by the parameter's own name.
class ConfigMatches {
public:
    void add_pattern(std::string_view pattern) {
        if (pattern.find_first_of("*?[") == std::string_view::npos) {
            if (const ConfigParam* param = find_config_param(pattern)) add(param, pattern);
            return;
        }
        for (const ConfigParam& param : config_params()) {
            if (storage::glob_match(pattern, param.name, true)) add(&param, param.name);
        }
    }

    void reply(protocol::ReplyBuilder& reply, const Config& config) const {
        reply.map(matches_.size());
        for (const auto& [param, name] : matches_) {
            reply.bulk(name);
            reply.bulk(param->get(config));
        }
    }

private:
    void add(const ConfigParam* param, std::string_view name) {
        const bool seen = std::any_of(matches_.begin(), matches_.end(), [&](const auto& m) { return m.first == param; });
        if (!seen) matches_.emplace_back(param, name);
    }

    std::vector<std::pair<const ConfigParam*, std::string_view>> matches_;
};

void config_get(CommandContext& ctx) {
    ConfigMatches matches;
    for (std::string_view pattern : args_from(ctx, 2)) matches.add_pattern(pattern);
    matches.reply(ctx.reply, ctx.server.config());
}

void config_set(CommandContext& ctx) {
    if (ctx.argc() % 2 != 0) return ctx.reply.error(kErrSyntax);
    std::vector<Server::ConfigChange> changes;
    for (std::size_t i = 2; i + 1 < ctx.argc(); i += 2) changes.emplace_back(ctx.args[i], ctx.args[i + 1]);
    if (auto err = ctx.server.set_configs(changes)) return ctx.reply.error("ERR " + *err);
    ctx.reply.ok();
}

void config_resetstat(CommandContext& ctx) {
    ctx.server.stats().reset();
    ctx.server.keyspace().reset_stats();
    ctx.server.command_stats().reset();
    ctx.reply.ok();
}

void config_help(CommandContext& ctx) {
    reply_help(ctx.reply, "CONFIG",
               {"GET <pattern>",
                "    Return parameters matching the glob-like <pattern> and their values.",
                "SET <directive> <value>",
                "    Set the configuration <directive> to <value>.",
                "RESETSTAT",
                "    Reset statistics reported by the INFO command."});
}

// ---- SHUTDOWN --------------------------------------------------------------------------

struct ShutdownOptions {
    bool save = false;
    bool nosave = false;
    bool abort = false;
    bool other = false;  // NOW or FORCE
};

std::optional<ShutdownOptions> parse_shutdown(CommandContext& ctx) {
    ShutdownOptions options;
    for (std::string_view arg : args_from(ctx, 1)) {
        if (iequals(arg, "save")) {
            options.save = true;
        } else if (iequals(arg, "nosave")) {
            options.nosave = true;
        } else if (iequals(arg, "abort")) {
            options.abort = true;
        } else if (iequals(arg, "now") || iequals(arg, "force")) {
            options.other = true;
        } else {
            return std::nullopt;
        }
    }
    const bool abort_with_others = options.abort && (options.save || options.nosave || options.other);
    if (abort_with_others || (options.save && options.nosave)) return std::nullopt;
    return options;
}

// tierkv keeps nothing on disk to save, so every form shuts down at once;
// the caller gets no reply, as from Redis, and sees the connection close.
void shutdown(CommandContext& ctx) {
    const std::optional<ShutdownOptions> options = parse_shutdown(ctx);
    if (!options) return ctx.reply.error(kErrSyntax);
    // A shutdown starts at once and cannot be caught in progress.
    if (options->abort) return ctx.reply.error("ERR No shutdown in progress.");
    spdlog::info("SHUTDOWN requested by client {} ({})", ctx.client.id, ctx.client.addr);
    ctx.client.close_after_reply = true;
    ctx.server.request_shutdown();
}

// ---- COMMAND --------------------------------------------------------------------------

// The commands clients can call (rename-command may disable some).
std::vector<const CommandSpec*> callable_commands(const CommandTable& table) {
    std::vector<const CommandSpec*> specs;
    for (const CommandSpec& spec : table.commands()) {
        if (!spec.disabled) specs.push_back(&spec);
    }
    return specs;
}

void command_all(CommandContext& ctx) {
    const std::vector<const CommandSpec*> specs = callable_commands(ctx.server.commands());
    ctx.reply.array(specs.size());
    for (const CommandSpec* spec : specs) reply_command_info(ctx.reply, *spec);
}

void command_count(CommandContext& ctx) {
    ctx.reply.integer(static_cast<std::int64_t>(callable_commands(ctx.server.commands()).size()));
}

// Every command and subcommand, in table order, that `keep` accepts.
template <class Filter>
std::vector<std::string_view> command_names(const CommandTable& table, Filter keep) {
    std::vector<std::string_view> names;
    for (const CommandSpec* spec : callable_commands(table)) {
        if (keep(*spec)) names.push_back(spec->public_name());
        for (const CommandSpec& sub : spec->subcommands) {
            if (keep(sub)) names.push_back(sub.public_name());
        }
    }
    return names;
}

bool in_acl_category(const CommandSpec& spec, std::string_view category) {
    for (std::string_view c : acl_categories(spec)) {
        if (iequals(c.substr(1), category)) return true;
    }
    return false;
}

void command_list(CommandContext& ctx) {
    const CommandTable& table = ctx.server.commands();
    if (ctx.argc() == 2) return ctx.reply.bulk_array(command_names(table, [](const CommandSpec&) { return true; }));
    if (ctx.argc() != 5 || !iequals(ctx.args[2], "filterby")) return ctx.reply.error(kErrSyntax);
    const std::string_view filter = ctx.args[3];
    const std::string_view value = ctx.args[4];
    if (iequals(filter, "module")) {
        ctx.reply.array(0);  // tierkv has no modules
    } else if (iequals(filter, "aclcat")) {
        ctx.reply.bulk_array(command_names(table, [&](const CommandSpec& s) { return in_acl_category(s, value); }));
    } else if (iequals(filter, "pattern")) {
        ctx.reply.bulk_array(
            command_names(table, [&](const CommandSpec& s) { return storage::glob_match(value, s.public_name(), true); }));
    } else {
        ctx.reply.error(kErrSyntax);
    }
}

void command_info(CommandContext& ctx) {
    if (ctx.argc() == 2) return command_all(ctx);
    ctx.reply.array(ctx.argc() - 2);
    for (std::string_view name : args_from(ctx, 2)) {
        if (const CommandSpec* spec = find_command(ctx.server.commands(), name)) {
            reply_command_info(ctx.reply, *spec);
        } else {
            ctx.reply.null();
        }
    }
}

void command_docs(CommandContext& ctx) {
    std::vector<const CommandSpec*> specs;
    if (ctx.argc() == 2) {
        specs = callable_commands(ctx.server.commands());
    }
    for (std::string_view name : args_from(ctx, 2)) {
        if (const CommandSpec* spec = find_command(ctx.server.commands(), name)) specs.push_back(spec);
    }
    ctx.reply.map(specs.size());
    for (const CommandSpec* spec : specs) {
        ctx.reply.bulk(spec->public_name());
        reply_command_docs(ctx.reply, *spec);
    }
}

// The spec COMMAND GETKEYS should use for `args` (a full command line).
const CommandSpec* spec_for_command_line(const CommandTable& table, std::span<const std::string_view> args) {
    const CommandSpec* spec = table.find(args[0]);
    if (spec == nullptr || spec->subcommands.empty() || args.size() == 1) return spec;
    return table.find_subcommand(*spec, args[1]);
}

void command_getkeys(CommandContext& ctx) {
    const std::span<const std::string_view> line = args_from(ctx, 2);
    const CommandSpec* spec = spec_for_command_line(ctx.server.commands(), line);
    if (spec == nullptr) return ctx.reply.error("ERR Invalid command specified");
    if (spec->keys.first <= 0 && spec->keys.numkeys_at <= 0) {
        return ctx.reply.error("ERR The command has no key arguments");
    }
    if (!spec->arity_accepts(line.size())) {
        return ctx.reply.error("ERR Invalid number of arguments specified for command");
    }
    const KeyArgs keys = spec->key_args(line);
    if (keys.empty()) return ctx.reply.error("ERR Invalid arguments specified for command");
    ctx.reply.bulk_array(keys.span());
}

void command_help(CommandContext& ctx) {
    reply_help(ctx.reply, "COMMAND",
               {"(no subcommand)",
                "    Return details about all commands.",
                "COUNT",
                "    Return the total number of commands in this server.",
                "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
                "    Return a list of all commands in this server, optionally filtered.",
                "INFO [<command-name> ...]",
                "    Return details about multiple commands.",
                "    If no command names are given, details for all commands are returned.",
                "DOCS [<command-name> ...]",
                "    Return documentation details about multiple commands.",
                "    If no command names are given, documentation details for all",
                "    commands are returned.",
                "GETKEYS <full-command>",
                "    Return the keys from a full command."});
}

// ---- registration -------------------------------------------------------------------------

constexpr std::uint32_t kConfigFlags = kAdmin | kNoScript | kLoading | kStale;

std::vector<CommandSpec> config_subcommands() {
    std::vector<CommandSpec> subs;
    subs.push_back({.name = "config|get", .arity = -3, .flags = kConfigFlags, .handler = config_get,
                    .group = "server", .summary = "Returns the effective values of configuration parameters.",
                    .since = "2.0.0", .complexity = "O(N) when N is the number of configuration parameters provided",
                    .syntax = "parameter [parameter ...]"});
    subs.push_back({.name = "config|set", .arity = -4, .flags = kConfigFlags, .handler = config_set,
                    .group = "server", .summary = "Sets configuration parameters in-flight.", .since = "2.0.0",
                    .complexity = "O(N) when N is the number of configuration parameters provided",
                    .syntax = "parameter value [parameter value ...]"});
    subs.push_back({.name = "config|resetstat", .arity = 2, .flags = kConfigFlags, .handler = config_resetstat,
                    .group = "server", .summary = "Resets the server's statistics.", .since = "2.0.0",
                    .complexity = "O(1)", .syntax = ""});
    subs.push_back({.name = "config|help", .arity = 2, .flags = kLoading | kStale, .handler = config_help,
                    .group = "server", .summary = "Returns helpful text about the different subcommands.",
                    .since = "5.0.0", .complexity = "O(1)", .syntax = ""});
    return subs;
}

std::vector<CommandSpec> command_subcommands() {
    constexpr std::uint32_t kFlags = kLoading | kStale;
    constexpr std::string_view kCategory = "@connection";
    constexpr std::string_view kTips = "nondeterministic_output_order";
    std::vector<CommandSpec> subs;
    subs.push_back({.name = "command|count", .arity = 2, .flags = kFlags, .handler = command_count,
                    .group = "server", .summary = "Returns a count of commands.", .since = "2.8.13",
                    .complexity = "O(1)", .syntax = "", .extra_acl_categories = kCategory});
    subs.push_back({.name = "command|list", .arity = -2, .flags = kFlags, .handler = command_list,
                    .group = "server", .summary = "Returns a list of command names.", .since = "7.0.0",
                    .complexity = "O(N) where N is the total number of Redis commands",
                    .syntax = "[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]",
                    .extra_acl_categories = kCategory, .tips = kTips});
    subs.push_back({.name = "command|info", .arity = -2, .flags = kFlags, .handler = command_info,
                    .group = "server", .summary = "Returns information about one, multiple or all commands.",
                    .since = "2.8.13", .complexity = "O(N) where N is the number of commands to look up",
                    .syntax = "[command-name [command-name ...]]", .extra_acl_categories = kCategory,
                    .tips = kTips});
    subs.push_back({.name = "command|docs", .arity = -2, .flags = kFlags, .handler = command_docs,
                    .group = "server", .summary = "Returns documentary information about one, multiple or all commands.",
                    .since = "7.0.0", .complexity = "O(N) where N is the number of commands to look up",
                    .syntax = "[command-name [command-name ...]]", .extra_acl_categories = kCategory,
                    .tips = kTips});
    subs.push_back({.name = "command|getkeys", .arity = -4, .flags = kFlags, .handler = command_getkeys,
                    .group = "server", .summary = "Extracts the key names from an arbitrary command.",
                    .since = "2.8.13", .complexity = "O(N) where N is the number of arguments to the command",
                    .syntax = "command [arg [arg ...]]", .extra_acl_categories = kCategory});
    subs.push_back({.name = "command|help", .arity = 2, .flags = kFlags, .handler = command_help,
                    .group = "server", .summary = "Returns helpful text about the different subcommands.",
                    .since = "5.0.0", .complexity = "O(1)", .syntax = "", .extra_acl_categories = kCategory});
    return subs;
}

}  // namespace

void register_server_commands(CommandTable& table) {
    table.add({.name = "info", .arity = -1, .flags = kLoading | kStale, .handler = info, .group = "server",
               .summary = "Returns information and statistics about the server.", .since = "1.0.0",
               .complexity = "O(1)", .syntax = "[section [section ...]]", .extra_acl_categories = "@dangerous",
               .tips = "nondeterministic_output"});
    table.add({.name = "dbsize", .arity = 1, .flags = kReadOnly | kFast, .handler = dbsize, .group = "server",
               .summary = "Returns the number of keys in the database.", .since = "1.0.0", .complexity = "O(1)",
               .syntax = "", .extra_acl_categories = "@keyspace"});
    table.add({.name = "flushdb", .arity = -1, .flags = kWrite, .handler = flushdb, .group = "server",
               .summary = "Removes all keys from the current database.", .since = "1.0.0",
               .complexity = "O(N) where N is the number of keys in the selected database",
               .syntax = "[ASYNC | SYNC]", .extra_acl_categories = "@keyspace @dangerous"});
    table.add({.name = "flushall", .arity = -1, .flags = kWrite, .handler = flushall, .group = "server",
               .summary = "Removes all keys from all databases.", .since = "1.0.0",
               .complexity = "O(N) where N is the total number of keys in all databases",
               .syntax = "[ASYNC | SYNC]", .extra_acl_categories = "@keyspace @dangerous"});
    table.add({.name = "time", .arity = 1, .flags = kLoading | kStale | kFast, .handler = time, .group = "server",
               .summary = "Returns the server time.", .since = "2.6.0", .complexity = "O(1)", .syntax = "",
               .tips = "nondeterministic_output"});
    table.add({.name = "shutdown", .arity = -1, .flags = kAdmin | kNoScript | kLoading | kStale | kAllowBusy,
               .handler = shutdown, .group = "server",
               .summary = "Synchronously saves the database(s) to disk and shuts down the server.",
               .since = "1.0.0", .complexity = "O(N) when saving, where N is the total number of keys in all databases",
               .syntax = "[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]"});
    table.add({.name = "config", .arity = -2, .group = "server",
               .summary = "A container for server configuration commands.", .since = "2.0.0",
               .complexity = "Depends on subcommand.", .subcommands = config_subcommands()});
    table.add({.name = "command", .arity = -1, .flags = kLoading | kStale, .handler = command_all, .group = "server",
               .summary = "Returns detailed information about all commands.", .since = "2.8.13",
               .complexity = "O(N) where N is the total number of Redis commands", .syntax = "",
               .subcommands = command_subcommands(), .extra_acl_categories = "@connection",
               .tips = "nondeterministic_output_order"});
}

}  // namespace tierkv::server
