// A connection's side of the RocksDB tier: commands whose keys must be read
// from disk first, and replies that wait until their writes are durable.
#include <spdlog/spdlog.h>

#include "server/connection.h"
#include "server/dispatcher.h"
#include "server/server.h"

namespace tierkv::server {

// ---- the tier ----------------------------------------------------------------------

asio::awaitable<void> Connection::run_on_tier_pool() {
    // This coroutine waits meanwhile, so the command has the connection's
    // session and reply buffer to itself.
    co_await asio::co_spawn(
        server_.tier_pool(),
        [this]() -> asio::awaitable<void> {
            execute_command(server_, *session_, reply_, command_args_);
            co_return;
        },
        asio::use_awaitable);
}

asio::awaitable<void> Connection::wait_for_tier_writer() {
    storage::Tier* tier = server_.keyspace().tier();
    asio::steady_timer timer(stream_.get_executor());
    while (tier && tier->backlogged() && !tier->failing()) {
        timer.expires_after(std::chrono::milliseconds(1));
        co_await timer.async_wait(asio::use_awaitable);
    }
}

asio::awaitable<void> Connection::wait_until_durable() {
    // Durability always: the replies leave once the tier has synced the
    // writes they acknowledge. The tier's writer commits many clients' writes
    // in one sync, so a short poll costs little and keeps this loop free.
    const std::uint64_t needed = std::exchange(session_->durable_seq_needed, 0);
    storage::Tier* tier = server_.keyspace().tier();
    if (!server_.syncs_every_write() || !tier) co_return;
    asio::steady_timer timer(stream_.get_executor());
    while (tier->durable_seq() < needed && !tier->failing()) {
        timer.expires_after(std::chrono::microseconds(100));
        co_await timer.async_wait(asio::use_awaitable);
    }
    if (tier->durable_seq() < needed) {
        // The tier failed before these writes were synced: their replies
        // must not say they were kept. Closing leaves the client knowing
        // nothing was acknowledged.
        spdlog::warn("client {}: closed, the tier failed before its writes were synced", session_->id);
        drop_output();
        closing_ = true;
    }
}

void Connection::collect_keys_ahead(std::size_t from) {
    // A pipeline of reads of cold keys costs one trip to the tier's threads,
    // not one per command. Stops at the first command it cannot read whole.
    constexpr std::size_t kLookahead = 256;
    protocol::RequestParser ahead;
    ahead.set_limits(parser_.limits());
    for (std::size_t n = 0; n < kLookahead && from < input_end_; ++n) {
        const std::string_view rest(input_.data() + from, input_end_ - from);
        if (ahead.parse(rest) != protocol::ParseResult::kCommand) break;
        if (!ahead.args().empty()) {
            for (std::string& key : keys_in_tier(server_, *session_, ahead.args())) keys_to_load_.push_back(std::move(key));
        }
        from += ahead.command_size();
    }
}

asio::awaitable<void> Connection::load_from_tier() {
    const auto db = static_cast<std::size_t>(session_->db.load());
    storage::Tier* tier = server_.keyspace().tier();
    auto keys = std::move(keys_to_load_);
    keys_to_load_.clear();
    const std::int64_t now = storage::unix_time_ms();
    auto records = co_await asio::co_spawn(
        server_.tier_pool(),
        [tier, db, &keys, now]() -> asio::awaitable<std::vector<std::optional<storage::TierRecord>>> {
            std::vector<std::optional<storage::TierRecord>> out;
            out.reserve(keys.size());
            for (const std::string& key : keys) out.push_back(tier->read(db, key, now));
            co_return out;
        },
        asio::use_awaitable);
    for (std::size_t i = 0; i < keys.size(); ++i) {
        if (records[i]) server_.keyspace().promote(db, keys[i], std::move(*records[i]), now);
    }
    ++tier_loads_for_command_;
}

}  // namespace tierkv::server
