// ACL and its subcommands: users and their rules (server/acl.h). Replies
// and error texts follow Redis 7.0's acl.c.
#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>
#include <vector>

#include "server/acl.h"
#include "server/arguments.h"
#include "server/client_session.h"
#include "server/command_table.h"
#include "server/dispatcher.h"
#include "server/help_reply.h"
#include "server/server.h"

namespace tierkv::server {
namespace {

void acl_setuser(CommandContext& ctx) {
    if (auto err = ctx.server.acl().set_user(ctx.args[2], ctx.args.subspan(3))) return ctx.reply.error(*err);
    ctx.reply.ok();
}

// Closes every connection of `name` but the caller's, whose connection
// closes after this reply: Redis disconnects the clients of a deleted user.
void close_clients_of(CommandContext& ctx, std::string_view name) {
    for (const auto& session : ctx.server.clients().snapshot()) {
        if (session->names().user != name) continue;
        spdlog::info("client {} ({}) closed: its user '{}' was deleted", session->id, session->addr, name);
        if (session.get() == &ctx.client) {
            ctx.client.close_after_reply = true;
        } else if (session->close) {
            session->close();
        }
    }
}

void acl_deluser(CommandContext& ctx) {
    for (std::string_view name : ctx.args.subspan(2)) {
        if (name == "default") return ctx.reply.error("ERR The 'default' user cannot be removed");
    }
    std::int64_t deleted = 0;
    for (std::string_view name : ctx.args.subspan(2)) {
        if (!ctx.server.acl().delete_user(name)) continue;
        close_clients_of(ctx, name);
        ++deleted;
    }
    ctx.reply.integer(deleted);
}

void acl_list(CommandContext& ctx) {
    std::vector<std::string> lines;
    for (const auto& user : ctx.server.acl().users()) lines.push_back(describe_user(*user, ctx.server.acl().index()));
    ctx.reply.bulk_array(lines);
}

void acl_users(CommandContext& ctx) {
    std::vector<std::string> names;
    for (const auto& user : ctx.server.acl().users()) names.push_back(user->name);
    ctx.reply.bulk_array(names);
}

void acl_whoami(CommandContext& ctx) { ctx.reply.bulk(ctx.client.user->name); }

void acl_getuser(CommandContext& ctx) {
    const std::shared_ptr<const AclUser> user = ctx.server.acl().find(ctx.args[2]);
    if (!user) return ctx.reply.null();
    ctx.reply.map(6);
    ctx.reply.bulk("flags");
    const std::vector<std::string_view> flags = user_flags(*user);
    ctx.reply.set(flags.size());
    for (std::string_view flag : flags) ctx.reply.bulk(flag);
    ctx.reply.bulk("passwords");
    ctx.reply.array(user->passwords.size());
    for (const PasswordHash& hash : user->passwords) ctx.reply.bulk(to_hex(hash));
    ctx.reply.bulk("commands");
    ctx.reply.bulk(describe_commands(*user, ctx.server.acl().index()));
    ctx.reply.bulk("keys");
    ctx.reply.bulk(describe_keys(*user));
    ctx.reply.bulk("channels");
    ctx.reply.bulk(describe_channels(*user));
    ctx.reply.bulk("selectors");
    ctx.reply.array(0);
}

void reply_wrong_subcommand_use(CommandContext& ctx) {
    ctx.reply.error("ERR unknown subcommand or wrong number of arguments for '" + to_upper(ctx.args[1]) +
                    "'. Try ACL HELP.");
}

void acl_cat(CommandContext& ctx) {
    if (ctx.argc() > 3) return reply_wrong_subcommand_use(ctx);
    const AclCommandIndex& index = ctx.server.acl().index();
    if (ctx.argc() == 2) return ctx.reply.bulk_array(index.category_names());
    const std::vector<std::size_t>* slots = index.category(ctx.args[2]);
    if (!slots) return ctx.reply.error("ERR Unknown category '" + std::string(ctx.args[2]) + "'");
    std::vector<std::string_view> names;
    for (const CommandSpec* spec : index.all()) {
        if (std::find(slots->begin(), slots->end(), spec->stats_slot) != slots->end()) names.push_back(spec->name);
    }
    ctx.reply.bulk_array(names);
}

void acl_genpass(CommandContext& ctx) {
    if (ctx.argc() > 3) return reply_wrong_subcommand_use(ctx);
    std::int64_t bits = 256;
    if (ctx.argc() == 3) {
        const auto parsed = parse_int64(ctx.args[2]);
        if (!parsed) return ctx.reply.error(kErrNotInteger);
        if (*parsed <= 0 || *parsed > 4096) {
            return ctx.reply.error(
                "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number "
                "up to 4096");
        }
        bits = *parsed;
    }
    PasswordHash random;  // 256 bits at a time
    std::string password;
    const auto chars = static_cast<std::size_t>((bits + 3) / 4);
    while (password.size() < chars) {
        if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
            return ctx.reply.error("ERR the random generator failed");
        }
        password += to_hex(random);
    }
    password.resize(chars);
    ctx.reply.bulk(password);
}

void acl_dryrun(CommandContext& ctx) {
    const std::shared_ptr<const AclUser> user = ctx.server.acl().find(ctx.args[2]);
    if (!user) return ctx.reply.error("ERR User '" + std::string(ctx.args[2]) + "' not found");
    const std::span<const std::string_view> line = ctx.args.subspan(3);
    const CommandSpec* spec = find_spec(ctx.server, line);
    if (!spec || (!spec->subcommands.empty() && !spec->handler && line.size() < 2)) {
        return ctx.reply.error("ERR Command '" + std::string(line[0]) + "' not found");
    }
    if (!spec->arity_accepts(line.size())) return ctx.reply.error(arity_error(spec->name));
    std::string_view denied;
    switch (check_permissions(*user, *spec, line, &denied)) {
        case AclDenial::kNone:
            return ctx.reply.ok();
        case AclDenial::kCommand:
            return ctx.reply.bulk("This user has no permissions to run the '" + spec->name + "' command");
        case AclDenial::kKey:
            return ctx.reply.bulk("This user has no permissions to access the '" + std::string(denied) + "' key");
        case AclDenial::kChannel:
            return ctx.reply.bulk("This user has no permissions to access the '" + std::string(denied) +
                                  "' channel");
    }
}

void acl_help(CommandContext& ctx) {
    reply_help(ctx.reply, "ACL",
               {"CAT [<category>]",
                "    List all commands that belong to <category>, or all command categories",
                "    when no category is specified.",
                "DELUSER <username> [<username> ...]",
                "    Delete a list of users.",
                "DRYRUN <username> <command> [<arg> ...]",
                "    Returns whether the user can execute the given command without executing the command.",
                "GETUSER <username>",
                "    Get the user's details.",
                "GENPASS [<bits>]",
                "    Generate a secure 256-bit user password. The optional `bits` argument can",
                "    be used to specify a different size.",
                "LIST",
                "    Show users details in config file format.",
                "SETUSER <username> <attribute> [<attribute> ...]",
                "    Create or modify a user with the specified attributes.",
                "USERS",
                "    List all the registered usernames.",
                "WHOAMI",
                "    Return the current connection username."});
}

std::vector<CommandSpec> acl_subcommands() {
    constexpr std::uint32_t kAdminFlags = kAdmin | kNoScript | kLoading | kStale;
    constexpr std::uint32_t kFlags = kNoScript | kLoading | kStale;
    std::vector<CommandSpec> subs;
    subs.push_back({.name = "acl|cat", .arity = -2, .flags = kFlags, .handler = acl_cat, .group = "server",
                    .summary = "Lists the ACL categories, or the commands inside a category.", .since = "6.0.0",
                    .complexity = "O(1) since the categories and commands are a fixed set.",
                    .syntax = "[category]"});
    subs.push_back({.name = "acl|deluser", .arity = -3, .flags = kAdminFlags, .handler = acl_deluser,
                    .group = "server", .summary = "Deletes ACL users, and terminates their connections.",
                    .since = "6.0.0", .complexity = "O(1) amortized time considering the typical user.",
                    .syntax = "username [username ...]"});
    subs.push_back({.name = "acl|dryrun", .arity = -4, .flags = kAdminFlags, .handler = acl_dryrun,
                    .group = "server",
                    .summary = "Simulates the execution of a command by a user, without executing the command.",
                    .since = "7.0.0", .complexity = "O(1).", .syntax = "username command [arg [arg ...]]"});
    subs.push_back({.name = "acl|genpass", .arity = -2, .flags = kFlags, .handler = acl_genpass, .group = "server",
                    .summary = "Generates a pseudorandom, secure password that can be used to identify ACL users.",
                    .since = "6.0.0", .complexity = "O(1)", .syntax = "[bits]"});
    subs.push_back({.name = "acl|getuser", .arity = 3, .flags = kAdminFlags, .handler = acl_getuser,
                    .group = "server", .summary = "Lists the ACL rules of a user.", .since = "6.0.0",
                    .complexity = "O(N). Where N is the number of password, command and pattern rules that the "
                                  "user has.",
                    .syntax = "username"});
    subs.push_back({.name = "acl|list", .arity = 2, .flags = kAdminFlags, .handler = acl_list, .group = "server",
                    .summary = "Dumps the effective rules in ACL file format.", .since = "6.0.0",
                    .complexity = "O(N). Where N is the number of configured users.", .syntax = ""});
    subs.push_back({.name = "acl|setuser", .arity = -3, .flags = kAdminFlags, .handler = acl_setuser,
                    .group = "server", .summary = "Creates and modifies an ACL user and its rules.",
                    .since = "6.0.0", .complexity = "O(N). Where N is the number of rules provided.",
                    .syntax = "username [rule [rule ...]]"});
    subs.push_back({.name = "acl|users", .arity = 2, .flags = kAdminFlags, .handler = acl_users, .group = "server",
                    .summary = "Lists all ACL users.", .since = "6.0.0",
                    .complexity = "O(N). Where N is the number of configured users.", .syntax = ""});
    subs.push_back({.name = "acl|whoami", .arity = 2, .flags = kFlags, .handler = acl_whoami, .group = "server",
                    .summary = "Returns the authenticated username of the current connection.", .since = "6.0.0",
                    .complexity = "O(1)", .syntax = ""});
    subs.push_back({.name = "acl|help", .arity = 2, .flags = kLoading | kStale, .handler = acl_help,
                    .group = "server", .summary = "Returns helpful text about the different subcommands.",
                    .since = "6.0.0", .complexity = "O(1)", .syntax = ""});
    return subs;
}

}  // namespace

void register_acl_commands(CommandTable& table) {
    table.add({.name = "acl", .arity = -2, .group = "server",
               .summary = "A container for Access List Control commands.", .since = "6.0.0",
               .complexity = "Depends on subcommand.", .subcommands = acl_subcommands()});
}

}  // namespace tierkv::server
