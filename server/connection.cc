#include "server/connection.h"

#include <sys/sendfile.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <span>

#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/deferred.hpp>
#include <asio/experimental/parallel_group.hpp>
#include <spdlog/spdlog.h>

#include "protocol/splice.h"
#include "server/acl.h"
#include "server/dispatcher.h"
#include "server/server.h"
#include "server/transactions.h"
#include "storage/clock.h"
#include "storage/value_pages.h"

namespace tierkv::server {
namespace {

constexpr std::size_t kInitialInput = 16 * 1024;
constexpr std::size_t kReadChunk = 16 * 1024;
// Buffers grown past this by a large request or reply are given back once idle.
constexpr std::size_t kKeepBuffer = 64 * 1024;
// How long buffers larger than that are kept after they were last needed.
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
// A referenced value at least this large that lies in storage::ValuePages
// goes out with sendfile(): the socket takes references to its pages
// instead of a copy of its bytes (smaller ones join the gather write).
constexpr std::size_t kSendfileMin = 64 * 1024;

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

asio::awaitable<void> Connection::flush_output() {
    if (session_->durable_seq_needed != 0) co_await wait_until_durable();
    // Messages being written go first; write_pushes() stops after its batch.
    while (push_writing_ && !closing_) {
        flush_waiting_ = true;
        write_done_.expires_at(asio::steady_timer::time_point::max());
        co_await write_done_.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    }
    flush_waiting_ = false;
    if (closing_) co_return;
    // Messages that arrived before these replies' commands ran precede them.
    if (!push_out_.empty()) {
        output_.insert(0, push_out_);
        for (protocol::ReplyRef& ref : output_refs_) ref.offset += push_out_.size();
        push_out_.clear();
    }
    if (output_.empty()) co_return;
    if (output_.size() > kKeepBuffer) buffers_last_large_ms_ = session_->last_active_ms;
    const std::size_t bytes = pending_output_bytes();
    writing_ = true;
    if (output_refs_.empty()) {
        co_await asio::async_write(stream_, asio::buffer(output_), asio::use_awaitable);
    } else {
        co_await write_with_refs();
    }
    writing_ = false;
    server_.stats().net_output_bytes.fetch_add(bytes, std::memory_order_relaxed);
    output_.clear();
    output_refs_.clear();  // releases the values the replies referenced
    start_push_writer();  // messages that came during the write
}

asio::awaitable<void> Connection::write_with_refs() {
    write_buffers_.clear();
    protocol::for_each_piece(output_, output_refs_,
                             [&](std::string_view piece) { write_buffers_.push_back(asio::buffer(piece)); });
    storage::ValuePages* pages = stream_.is_tls() ? nullptr : storage::ValuePages::instance();
    // Runs of buffers between the pieces that go by sendfile go out with
    // one gather write each.
    std::size_t run = 0;
    for (std::size_t i = 0; pages && i < write_buffers_.size(); ++i) {
        const asio::const_buffer& piece = write_buffers_[i];
        if (piece.size() < kSendfileMin) continue;
        // A reply that references a value marked it (SharedString::mark_sent).
        const auto offset = pages->offset_of(static_cast<const char*>(piece.data()));
        if (!offset) continue;
        if (run < i) {
            co_await asio::async_write(stream_, std::span(write_buffers_).subspan(run, i - run), asio::use_awaitable);
        }
        co_await send_file(*pages, *offset, piece.size());
        run = i + 1;
    }
    if (run < write_buffers_.size()) {
        co_await asio::async_write(stream_, std::span(write_buffers_).subspan(run), asio::use_awaitable);
    }
}

asio::awaitable<void> Connection::send_file(const storage::ValuePages& pages, std::uint64_t offset,
                                            std::size_t size) {
    ClientStream::Socket& socket = stream_.socket();
    socket.native_non_blocking(true);
    auto position = static_cast<off_t>(offset);
    while (size > 0) {
        const ssize_t sent = ::sendfile(socket.native_handle(), pages.fd(), &position, size);
        if (sent > 0) {
            size -= static_cast<std::size_t>(sent);
        } else if (sent < 0 && errno == EAGAIN) {
            co_await socket.async_wait(asio::socket_base::wait_write, asio::use_awaitable);
        } else if (sent < 0 && errno != EINTR) {
            throw std::system_error(errno, std::system_category(), "sendfile");
        } else if (sent == 0) {
            throw std::system_error(EIO, std::system_category(), "sendfile: the value's pages ended early");
        }
    }
}

std::size_t Connection::pending_output_bytes() const {
    std::size_t bytes = output_.size();
    for (const protocol::ReplyRef& ref : output_refs_) bytes += ref.bytes.size();
    return bytes;
}

void Connection::drop_output() {
    output_ = std::string();
    output_refs_.clear();
}

// ---- pub/sub messages -------------------------------------------------------------

void Connection::deliver(const PublishedMessage& message, const std::string* pattern) {
    if (closing_) return;
    // Unsubscribed since the message was sent: Redis would not deliver it either.
    if (pattern ? !session_->patterns.contains(*pattern) : !session_->channels.contains(message.channel)) return;
    if (!may_receive(current_user(server_.acl(), *session_), message.channel, pattern)) {
        // Its user lost the channel since SUBSCRIBE: Redis closes such clients.
        spdlog::info("client {} ({}) closed: its user may no longer receive from '{}'", session_->id,
                     session_->addr, message.channel);
        close_soon();
        return;
    }
    // Replies of commands run so far wait to be sent (the connection is
    // reading keys from the tier): the message goes after them, as in Redis.
    // Never into output_ while flush_output() is writing it.
    std::string& out = !writing_ && !output_.empty() ? output_ : push_out_;
    protocol::ReplyBuilder push(out, session_->resp.load(std::memory_order_relaxed));
    push.push(pattern ? 4 : 3);
    push.bulk(pattern ? "pmessage" : "message");
    if (pattern) push.bulk(*pattern);
    push.bulk(message.channel);
    push.bulk(message.payload);
    session_->output_buffer_bytes = push_out_.size() + push_inflight_ + pending_output_bytes();
    if (over_output_limit()) {
        spdlog::warn("client {} ({}) closed for overcoming of output buffer limits (pubsub)", session_->id,
                     session_->addr);
        push_out_ = std::string();
        closing_ = true;
        asio::error_code ec;
        stream_.socket().cancel(ec);
        block_timer_.cancel();
        write_done_.cancel();
        return;
    }
    if (!writing_ && &out == &push_out_) start_push_writer();
}

bool Connection::over_output_limit() {
    // As Redis, a client with subscriptions is of the pubsub class.
    const auto& limit = session_->subscriptions() > 0 ? server_.hot().pubsub_output : server_.hot().normal_output;
    const auto pending = static_cast<std::int64_t>(push_out_.size() + push_inflight_ + pending_output_bytes());
    const std::int64_t hard = limit.hard.load(std::memory_order_relaxed);
    const std::int64_t soft = limit.soft.load(std::memory_order_relaxed);
    if (hard > 0 && pending > hard) return true;
    if (soft > 0 && pending > soft) {
        const std::int64_t now = storage::unix_time_ms();
        if (over_soft_limit_since_ms_ == 0) over_soft_limit_since_ms_ = now;
        return now - over_soft_limit_since_ms_ >= limit.soft_seconds.load(std::memory_order_relaxed) * 1000;
    }
    over_soft_limit_since_ms_ = 0;
    return false;
}

void Connection::start_push_writer() {
    if (writing_ || closing_ || push_out_.empty()) return;
    writing_ = push_writing_ = true;
    asio::co_spawn(stream_.get_executor(), [self = shared_from_this()] { return self->write_pushes(); },
                   asio::detached);
}

asio::awaitable<void> Connection::write_pushes() {
    std::string batch;
    try {
        while (!push_out_.empty() && !closing_ && !flush_waiting_) {
            batch.swap(push_out_);
            push_out_.clear();
            push_inflight_ = batch.size();
            co_await asio::async_write(stream_, asio::buffer(batch), asio::use_awaitable);
            server_.stats().net_output_bytes.fetch_add(batch.size(), std::memory_order_relaxed);
            push_inflight_ = 0;
            batch.clear();
            session_->output_buffer_bytes = push_out_.size();
            if (batch.capacity() > kKeepBuffer) batch = std::string();
        }
    } catch (const std::system_error& e) {
        spdlog::debug("client {}: {}", session_->id, e.what());
        closing_ = true;
        asio::error_code ec;
        stream_.socket().cancel(ec);
    }
    push_inflight_ = 0;
    writing_ = push_writing_ = false;
    write_done_.cancel();
}

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
