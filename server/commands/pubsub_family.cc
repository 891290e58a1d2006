// Pub/Sub: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH and PUBSUB
// CHANNELS/NUMSUB/NUMPAT, with Redis 7.0's replies (pubsub.c). The registry
// and delivery are in server/pubsub.h; the connection formats each message
// (RESP2 array or RESP3 push) and enforces client-output-buffer-limit's
// pubsub class (server/connection.cc). In RESP2 a client with subscriptions
// may run only the commands the dispatcher allows in that context.
#include <string>
#include <string_view>
#include <vector>

#include "server/client_session.h"
#include "server/command_table.h"
#include "server/help_reply.h"
#include "server/pubsub.h"
#include "server/server.h"

namespace tierkv::server {

namespace {

// The client's entry in the registry, made on its first subscription.
const std::shared_ptr<Subscriber>& subscriber_of(ClientSession& client) {
    if (!client.subscriber) {
        client.subscriber = std::make_shared<Subscriber>(Subscriber{client.id, client.deliver});
    }
    return client.subscriber;
}

// One confirmation: [kind, channel or pattern (null: none), subscriptions left].
void confirm(CommandContext& ctx, std::string_view kind, const std::string_view* name) {
    ctx.reply.push(3);
    ctx.reply.bulk(kind);
    if (name) {
        ctx.reply.bulk(*name);
    } else {
        ctx.reply.null();
    }
    ctx.reply.integer(static_cast<std::int64_t>(ctx.client.subscriptions()));
}

void subscribe(CommandContext& ctx) {
    for (std::string_view channel : ctx.args.subspan(1)) {
        if (ctx.client.channels.emplace(channel).second) ctx.server.pubsub().subscribe(subscriber_of(ctx.client), channel);
        ctx.client.count_subscriptions();
        confirm(ctx, "subscribe", &channel);
    }
}

void psubscribe(CommandContext& ctx) {
    for (std::string_view pattern : ctx.args.subspan(1)) {
        if (ctx.client.patterns.emplace(pattern).second) ctx.server.pubsub().psubscribe(subscriber_of(ctx.client), pattern);
        ctx.client.count_subscriptions();
        confirm(ctx, "psubscribe", &pattern);
    }
}

// UNSUBSCRIBE / PUNSUBSCRIBE [name ...]: none named means all of them.
void leave(CommandContext& ctx, bool patterns, bool reply) {
    ClientSession& client = ctx.client;
    std::unordered_set<std::string>& names = patterns ? client.patterns : client.channels;
    const std::string_view kind = patterns ? "punsubscribe" : "unsubscribe";
    std::vector<std::string> targets;
    if (ctx.argc() > 1) {
        targets.assign(ctx.args.begin() + 1, ctx.args.end());
    } else {
        targets.assign(names.begin(), names.end());
        if (targets.empty() && reply) return confirm(ctx, kind, nullptr);
    }
    for (const std::string& name : targets) {
        if (names.erase(name) && client.subscriber) {
            if (patterns) {
                ctx.server.pubsub().punsubscribe(client.subscriber.get(), name);
            } else {
                ctx.server.pubsub().unsubscribe(client.subscriber.get(), name);
            }
        }
        client.count_subscriptions();
        const std::string_view view = name;
        if (reply) confirm(ctx, kind, &view);
    }
}

void unsubscribe(CommandContext& ctx) { leave(ctx, false, true); }
void punsubscribe(CommandContext& ctx) { leave(ctx, true, true); }

void publish(CommandContext& ctx) {
    // A publisher subscribed to the channel gets its message before the reply.
    auto to_self = [&](const std::string* pattern) {
        ctx.reply.push(pattern ? 4 : 3);
        ctx.reply.bulk(pattern ? "pmessage" : "message");
        if (pattern) ctx.reply.bulk(*pattern);
        ctx.reply.bulk(ctx.args[1]);
        ctx.reply.bulk(ctx.args[2]);
    };
    const std::size_t receivers =
        ctx.server.pubsub().publish(ctx.args[1], ctx.args[2], ctx.client.subscriber.get(), to_self);
    ctx.reply.integer(static_cast<std::int64_t>(receivers));
}

void pubsub_channels(CommandContext& ctx) {
    std::optional<std::string_view> pattern;
    if (ctx.argc() == 3) pattern = ctx.args[2];
    ctx.reply.bulk_array(ctx.server.pubsub().channels(pattern));
}

void pubsub_numsub(CommandContext& ctx) {
    ctx.reply.array((ctx.argc() - 2) * 2);
    for (std::string_view channel : ctx.args.subspan(2)) {
        ctx.reply.bulk(channel);
        ctx.reply.integer(static_cast<std::int64_t>(ctx.server.pubsub().subscribers(channel)));
    }
}

void pubsub_numpat(CommandContext& ctx) {
    ctx.reply.integer(static_cast<std::int64_t>(ctx.server.pubsub().patterns()));
}

void pubsub_help(CommandContext& ctx) {
    reply_help(ctx.reply, "PUBSUB",
               {"CHANNELS [<pattern>]",
                "    Return the currently active channels matching a <pattern> (default: '*').",
                "NUMPAT",
                "    Return number of subscriptions to patterns.",
                "NUMSUB [<channel> ...]",
                "    Return the number of subscribers for the specified channels, excluding",
                "    pattern subscriptions(default: no channels)."});
}

std::vector<CommandSpec> pubsub_subcommands() {
    constexpr std::uint32_t kFlags = kLoading | kStale;
    std::vector<CommandSpec> subs;
    subs.push_back({.name = "pubsub|channels", .arity = -2, .flags = kFlags, .handler = pubsub_channels,
                    .group = "pubsub", .summary = "Returns the active channels.", .since = "2.8.0",
                    .complexity = "O(N) where N is the number of active channels, and assuming constant time "
                                  "pattern matching (relatively short channels and patterns)",
                    .syntax = "[pattern]"});
    subs.push_back({.name = "pubsub|numsub", .arity = -2, .flags = kFlags, .handler = pubsub_numsub,
                    .group = "pubsub", .summary = "Returns a count of subscribers to channels.", .since = "2.8.0",
                    .complexity = "O(N) for the NUMSUB subcommand, where N is the number of requested channels",
                    .syntax = "[channel [channel ...]]"});
    subs.push_back({.name = "pubsub|numpat", .arity = 2, .flags = kFlags, .handler = pubsub_numpat,
                    .group = "pubsub", .summary = "Returns a count of unique pattern subscriptions.",
                    .since = "2.8.0", .complexity = "O(1)", .syntax = ""});
    subs.push_back({.name = "pubsub|help", .arity = 2, .flags = kFlags, .handler = pubsub_help, .group = "pubsub",
                    .summary = "Returns helpful text about the different subcommands.", .since = "6.2.0",
                    .complexity = "O(1)", .syntax = ""});
    return subs;
}

}  // namespace

void unsubscribe_all(Server& server, ClientSession& client) {
    if (!client.subscriber) return;
    for (const std::string& channel : client.channels) server.pubsub().unsubscribe(client.subscriber.get(), channel);
    for (const std::string& pattern : client.patterns) server.pubsub().punsubscribe(client.subscriber.get(), pattern);
    client.channels.clear();
    client.patterns.clear();
    client.count_subscriptions();
}

void register_pubsub_commands(CommandTable& table) {
    constexpr std::uint32_t kSubscribeFlags = kNoScript | kLoading | kStale;
    table.add({.name = "subscribe", .arity = -2, .flags = kSubscribeFlags, .handler = subscribe, .group = "pubsub",
               .summary = "Listens for messages published to channels.", .since = "2.0.0",
               .complexity = "O(N) where N is the number of channels to subscribe to.",
               .syntax = "channel [channel ...]"});
    table.add({.name = "unsubscribe", .arity = -1, .flags = kSubscribeFlags, .handler = unsubscribe,
               .group = "pubsub", .summary = "Stops listening to messages posted to channels.", .since = "2.0.0",
               .complexity = "O(N) where N is the number of clients already subscribed to a channel.",
               .syntax = "[channel [channel ...]]"});
    table.add({.name = "psubscribe", .arity = -2, .flags = kSubscribeFlags, .handler = psubscribe,
               .group = "pubsub", .summary = "Listens for messages published to channels that match one or more patterns.",
               .since = "2.0.0", .complexity = "O(N) where N is the number of patterns the client is already subscribed to.",
               .syntax = "pattern [pattern ...]"});
    table.add({.name = "punsubscribe", .arity = -1, .flags = kSubscribeFlags, .handler = punsubscribe,
               .group = "pubsub", .summary = "Stops listening to messages published to channels that match one or more patterns.",
               .since = "2.0.0",
               .complexity = "O(N+M) where N is the number of patterns the client is already subscribed and M is the "
                             "number of total patterns subscribed in the system (by any client).",
               .syntax = "[pattern [pattern ...]]"});
    table.add({.name = "publish", .arity = 3, .flags = kLoading | kStale | kFast, .handler = publish,
               .group = "pubsub", .summary = "Posts a message to a channel.", .since = "2.0.0",
               .complexity = "O(N+M) where N is the number of clients subscribed to the receiving channel and M is "
                             "the total number of subscribed patterns (by any client).",
               .syntax = "channel message"});
    table.add({.name = "pubsub", .arity = -2, .group = "pubsub", .summary = "A container for Pub/Sub commands.",
               .since = "2.8.0", .complexity = "Depends on subcommand.", .subcommands = pubsub_subcommands()});
}

}  // namespace tierkv::server
