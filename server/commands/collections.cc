#include "server/commands/collections.h"

#include "server/client_session.h"
#include "server/server.h"
#include "storage/glob.h"

namespace tierkv::server {

storage::EncodingLimits encoding_limits(const CommandContext& ctx) {
    return ctx.server.keyspace().encoding_settings().load();
}

void signal_list_push(const CommandContext& ctx, std::string_view key) {
    ctx.server.blocking().signal(static_cast<std::size_t>(ctx.client.db.load()), key);
}

std::mt19937_64& random_engine() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return rng;
}

std::optional<ElementScanOptions> parse_element_scan_options(CommandContext& ctx, std::size_t first) {
    ElementScanOptions opts;
    for (std::size_t i = first; i < ctx.argc(); i += 2) {
        const bool has_value = i + 1 < ctx.argc();
        if (has_value && iequals(ctx.args[i], "count")) {
            std::string_view error;
            const auto count = parse_scan_count(ctx.args[i + 1], error);
            if (!count) {
                ctx.reply.error(error);
                return std::nullopt;
            }
            opts.count = *count;
        } else if (has_value && iequals(ctx.args[i], "match")) {
            opts.pattern = ctx.args[i + 1] == "*" ? std::string_view() : ctx.args[i + 1];
        } else {
            ctx.reply.error(kErrSyntax);
            return std::nullopt;
        }
    }
    return opts;
}

std::size_t keep_matching(std::vector<std::string>& items, std::string_view pattern, std::size_t per_element) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i + per_element <= items.size(); i += per_element) {
        if (!storage::glob_match(pattern, items[i])) continue;
        for (std::size_t j = 0; j < per_element; ++j) std::swap(items[kept++], items[i + j]);
    }
    return kept;
}

std::optional<RandomCount> parse_random_count(CommandContext& ctx, std::string_view flag) {
    const auto count = parse_int64(ctx.args[2]);
    if (!count) {
        ctx.reply.error(kErrNotInteger);
        return std::nullopt;
    }
    if (*count == INT64_MIN) {
        ctx.reply.error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
        return std::nullopt;
    }
    const bool with_flag = ctx.argc() == 4 && iequals(ctx.args[3], flag);
    if (ctx.argc() > 4 || (ctx.argc() == 4 && !with_flag)) {
        ctx.reply.error(kErrSyntax);
        return std::nullopt;
    }
    // Pairs are replied: twice the count must still fit.
    if (with_flag && (*count < -(INT64_MAX / 2) || *count > INT64_MAX / 2)) {
        ctx.reply.error("ERR value is out of range");
        return std::nullopt;
    }
    return RandomCount{*count, with_flag};
}

std::optional<std::uint64_t> random_reply_size(CommandContext& ctx, std::int64_t count) {
    const std::uint64_t wanted = count < 0 ? static_cast<std::uint64_t>(-count) : static_cast<std::uint64_t>(count);
    if (count < 0 && wanted > kMaxRandomReply) {
        ctx.reply.error("ERR value is out of range");
        return std::nullopt;
    }
    return wanted;
}

void reply_empty_scan(CommandContext& ctx) {
    ctx.reply.array(2);
    ctx.reply.bulk("0");
    ctx.reply.array(0);
}

}  // namespace tierkv::server
