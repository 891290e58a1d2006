// A connection's life and its way in: reading (a large bulk argument straight
// into the buffer its value keeps), parsing, the look-ahead prefetch of a
// pipeline's keys, and running the commands. Replies and pub/sub messages
// go out in connection_output.cc; the tier's waits are in connection_tier.cc,
// blocked commands in connection_blocking.cc.
#include "server/connection.h"

#include <array>
#include <cstring>
#include <span>

#include <asio/experimental/as_tuple.hpp>
#include <spdlog/spdlog.h>

#include "server/dispatcher.h"
#include "server/server.h"
#include "server/transactions.h"
#include "storage/clock.h"

namespace tierkv::server {
namespace {

constexpr std::size_t kInitialInput = 16 * 1024;
constexpr std::size_t kReadChunk = 16 * 1024;
// How long buffers larger than kKeepBuffer are kept after they were last needed.
constexpr std::int64_t kKeepLargeBuffersMs = 2000;
// Bulk arguments of these sizes that have not all arrived are read straight
// into the buffer their value will share (no copy out of the input buffer).
// The buffer is allocated at the announced size (as Redis sizes its query
// buffer for a big argument), but its pages cost memory only as the bytes
// arrive; beyond the maximum the input buffer grows with the bytes instead.
constexpr std::size_t kDirectBulkMin = storage::Value::kSharedStringMin;
constexpr std::size_t kDirectBulkMax = 64 * 1024 * 1024;
// What one read of such a buffer asks for, and how much must have arrived
// before the kernel wakes the connection for it (SO_RCVLOWAT; at most what
// is left). With 4 MiB SETs, 256 KiB reads beat both smaller ones and
// reading all that is left at once, and the mark cut wake-ups per SET from
// 11-22 to 6-9.
constexpr std::size_t kDirectReadChunk = 256 * 1024;
}  // namespace

void Connection::start(Server& server, ClientStream stream, std::shared_ptr<ClientSession> session) {
    auto conn = std::make_shared<Connection>(server, std::move(stream), std::move(session));
    auto executor = conn->stream_.get_executor();
    std::weak_ptr<Connection> weak = conn;
    conn->session_->close = [weak, executor] {
        asio::post(executor, [weak] {
            if (auto self = weak.lock()) self->close_soon();
        });
    };
    conn->session_->deliver = [weak, executor](std::shared_ptr<const PublishedMessage> message,
                                               std::shared_ptr<const std::string> pattern) {
        asio::post(executor, [weak, message = std::move(message), pattern = std::move(pattern)] {
            if (auto self = weak.lock()) self->deliver(*message, pattern.get());
        });
    };
    conn->session_->wake = [weak, executor] {
        asio::post(executor, [weak] {
            if (auto self = weak.lock()) self->on_wake();
        });
    };
    asio::co_spawn(executor, [conn]() { return conn->run(); }, asio::detached);
}

Connection::Connection(Server& server, ClientStream stream, std::shared_ptr<ClientSession> session)
    : server_(server),
      stream_(std::move(stream)),
      session_(std::move(session)),
      input_(kInitialInput),
      reply_(output_),
      block_timer_(stream_.get_executor()),
      write_done_(stream_.get_executor()) {
    reply_.collect_refs(&output_refs_);
}

Connection::~Connection() {
    session_->direct_bulk = nullptr;  // the session may outlive its buffer
    server_.clients().remove(session_->id);
    server_.stats().connections_closed.fetch_add(1, std::memory_order_relaxed);
    spdlog::debug("client {} disconnected", session_->id);
}

void Connection::close_soon() {
    closing_ = true;
    // A reply being written is finished first; an idle read is cut short,
    // and so is a write of messages (a subscriber may never read them).
    if (!writing_ || push_writing_) {
        asio::error_code ec;
        stream_.socket().cancel(ec);
    }
    block_timer_.cancel();
    write_done_.cancel();
}

void Connection::make_room_for_read() {
    if (input_begin_ == input_end_) {
        input_begin_ = input_end_ = 0;
    } else if (input_begin_ > 0 && input_.size() - input_end_ < kReadChunk) {
        std::memmove(input_.data(), input_.data() + input_begin_, input_end_ - input_begin_);
        input_end_ -= input_begin_;
        input_begin_ = 0;
    }
    // Room for at least one more read chunk. A large bulk grows the buffer
    // by doubling as its bytes arrive, never by what the client announces:
    // "$500000000" followed by nothing must not cost 500 MB.
    if (input_.size() - input_end_ < kReadChunk) {
        const std::size_t wanted = std::max(input_end_ + kReadChunk, input_begin_ + parser_.bytes_wanted());
        input_.resize(std::min(wanted, std::max(input_.size() * 2, input_end_ + kReadChunk)), input_end_);
    }
}

// ---- large bulk arguments read straight into their value's buffer ---------

void Connection::start_direct_bulk(const protocol::RequestParser::PendingBulk& bulk) {
    const std::size_t start = input_begin_ + bulk.offset;
    const std::size_t received = std::min(input_end_ - start, bulk.length);
    direct_bulk_.emplace(DirectBulk{storage::SharedString::uninitialized(bulk.length), received});
    std::memcpy(direct_bulk_->bytes.data_to_fill(), input_.data() + start, received);
    // What followed them (part of their "\r\n") moves to where they started.
    std::memmove(input_.data() + start, input_.data() + start + received, input_end_ - start - received);
    input_end_ -= received;
    if (direct_bulk_complete()) attach_direct_bulk();
}

bool Connection::direct_bulk_complete() const { return direct_bulk_->filled == direct_bulk_->bytes.size(); }

asio::awaitable<std::size_t> Connection::read_direct_bulk() {
    DirectBulk& bulk = *direct_bulk_;
    const std::size_t left = bulk.bytes.size() - bulk.filled;
    const std::size_t room = std::min(left, kDirectReadChunk);
    set_receive_low_water(room);
    const std::size_t n = co_await stream_.async_read_some(
        asio::buffer(bulk.bytes.data_to_fill() + bulk.filled, room), asio::use_awaitable);
    bulk.filled += n;
    if (direct_bulk_complete()) {
        set_receive_low_water(1);
        attach_direct_bulk();
    }
    co_return n;
}

void Connection::set_receive_low_water(std::size_t bytes) {
    if (bytes == receive_low_water_ || stream_.is_tls()) return;
    asio::error_code ec;
    stream_.socket().set_option(asio::socket_base::receive_low_watermark(static_cast<int>(bytes)), ec);
    if (!ec) receive_low_water_ = bytes;
}

void Connection::attach_direct_bulk() {
    parser_.attach_bulk(direct_bulk_->bytes.view());
    session_->direct_bulk = &direct_bulk_->bytes;
}

void Connection::end_direct_bulk() {
    if (!direct_bulk_) return;
    parser_.detach_bulk();
    session_->direct_bulk = nullptr;
    direct_bulk_.reset();
}

void Connection::release_idle_buffers() {
    if (session_->last_active_ms - buffers_last_large_ms_ < kKeepLargeBuffersMs) return;
    if (input_begin_ == input_end_ && input_.size() > kKeepBuffer) {
        input_ = InputBuffer(kInitialInput);
        input_begin_ = input_end_ = 0;
    }
    if (output_.capacity() > kKeepBuffer) output_ = std::string();
}

asio::awaitable<void> Connection::run() {
    auto self = shared_from_this();
    try {
        if (stream_.is_tls() && !co_await handshake()) closing_ = true;
        while (!closing_) {
            std::size_t n = 0;
            if (direct_bulk_ && !direct_bulk_complete()) {
                n = co_await read_direct_bulk();
            } else {
                make_room_for_read();
                n = co_await stream_.async_read_some(
                    asio::buffer(input_.data() + input_end_, input_.size() - input_end_), asio::use_awaitable);
                input_end_ += n;
            }
            server_.stats().net_input_bytes.fetch_add(n, std::memory_order_relaxed);
            session_->last_active_ms = storage::unix_time_ms();
            if (input_end_ - input_begin_ > kKeepBuffer) buffers_last_large_ms_ = session_->last_active_ms;

            bool keep_open = co_await run_input();
            co_await flush_output();
            while (keep_open && session_->blocked && !closing_) {
                keep_open = co_await wait_while_blocked();
                if (!keep_open) break;
                rerun_blocked_command();
                if (!session_->blocked) keep_open = co_await run_input();  // the rest of the pipeline
                co_await flush_output();
            }
            if (!keep_open) break;
            release_idle_buffers();
        }
    } catch (const std::system_error& e) {
        // The peer went away or the socket was closed by CLIENT KILL / shutdown.
        spdlog::debug("client {}: {}", session_->id, e.what());
    }
    end_block();
    discard_transaction(server_, *session_);
    unsubscribe_all(server_, *session_);
    // Out of CLIENT LIST before the peer can see the connection close (the
    // destructor, which removes it too, may run later).
    server_.clients().remove(session_->id);
    asio::error_code ec;
    stream_.socket().shutdown(asio::socket_base::shutdown_both, ec);
    stream_.socket().close(ec);
}

asio::awaitable<bool> Connection::handshake() {
    // A client that speaks plain RESP, trusts another CA or lacks a required
    // certificate fails here; the server goes on serving the others.
    const auto [ec] = co_await stream_.async_handshake(asio::experimental::as_tuple(asio::use_awaitable));
    if (ec) spdlog::debug("client {} ({}): TLS handshake failed: {}", session_->id, session_->addr, ec.message());
    co_return !ec;
}

asio::awaitable<bool> Connection::run_input() {
    InputState state = process_input();
    for (;;) {
        if (state == InputState::kLoadFromTier) {
            co_await load_from_tier();
        } else if (state == InputState::kTierBacklog) {
            co_await wait_for_tier_writer();
        } else if (state == InputState::kRunOnTierPool) {
            co_await run_on_tier_pool();
            if (std::optional<InputState> stop = after_command()) {
                state = *stop;
                break;
            }
        } else {
            break;
        }
        state = process_input();
    }
    co_return state != InputState::kClose;
}

std::size_t Connection::prefetch_keys_ahead(std::size_t from) {
    // A pipelined batch: the first key of each of the next buffered
    // commands is fetched in two stages for all of them (buckets, then
    // nodes), so a large table's cache misses overlap instead of stalling
    // command after command. The parsed commands are kept, so they are
    // parsed once.
    constexpr std::size_t kMaxAhead = 32;
    parsed_ahead_.clear();
    parsed_ahead_args_.clear();
    next_parsed_ahead_ = 0;
    if (!server_.keyspace().worth_prefetching()) return input_end_;
    std::array<std::uint64_t, kMaxAhead> hashes;
    std::size_t count = 0;
    lookahead_parser_.set_limits(parser_.limits());
    for (std::size_t parsed = 0; parsed < kMaxAhead && from < input_end_; ++parsed) {
        if (lookahead_parser_.parse(std::string_view(input_.data() + from, input_end_ - from)) !=
            protocol::ParseResult::kCommand) {
            // The next look-ahead starts elsewhere: not where this one stopped.
            lookahead_parser_.reset();
            break;
        }
        const auto args = lookahead_parser_.args();
        const CommandSpec* command = args.empty() ? nullptr : server_.commands().find(args[0]);
        // An inline command's arguments live in the parser, which the next
        // parse reuses: process_input parses that one again.
        if (input_.data()[from] == '*') {
            parsed_ahead_.push_back(
                {from, lookahead_parser_.command_size(), parsed_ahead_args_.size(), args.size(), command});
            parsed_ahead_args_.insert(parsed_ahead_args_.end(), args.begin(), args.end());
        }
        from += lookahead_parser_.command_size();
        if (!command) continue;
        const KeyArgs keys = find_spec(server_, args, *command)->key_args(args);
        if (!keys.empty()) hashes[count++] = server_.keyspace().hash(*keys.begin());
    }
    if (count >= 2) {  // one command alone has nothing to overlap with
        const auto db = static_cast<std::size_t>(session_->db.load(std::memory_order_relaxed));
        auto& keyspace = server_.keyspace();
        for (std::size_t i = 0; i < count; ++i) keyspace.prefetch(db, hashes[i], storage::Keyspace::Prefetch::kBucket);
        for (std::size_t i = 0; i < count; ++i) keyspace.prefetch(db, hashes[i], storage::Keyspace::Prefetch::kNode);
    }
    return from;
}

bool Connection::take_parsed_ahead() {
    while (next_parsed_ahead_ < parsed_ahead_.size() && parsed_ahead_[next_parsed_ahead_].offset < input_begin_) {
        ++next_parsed_ahead_;
    }
    if (next_parsed_ahead_ == parsed_ahead_.size() || parsed_ahead_[next_parsed_ahead_].offset != input_begin_) {
        return false;
    }
    const ParsedAhead& command = parsed_ahead_[next_parsed_ahead_++];
    command_args_ = std::span<const std::string_view>(parsed_ahead_args_).subspan(command.first_arg, command.arg_count);
    command_size_ = command.size;
    command_spec_ = command.command;
    return true;
}

Connection::InputState Connection::process_input() {
    clock_.start_batch();
    std::size_t prefetched_until = 0;  // input offset up to which commands were parsed ahead
    parsed_ahead_.clear();  // their views were into input_ as it was then
    next_parsed_ahead_ = 0;
    const auto& hot = server_.hot();
    parser_.set_limits({static_cast<std::size_t>(hot.proto_max_bulk_len.load()), 1024ull * 1024 * 1024, 64 * 1024});
    while (input_begin_ < input_end_) {
        if (!take_parsed_ahead()) {
            const std::string_view pending(input_.data() + input_begin_, input_end_ - input_begin_);
            const auto result = parser_.parse(pending);
            if (result == protocol::ParseResult::kNeedMore) {
                if (!direct_bulk_) {
                    const auto bulk = parser_.pending_bulk();
                    if (bulk && bulk->length >= kDirectBulkMin && bulk->length <= kDirectBulkMax) {
                        start_direct_bulk(*bulk);
                        if (direct_bulk_complete()) continue;  // only its "\r\n" is missing
                    }
                }
                const std::size_t query_bytes =
                    input_end_ - input_begin_ + (direct_bulk_ ? direct_bulk_->filled : 0);
                if (query_bytes > static_cast<std::size_t>(hot.client_query_buffer_limit.load())) {
                    spdlog::debug("client {}: query buffer over client-query-buffer-limit, closing", session_->id);
                    reply_.error("ERR Protocol error: query buffer limit exceeded");
                    return InputState::kClose;
                }
                session_->query_buffer_bytes = query_bytes;
                return InputState::kWaitForMore;
            }
            if (result == protocol::ParseResult::kError) {
                spdlog::debug("client {} ({}): {}", session_->id, session_->addr, parser_.error());
                reply_.error("ERR " + parser_.error());
                return InputState::kClose;
            }
            command_args_ = parser_.args();
            command_size_ = parser_.command_size();
            command_spec_ = nullptr;
            // More commands are buffered behind this one (a pipeline): parse
            // them and fetch their entries ahead. A lone command skips the cost.
            if (input_begin_ >= prefetched_until && input_begin_ + command_size_ < input_end_) {
                prefetched_until = prefetch_keys_ahead(input_begin_ + command_size_);
            }
        }
        if (!command_args_.empty()) {
            if (server_.keyspace().tier()) {
                TierPlan plan = plan_tier_step(server_, *session_, command_args_, tier_loads_for_command_ > 0);
                switch (plan.step) {
                    case TierStep::kWaitForWriter:
                        return InputState::kTierBacklog;
                    case TierStep::kLoadKeys:
                        keys_to_load_ = std::move(plan.keys);
                        collect_keys_ahead(input_begin_ + command_size_);
                        return InputState::kLoadFromTier;
                    case TierStep::kRunOnTierPool:
                        tier_loads_for_command_ = 0;
                        return InputState::kRunOnTierPool;
                    case TierStep::kRun:
                        break;
                }
            }
            if (!execute_command(server_, *session_, reply_, command_args_, /*may_read_disk=*/false, &clock_,
                                 command_spec_)) {
                if (tier_loads_for_command_ >= kMaxTierLoads) {
                    // Its keys keep leaving memory before it runs: it reads
                    // them itself, on the tier's threads.
                    tier_loads_for_command_ = 0;
                    return InputState::kRunOnTierPool;
                }
                // A key it names is on disk: read it, and those of the
                // commands pipelined behind, off the event loop; then retry.
                keys_to_load_ = keys_in_tier(server_, *session_, command_args_);
                collect_keys_ahead(input_begin_ + command_size_);
                return InputState::kLoadFromTier;
            }
            tier_loads_for_command_ = 0;
        }
        if (std::optional<InputState> stop = after_command()) return *stop;
    }
    session_->query_buffer_bytes = 0;
    return InputState::kWaitForMore;
}

std::optional<Connection::InputState> Connection::after_command() {
    if (over_output_limit()) {
        // Replies pile up faster than the client reads them (or it never
        // reads): drop them and the client, as Redis does.
        spdlog::warn("client {} ({}) closed for overcoming of output buffer limits ({})", session_->id,
                     session_->addr, session_->subscriptions() > 0 ? "pubsub" : "normal");
        drop_output();
        return InputState::kClose;
    }
    input_begin_ += command_size_;
    if (session_->blocked) {
        blocked_args_.assign(command_args_.begin(), command_args_.end());
        blocked_views_.assign(blocked_args_.begin(), blocked_args_.end());
    }
    end_direct_bulk();  // after the arguments were copied, if they had to be
    if (session_->blocked) return InputState::kWaitForMore;
    if (session_->close_after_reply) return InputState::kClose;
    return std::nullopt;
}

}  // namespace tierkv::server
