// Connection commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO, RESET and
// CLIENT with its subcommands. Replies and error texts follow Redis 7.0's
// networking.c and acl.c (CLIENT SETINFO and NO-TOUCH follow Redis 7.2).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <optional>
#include <string>
#include <vector>

#include "server/acl.h"
#include "server/arguments.h"
#include "server/client_session.h"
#include "server/command_table.h"
#include "server/help_reply.h"
#include "server/server.h"
#include "server/transactions.h"
#include "server/version.h"

namespace tierkv::server {
namespace {

constexpr std::string_view kErrWrongPass = "WRONGPASS invalid username-password pair or user is disabled.";
constexpr std::string_view kErrNoSuchClient = "ERR No such client";
constexpr std::string_view kErrBadClientName = "ERR Client names cannot contain spaces, newlines or special characters.";
constexpr std::string_view kDefaultUser = "default";

// ---- PING ECHO QUIT SELECT ---------------------------------------------------

void ping(CommandContext& ctx) {
    if (ctx.argc() > 2) {
        ctx.reply.error(arity_error("ping"));
    } else if (ctx.client.subscriptions() > 0 && ctx.client.resp.load() == 2) {
        // Subscribed (RESP2): Redis answers in the shape of a message.
        ctx.reply.array(2);
        ctx.reply.bulk("pong");
        ctx.reply.bulk(ctx.argc() == 2 ? ctx.args[1] : std::string_view());
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

// ---- authentication ------------------------------------------------------------

// A user name as the log shows it: at most 64 bytes, unprintable ones as '?'.
std::string loggable(std::string_view name) {
    std::string out(name.substr(0, 64));
    for (char& c : out) {
        if (c < ' ' || c > '~') c = '?';
    }
    return out;
}

// Logs in as `user_name` when `password` is right; a failure is logged
// (never the password) for whoever watches for guessing.
bool authenticate(CommandContext& ctx, std::string_view user_name, std::string_view password) {
    std::shared_ptr<const AclUser> user = ctx.server.acl().authenticate(user_name, password);
    if (!user) {
        spdlog::warn("client {} ({}): AUTH failed for user '{}'", ctx.client.id, ctx.client.addr, loggable(user_name));
        return false;
    }
    switch_user(ctx.client, std::move(user));
    ctx.client.authenticated = true;
    return true;
}

void auth(CommandContext& ctx) {
    if (ctx.argc() > 3) {
        ctx.reply.error(kErrSyntax);
        return;
    }
    if (ctx.argc() == 2 && ctx.server.acl().default_user()->nopass) {
        ctx.reply.error(
            "ERR AUTH <password> called without any password configured for the default user. "
            "Are you sure your configuration is correct?");
        return;
    }
    const std::string_view user = ctx.argc() == 2 ? kDefaultUser : ctx.args[1];
    if (authenticate(ctx, user, ctx.args.back())) {
        ctx.reply.ok();
    } else {
        ctx.reply.error(kErrWrongPass);
    }
}

// ---- client names ----------------------------------------------------------------

// Names and library attributes are shown space-separated in CLIENT LIST,
// so only printable characters other than space are allowed.
bool valid_client_attribute(std::string_view text) {
    for (char c : text) {
        if (c < '!' || c > '~') return false;
    }
    return true;
}

// Sets the connection's name (empty removes it); replies the error itself.
bool set_client_name(CommandContext& ctx, std::string_view name) {
    if (!valid_client_attribute(name)) {
        ctx.reply.error(kErrBadClientName);
        return false;
    }
    ctx.client.update_names([&](ClientSession::Names& n) { n.name = std::string(name); });
    return true;
}

// ---- HELLO and RESET --------------------------------------------------------------

// Applies HELLO's AUTH and SETNAME options in order, as Redis does (an
// option that succeeded stays applied when a later one fails). Replies
// the error itself and returns false on the first failure.
bool apply_hello_options(CommandContext& ctx, std::size_t first) {
    for (std::size_t i = first; i < ctx.argc(); ++i) {
        const std::size_t more = ctx.argc() - 1 - i;
        const std::string_view option = ctx.args[i];
        if (iequals(option, "auth") && more >= 2) {
            if (!authenticate(ctx, ctx.args[i + 1], ctx.args[i + 2])) {
                ctx.reply.error(kErrWrongPass);
                return false;
            }
            i += 2;
        } else if (iequals(option, "setname") && more >= 1) {
            if (!set_client_name(ctx, ctx.args[i + 1])) return false;
            i += 1;
        } else {
            ctx.reply.error("ERR Syntax error in HELLO option '" + std::string(option) + "'");
            return false;
        }
    }
    return true;
}

// The server fields of HELLO. "server" names tierkv honestly, while
// "version" is the Redis version whose behaviour tierkv reproduces: client
// libraries compare it to enable features (none reads "server"), so it must
// be a Redis version, not tierkv's own.
void reply_hello_map(CommandContext& ctx) {
    ctx.reply.map(7);
    ctx.reply.bulk("server");
    ctx.reply.bulk("tierkv");
    ctx.reply.bulk("version");
    ctx.reply.bulk(kRedisCompatVersion);
    ctx.reply.bulk("proto");
    ctx.reply.integer(ctx.client.resp.load());
    ctx.reply.bulk("id");
    ctx.reply.integer(static_cast<std::int64_t>(ctx.client.id));
    ctx.reply.bulk("mode");
    ctx.reply.bulk("standalone");
    ctx.reply.bulk("role");
    ctx.reply.bulk("master");
    ctx.reply.bulk("modules");
    ctx.reply.array(0);
}

void hello(CommandContext& ctx) {
    std::int64_t version = 0;
    if (ctx.argc() >= 2) {
        auto parsed = parse_int64(ctx.args[1]);
        if (!parsed) {
            ctx.reply.error("ERR Protocol version is not an integer or out of range");
            return;
        }
        if (*parsed < 2 || *parsed > 3) {
            ctx.reply.error("NOPROTO unsupported protocol version");
            return;
        }
        version = *parsed;
    }
    if (!apply_hello_options(ctx, 2)) return;
    if (!ctx.client.authenticated.load()) {
        ctx.reply.error(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> "
            "AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol "
            "version at the same time");
        return;
    }
    if (version != 0) {
        ctx.client.resp = static_cast<int>(version);
        ctx.reply.set_resp_version(static_cast<int>(version));
    }
    reply_hello_map(ctx);
}

void reset(CommandContext& ctx) {
    ClientSession& client = ctx.client;
    client.db = 0;
    client.resp = 2;
    ctx.reply.set_resp_version(2);
    client.authenticated = !ctx.server.acl().default_requires_auth();
    switch_user(client, ctx.server.acl().default_user());
    client.no_evict = false;
    client.no_touch = false;
    client.update_names([](ClientSession::Names& n) { n.name.clear(); });
    discard_transaction(ctx.server, client);
    unsubscribe_all(ctx.server, client);
    ctx.reply.simple("RESET");
}

// ---- CLIENT LIST / INFO ---------------------------------------------------------------

// Flag letters as Redis prints them: none set is "N".
std::string client_flags(const ClientSession& client) {
    std::string flags;
    if (client.pubsub_channels.load() + client.pubsub_patterns.load() > 0) flags.push_back('P');
    if (client.multi_queued.load() >= 0) flags.push_back('x');
    if (client.no_evict.load()) flags.push_back('e');
    if (client.no_touch.load()) flags.push_back('T');
    return flags.empty() ? "N" : flags;
}

// One CLIENT LIST line (without its newline), Redis 7.2's fields and order.
// Buffer sizes tierkv does not track per client are reported as 0;
// `argv_bytes` is the size of the command being run (0 for other clients).
std::string client_info_line(const ClientSession& client, std::int64_t now_ms, std::size_t argv_bytes) {
    const ClientSession::Names names = client.names();
    const std::string* last_command = client.last_command.load(std::memory_order_relaxed);
    const std::size_t qbuf = client.query_buffer_bytes.load();
    const std::size_t obl = client.output_buffer_bytes.load();
    return fmt::format(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub=0 multi={} "
        "qbuf={} qbuf-free=0 argv-mem={} multi-mem=0 rbs=0 rbp=0 obl={} oll=0 omem=0 tot-mem={} events=r "
        "cmd={} user={} redir=-1 resp={} lib-name={} lib-ver={}",
        client.id, client.addr, client.laddr, client.fd, names.name, (now_ms - client.created_ms) / 1000,
        (now_ms - client.last_active_ms.load()) / 1000, client_flags(client), client.db.load(),
        client.pubsub_channels.load(), client.pubsub_patterns.load(), client.multi_queued.load(), qbuf, argv_bytes,
        obl, qbuf + obl + argv_bytes, last_command ? std::string_view(*last_command) : std::string_view("NULL"), names.user,
        client.resp.load(), names.lib_name, names.lib_ver);
}

std::size_t argv_bytes(std::span<const std::string_view> args) {
    std::size_t total = 0;
    for (std::string_view arg : args) total += arg.size();
    return total;
}

void append_client_line(CommandContext& ctx, std::string& out, const ClientSession& client) {
    const std::size_t argv = &client == &ctx.client ? argv_bytes(ctx.args) : 0;
    out += client_info_line(client, ctx.now_ms, argv);
    out.push_back('\n');
}

// Redis's client types: a client with subscriptions is "pubsub", the
// others "normal"; tierkv has no master or replica clients.
enum class ClientType { kNormal, kPubsub, kNone };

std::optional<ClientType> parse_client_type(std::string_view type) {
    if (iequals(type, "normal")) return ClientType::kNormal;
    if (iequals(type, "pubsub")) return ClientType::kPubsub;
    if (iequals(type, "master") || iequals(type, "slave") || iequals(type, "replica")) return ClientType::kNone;
    return std::nullopt;
}

bool is_type(const ClientSession& client, ClientType type) {
    const bool pubsub = client.pubsub_channels.load() + client.pubsub_patterns.load() > 0;
    return type == ClientType::kPubsub ? pubsub : type == ClientType::kNormal && !pubsub;
}

void reply_unknown_type(CommandContext& ctx, std::string_view type) {
    ctx.reply.error("ERR Unknown client type '" + std::string(type) + "'");
}

// CLIENT LIST ID id [id ...]: every id must parse before anything is listed.
void list_clients_by_id(CommandContext& ctx, std::string& out) {
    std::vector<std::int64_t> ids;
    for (std::size_t i = 3; i < ctx.argc(); ++i) {
        auto id = parse_int64(ctx.args[i]);
        if (!id) {
            ctx.reply.error("ERR Invalid client ID");
            return;
        }
        ids.push_back(*id);
    }
    for (std::int64_t id : ids) {
        if (id <= 0) continue;
        if (auto session = ctx.server.clients().find(static_cast<std::uint64_t>(id))) {
            append_client_line(ctx, out, *session);
        }
    }
    ctx.reply.verbatim(out);
}

void client_list(CommandContext& ctx) {
    std::string out;
    if (ctx.argc() == 4 && iequals(ctx.args[2], "type")) {
        const auto type = parse_client_type(ctx.args[3]);
        if (!type) return reply_unknown_type(ctx, ctx.args[3]);
        for (const auto& session : ctx.server.clients().snapshot()) {
            if (is_type(*session, *type)) append_client_line(ctx, out, *session);
        }
        return ctx.reply.verbatim(out);
    } else if (ctx.argc() > 3 && iequals(ctx.args[2], "id")) {
        return list_clients_by_id(ctx, out);
    } else if (ctx.argc() != 2) {
        return ctx.reply.error(kErrSyntax);
    }
    for (const auto& session : ctx.server.clients().snapshot()) append_client_line(ctx, out, *session);
    ctx.reply.verbatim(out);
}

void client_info(CommandContext& ctx) {
    std::string out;
    append_client_line(ctx, out, ctx.client);
    ctx.reply.verbatim(out);
}

// ---- CLIENT KILL ------------------------------------------------------------------------

// The filters of CLIENT KILL; a client must match all that are set.
struct KillFilter {
    std::optional<std::uint64_t> id;
    std::optional<std::string_view> addr;
    std::optional<std::string_view> laddr;
    std::optional<ClientType> type;
    std::optional<std::string_view> user;
    bool skip_me = true;

    bool matches(const ClientSession& client) const {
        if (type && !is_type(client, *type)) return false;
        if (user && client.names().user != *user) return false;
        if (id && client.id != *id) return false;
        if (addr && client.addr != *addr) return false;
        if (laddr && client.laddr != *laddr) return false;
        return true;
    }
};

// Reads one "<option> <value>" pair of the new CLIENT KILL form into
// `filter`; replies the error itself and returns false when it is invalid.
bool parse_kill_option(CommandContext& ctx, std::string_view option, std::string_view value, KillFilter& filter) {
    if (iequals(option, "id")) {
        auto id = parse_int64(value);
        if (!id || *id < 1) {
            ctx.reply.error("ERR client-id should be greater than 0");
            return false;
        }
        filter.id = static_cast<std::uint64_t>(*id);
    } else if (iequals(option, "type")) {
        const auto type = parse_client_type(value);
        if (!type) {
            reply_unknown_type(ctx, value);
            return false;
        }
        filter.type = *type;
    } else if (iequals(option, "addr")) {
        filter.addr = value;
    } else if (iequals(option, "laddr")) {
        filter.laddr = value;
    } else if (iequals(option, "user")) {
        if (!ctx.server.acl().find(value)) {
            ctx.reply.error("ERR No such user '" + std::string(value) + "'");
            return false;
        }
        filter.user = value;
    } else if (iequals(option, "skipme") && (iequals(value, "yes") || iequals(value, "no"))) {
        filter.skip_me = iequals(value, "yes");
    } else {
        ctx.reply.error(kErrSyntax);
        return false;
    }
    return true;
}

// Closes every client `filter` matches; the caller's own connection closes
// after this reply. Returns how many were closed.
std::int64_t kill_clients(CommandContext& ctx, const KillFilter& filter) {
    std::int64_t killed = 0;
    for (const auto& session : ctx.server.clients().snapshot()) {
        if (!filter.matches(*session)) continue;
        const bool is_me = session.get() == &ctx.client;
        if (is_me && filter.skip_me) continue;
        spdlog::debug("client {} ({}) killed by client {}", session->id, session->addr, ctx.client.id);
        if (is_me) {
            ctx.client.close_after_reply = true;
        } else if (session->close) {
            session->close();
        }
        ++killed;
    }
    return killed;
}

void client_kill(CommandContext& ctx) {
    KillFilter filter;
    if (ctx.argc() == 3) {
        // The old form, CLIENT KILL ip:port, which may kill the caller too.
        filter.addr = ctx.args[2];
        filter.skip_me = false;
        if (kill_clients(ctx, filter) == 0) return ctx.reply.error(kErrNoSuchClient);
        return ctx.reply.ok();
    }
    for (std::size_t i = 2; i < ctx.argc(); i += 2) {
        if (i + 1 >= ctx.argc()) return ctx.reply.error(kErrSyntax);
        if (!parse_kill_option(ctx, ctx.args[i], ctx.args[i + 1], filter)) return;
    }
    ctx.reply.integer(kill_clients(ctx, filter));
}

// ---- the other CLIENT subcommands ---------------------------------------------------------

void client_id(CommandContext& ctx) { ctx.reply.integer(static_cast<std::int64_t>(ctx.client.id)); }

void client_setname(CommandContext& ctx) {
    if (set_client_name(ctx, ctx.args[2])) ctx.reply.ok();
}

void client_getname(CommandContext& ctx) {
    const std::string name = ctx.client.names().name;
    if (name.empty()) {
        ctx.reply.null();
    } else {
        ctx.reply.bulk(name);
    }
}

void client_setinfo(CommandContext& ctx) {
    const std::string_view attribute = ctx.args[2];
    const std::string_view value = ctx.args[3];
    const bool lib_name = iequals(attribute, "lib-name");
    if (!lib_name && !iequals(attribute, "lib-ver")) {
        return ctx.reply.error("ERR Unrecognized option '" + std::string(attribute) + "'");
    }
    if (!valid_client_attribute(value)) {
        return ctx.reply.error("ERR " + std::string(attribute) +
                               " cannot contain spaces, newlines or special characters.");
    }
    ctx.client.update_names([&](ClientSession::Names& n) { (lib_name ? n.lib_name : n.lib_ver) = std::string(value); });
    ctx.reply.ok();
}

// CLIENT NO-EVICT / NO-TOUCH ON|OFF.
void set_on_off(CommandContext& ctx, std::atomic<bool>& flag) {
    const std::string_view value = ctx.args[2];
    if (iequals(value, "on")) {
        flag = true;
    } else if (iequals(value, "off")) {
        flag = false;
    } else {
        return ctx.reply.error(kErrSyntax);
    }
    ctx.reply.ok();
}

void client_no_evict(CommandContext& ctx) { set_on_off(ctx, ctx.client.no_evict); }
void client_no_touch(CommandContext& ctx) { set_on_off(ctx, ctx.client.no_touch); }

void client_help(CommandContext& ctx) {
    reply_help(ctx.reply, "CLIENT",
               {"GETNAME",
                "    Return the name of the current connection.",
                "ID",
                "    Return the ID of the current connection.",
                "INFO",
                "    Return information about the current client connection.",
                "KILL <ip:port>",
                "    Kill connection made from <ip:port>.",
                "KILL <option> <value> [<option> <value> [...]]",
                "    Kill connections. Options are:",
                "    * ADDR <ip:port>",
                "      Kill connections made from the specified address",
                "    * LADDR <ip:port>",
                "      Kill connections made to specified local address",
                "    * ID <client-id>",
                "      Kill the connection with the given ID.",
                "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
                "      Kill connections by type.",
                "    * USER <username>",
                "      Kill connections authenticated by <username>.",
                "    * SKIPME (YES|NO)",
                "      Skip killing current connection (default: yes).",
                "LIST [options ...]",
                "    Return information about client connections. Options:",
                "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
                "      Return clients of specified type.",
                "    * ID <client-id> [<client-id> ...]",
                "      Return clients with the given IDs.",
                "SETNAME <name>",
                "    Assign the name <name> to the current connection.",
                "SETINFO <LIB-NAME|LIB-VER> <value>",
                "    Set the client library name or version shown by CLIENT LIST.",
                "NO-EVICT (ON|OFF)",
                "    Protect current client connection from eviction.",
                "NO-TOUCH (ON|OFF)",
                "    Do not change the last access time of the keys this connection reads."});
}

// ---- registration -----------------------------------------------------------------------

constexpr std::uint32_t kClientFlags = kNoScript | kLoading | kStale;
constexpr std::uint32_t kClientAdminFlags = kAdmin | kNoScript | kLoading | kStale;

std::vector<CommandSpec> client_subcommands() {
    std::vector<CommandSpec> subs;
    subs.push_back({.name = "client|id", .arity = 2, .flags = kClientFlags, .handler = client_id,
                    .group = "connection", .summary = "Returns the unique client ID of the connection.",
                    .since = "5.0.0", .complexity = "O(1)", .syntax = ""});
    subs.push_back({.name = "client|setname", .arity = 3, .flags = kClientFlags, .handler = client_setname,
                    .group = "connection", .summary = "Sets the connection name.", .since = "2.6.9",
                    .complexity = "O(1)", .syntax = "connection-name"});
    subs.push_back({.name = "client|getname", .arity = 2, .flags = kClientFlags, .handler = client_getname,
                    .group = "connection", .summary = "Returns the name of the connection.", .since = "2.6.9",
                    .complexity = "O(1)", .syntax = ""});
    subs.push_back({.name = "client|setinfo", .arity = 4, .flags = kClientFlags, .handler = client_setinfo,
                    .group = "connection", .summary = "Sets information specific to the client or connection.",
                    .since = "7.2.0", .complexity = "O(1)", .syntax = "LIB-NAME libname | LIB-VER libver"});
    subs.push_back({.name = "client|list", .arity = -2, .flags = kClientAdminFlags, .handler = client_list,
                    .group = "connection", .summary = "Lists open connections.", .since = "2.4.0",
                    .complexity = "O(N) where N is the number of client connections",
                    .syntax = "[TYPE NORMAL | MASTER | REPLICA | PUBSUB] [ID client-id [client-id ...]]",
                    .tips = "nondeterministic_output"});
    subs.push_back({.name = "client|info", .arity = 2, .flags = kClientFlags, .handler = client_info,
                    .group = "connection", .summary = "Returns information about the connection.",
                    .since = "6.2.0", .complexity = "O(1)", .syntax = "", .tips = "nondeterministic_output"});
    subs.push_back({.name = "client|kill", .arity = -3, .flags = kClientAdminFlags, .handler = client_kill,
                    .group = "connection", .summary = "Terminates open connections.", .since = "2.4.0",
                    .complexity = "O(N) where N is the number of client connections",
                    .syntax = "ip:port | [ID client-id] [TYPE NORMAL | MASTER | SLAVE | REPLICA | PUBSUB] "
                              "[USER username] [ADDR ip:port] [LADDR ip:port] [SKIPME YES | NO]"});
    subs.push_back({.name = "client|no-evict", .arity = 3, .flags = kClientAdminFlags, .handler = client_no_evict,
                    .group = "connection", .summary = "Sets the client eviction mode of the connection.",
                    .since = "7.0.0", .complexity = "O(1)", .syntax = "ON | OFF"});
    subs.push_back({.name = "client|no-touch", .arity = 3, .flags = kClientFlags, .handler = client_no_touch,
                    .group = "connection",
                    .summary = "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.",
                    .since = "7.2.0", .complexity = "O(1)", .syntax = "ON | OFF"});
    subs.push_back({.name = "client|help", .arity = 2, .flags = kLoading | kStale, .handler = client_help,
                    .group = "connection", .summary = "Returns helpful text about the different subcommands.",
                    .since = "5.0.0", .complexity = "O(1)", .syntax = ""});
    return subs;
}

}  // namespace

void register_connection_commands(CommandTable& table) {
    table.add({.name = "ping", .arity = -1, .flags = kFast, .handler = ping,
               .group = "connection", .summary = "Returns the server's liveliness response.", .since = "1.0.0",
               .complexity = "O(1)", .syntax = "[message]"});
    table.add({.name = "echo", .arity = 2, .flags = kFast | kStale | kLoading, .handler = echo,
               .group = "connection", .summary = "Returns the given string.", .since = "1.0.0",
               .complexity = "O(1)", .syntax = "message"});
    table.add({.name = "quit", .arity = -1, .flags = kFast | kNoAuth | kNoScript | kStale | kLoading | kAllowBusy,
               .handler = quit, .group = "connection", .summary = "Closes the connection.", .since = "1.0.0",
               .complexity = "O(1)", .syntax = ""});
    table.add({.name = "select", .arity = 2, .flags = kFast | kStale | kLoading, .handler = select,
               .group = "connection", .summary = "Changes the selected database.", .since = "1.0.0",
               .complexity = "O(1)", .syntax = "index"});
    table.add({.name = "auth", .arity = -2,
               .flags = kFast | kNoAuth | kNoScript | kLoading | kStale | kAllowBusy, .handler = auth,
               .group = "connection", .summary = "Authenticates the connection.", .since = "1.0.0",
               .complexity = "O(N) where N is the number of passwords defined for the user",
               .syntax = "[username] password"});
    table.add({.name = "hello", .arity = -1,
               .flags = kFast | kNoAuth | kNoScript | kLoading | kStale | kAllowBusy, .handler = hello,
               .group = "connection", .summary = "Handshakes with the Redis server.", .since = "6.0.0",
               .complexity = "O(1)",
               .syntax = "[protover [AUTH username password] [SETNAME clientname]]"});
    table.add({.name = "reset", .arity = 1,
               .flags = kFast | kNoAuth | kNoScript | kLoading | kStale | kAllowBusy, .handler = reset,
               .group = "connection", .summary = "Resets the connection.", .since = "6.2.0",
               .complexity = "O(1)", .syntax = ""});
    table.add({.name = "client", .arity = -2, .group = "connection",
               .summary = "A container for client connection commands.", .since = "2.4.0",
               .complexity = "Depends on subcommand.", .subcommands = client_subcommands()});
}

}  // namespace tierkv::server
