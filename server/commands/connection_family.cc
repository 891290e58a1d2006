// Connection commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO, RESET, CLIENT ...
#include "server/arguments.h"
#include "server/client_session.h"
#include "server/command_table.h"
#include "server/server.h"

namespace tierkv::server {
namespace {

void ping(CommandContext& ctx) {
    if (ctx.argc() > 2) {
        ctx.reply.error(arity_error("ping"));
    } else if (ctx.argc() == 2) {
        ctx.reply.bulk(ctx.args[1]);
    } else {
        ctx.reply.simple("PONG");
    }
}

void echo(CommandContext& ctx) { ctx.reply.bulk(ctx.args[1]); }

void quit(CommandContext& ctx) {
    ctx.reply.ok();
    ctx.client.close_after_reply = true;
}

void select(CommandContext& ctx) {
    auto index = parse_int64(ctx.args[1]);
    if (!index) {
        ctx.reply.error(kErrNotInteger);
    } else if (*index < 0 || *index >= static_cast<std::int64_t>(ctx.server.keyspace().databases())) {
        ctx.reply.error(kErrDbIndex);
    } else {
        ctx.client.db = static_cast<int>(*index);
        ctx.reply.ok();
    }
}

}  // namespace

void register_connection_commands(CommandTable& table) {
    table.add({.name = "ping", .arity = -1, .flags = kFast | kStale | kLoading, .handler = ping,
               .group = "connection", .summary = "Returns the server's liveliness response.", .since = "1.0.0",
               .complexity = "O(1)", .syntax = "[message]"});
    table.add({.name = "echo", .arity = 2, .flags = kFast | kStale | kLoading, .handler = echo,
               .group = "connection", .summary = "Returns the given string.", .since = "1.0.0",
               .complexity = "O(1)", .syntax = "message"});
    table.add({.name = "quit", .arity = -1, .flags = kFast | kNoAuth | kStale | kLoading, .handler = quit,
               .group = "connection", .summary = "Closes the connection.", .since = "1.0.0",
               .complexity = "O(1)", .syntax = ""});
    table.add({.name = "select", .arity = 2, .flags = kFast | kStale | kLoading, .handler = select,
               .group = "connection", .summary = "Changes the selected database.", .since = "1.0.0",
               .complexity = "O(1)", .syntax = "index"});
}

}  // namespace tierkv::server
