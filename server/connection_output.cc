// A connection's way out: replies (a gather write, or sendfile for a large
// value's pages) and pub/sub messages, which a second writer sends while the
// connection waits for its next request.
#include <sys/sendfile.h>

#include <cerrno>
#include <span>

#include <asio/experimental/as_tuple.hpp>
#include <spdlog/spdlog.h>

#include "protocol/splice.h"
#include "server/connection.h"
#include "server/server.h"
#include "storage/value_pages.h"

namespace tierkv::server {
namespace {

// A referenced value at least this large that lies in storage::ValuePages
// goes out with sendfile(): the socket takes references to its pages
// instead of a copy of its bytes (smaller ones join the gather write).
constexpr std::size_t kSendfileMin = 64 * 1024;

}  // namespace

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

}  // namespace tierkv::server
