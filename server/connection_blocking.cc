// A connection's blocked command (BLPOP, BLMOVE...): waiting for a wake-up
// or the deadline, then running the command again.
#include <asio/experimental/deferred.hpp>
#include <asio/experimental/parallel_group.hpp>

#include "server/connection.h"
#include "server/dispatcher.h"
#include "server/server.h"

namespace tierkv::server {

// ---- blocked commands --------------------------------------------------------

void Connection::on_wake() {
    woken_ = true;
    block_timer_.cancel();
}

asio::awaitable<bool> Connection::wait_while_blocked() {
    session_->waiting_blocked = true;
    const bool woken = co_await wait_for_wake_or_deadline();
    session_->waiting_blocked = false;
    session_->last_active_ms = storage::unix_time_ms();
    co_return woken;
}

asio::awaitable<bool> Connection::wait_for_wake_or_deadline() {
    namespace ex = asio::experimental;
    BlockedClient& blocked = *session_->blocked;
    for (;;) {
        if (closing_) co_return false;
        if (woken_) {
            woken_ = false;
            co_return true;
        }
        const std::int64_t now = storage::unix_time_ms();
        if (blocked.deadline_ms != 0 && now >= blocked.deadline_ms) {
            blocked.timed_out = true;
            co_return true;
        }
        if (blocked.deadline_ms == 0) {
            block_timer_.expires_at(asio::steady_timer::time_point::max());
        } else {
            block_timer_.expires_after(std::chrono::milliseconds(blocked.deadline_ms - now));
        }
        // A wake cancels the timer; input is read (through the stream: TLS
        // may hold decrypted bytes the socket no longer has) and kept for
        // later, and a closed connection ends the wait.
        make_room_for_read();
        const auto [order, timer_ec, read_ec, n] =
            co_await ex::make_parallel_group(
                block_timer_.async_wait(ex::deferred),
                stream_.async_read_some(asio::buffer(input_.data() + input_end_, input_.size() - input_end_),
                                        ex::deferred))
                .async_wait(ex::wait_for_one(), asio::use_awaitable);
        // Bytes read count even when the timer won the race.
        input_end_ += n;
        server_.stats().net_input_bytes.fetch_add(n, std::memory_order_relaxed);
        if (order[0] == 1 && (read_ec || n == 0)) co_return false;
        const auto limit = static_cast<std::size_t>(server_.hot().client_query_buffer_limit.load());
        if (input_end_ - input_begin_ > limit) co_return false;
    }
}

void Connection::rerun_blocked_command() {
    const std::size_t before = output_.size();
    execute_command(server_, *session_, reply_, blocked_views_);
    // A blocked command replies nothing; any reply (-OOM too) ends the block.
    if (session_->blocked && output_.size() != before) end_block();
}

void Connection::end_block() {
    if (!session_->blocked) return;
    server_.blocking().unblock(session_->blocked);
    session_->blocked.reset();
}

}  // namespace tierkv::server
