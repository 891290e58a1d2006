#include "client/bench/connection.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "protocol/request_writer.h"
#include "protocol/splice.h"

namespace tierkv::bench {
namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
// Values from this size on are sent and received without a copy in the
// load generator, so that with big values it measures the server, not
// its own memcpy.
constexpr std::size_t kLargeValue = 64 * 1024;
constexpr std::size_t kLargeReadBuffer = 256 * 1024;
constexpr auto kRetryDelay = std::chrono::milliseconds(100);
// About five seconds of refused reconnects end the connection's run.
constexpr int kMaxFailuresInARow = 50;

}  // namespace

Connection::Connection(asio::io_context& io, ThreadContext& context)
    : ctx_(context),
      socket_(io),
      retry_timer_(io),
      pace_timer_(io),
      keys_(context.options.key_prefix),
      rx_(4 * kReadChunk) {}

void Connection::connect() {
    asio::async_connect(socket_, ctx_.endpoints,
                        [this](const asio::error_code& ec, const asio::ip::tcp::endpoint&) { on_connect(ec); });
}

void Connection::on_connect(const asio::error_code& ec) {
    if (ec) {
        return fail("cannot connect to " + ctx_.options.host + ":" + std::to_string(ctx_.options.port) + ": " +
                    ec.message());
    }
    asio::error_code ignored;
    socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    reader_ = protocol::ReplyReader();
    rx_begin_ = rx_end_ = 0;
    skip_left_ = 0;
    receive_low_water_ = 1;  // a new socket
    if (ctx_.options.resp3) {
        handshaking_ = true;
        request_.clear();
        splices_.clear();
        in_flight_.clear();
        protocol::append_command(request_, {"HELLO", "3"});
        in_flight_.push_back({Pending::kHello, 0});
        return send();
    }
    if (running_) return start_batch_when_due();
    ctx_.on_connected({});
}

void Connection::run() {
    running_ = true;
    start_batch_when_due();
}

void Connection::start_batch_when_due() {
    const double rate = ctx_.options.rate;
    if (rate <= 0) return start_batch();
    const std::chrono::duration<double> interval(ctx_.options.clients * ctx_.options.pipeline / rate);
    const auto now = Clock::now();
    if (batch_due_ == Clock::time_point{}) {
        // Connections start spread over one interval, not all at once.
        const double offset = static_cast<double>(std::hash<const void*>{}(this) % 1000) / 1000.0;
        batch_due_ = now + std::chrono::duration_cast<Clock::duration>(interval * offset);
    } else {
        batch_due_ += std::chrono::duration_cast<Clock::duration>(interval);
    }
    if (batch_due_ <= now) return start_batch();
    pace_timer_.expires_at(batch_due_);
    pace_timer_.async_wait([this](const asio::error_code& ec) {
        if (!ec) start_batch();
    });
}

void Connection::add_request(Pending::Kind kind, std::uint64_t key) {
    const std::string_view name = keys_.format(key);
    if (kind == Pending::kGet) {
        protocol::append_command(request_, {"GET", name});
    } else {
        const std::string_view value = ctx_.value_bytes.substr(0, ctx_.workload.value_size());
        if (value.size() < kLargeValue) {
            protocol::append_command(request_, {"SET", name, value});
        } else {
            const std::string_view args[] = {"SET", name, value};
            protocol::append_command_head(request_, args);
            splices_.push_back({request_.size(), value});
            request_.append("\r\n");
        }
    }
    if (kind != Pending::kFill && ctx_.trace.enabled()) ctx_.trace.add(name);
    in_flight_.push_back({kind, key});
}

void Connection::start_batch() {
    request_.clear();
    splices_.clear();
    in_flight_.clear();
    for (std::uint64_t key : fills_) add_request(Pending::kFill, key);
    fills_.clear();
    while (in_flight_.size() < ctx_.options.pipeline) {
        const auto op = ctx_.workload.next();
        if (!op) break;
        add_request(op->kind == Op::kGet ? Pending::kGet : Pending::kSet, op->key);
    }
    if (in_flight_.empty()) return finish();
    send();
    if (batch_due_ != Clock::time_point{}) sent_at_ = batch_due_;  // --rate: latency from when it was due
}

// The replies are read while the batch is written: a server that stops
// reading until its replies are read would otherwise deadlock a large batch.
void Connection::send() {
    replied_ = 0;
    write_done_ = false;
    writing_ = true;
    sent_at_ = Clock::now();
    const auto done = [this](const asio::error_code& ec, std::size_t) { on_write(ec); };
    if (splices_.empty()) {
        asio::async_write(socket_, asio::buffer(request_), done);
    } else {
        write_buffers_.clear();
        protocol::for_each_piece(request_, splices_,
                                 [&](std::string_view piece) { write_buffers_.push_back(asio::buffer(piece)); });
        asio::async_write(socket_, write_buffers_, done);
    }
    if (!reading_) read();
}

void Connection::read() {
    if (rx_begin_ == rx_end_) {
        rx_begin_ = rx_end_ = 0;
    } else if (rx_.size() - rx_end_ < kReadChunk) {
        // The reader keeps its place relative to the first unparsed byte, so
        // the unparsed bytes can move.
        std::memmove(rx_.data(), rx_.data() + rx_begin_, rx_end_ - rx_begin_);
        rx_end_ -= rx_begin_;
        rx_begin_ = 0;
        if (rx_.size() - rx_end_ < kReadChunk) rx_.resize(rx_.size() * 2);
    }
    // While a large reply streams in, the kernel wakes this thread only
    // once a good part of it has arrived, instead of for every segment: on
    // loopback each wake-up is paid by the server's CPU, which delivers it.
    set_receive_low_water(skip_left_ >= kLargeValue ? std::min<std::uint64_t>(skip_left_, rx_.size() - rx_end_) : 1);
    reading_ = true;
    socket_.async_read_some(asio::buffer(rx_.data() + rx_end_, rx_.size() - rx_end_),
                            [this](const asio::error_code& ec, std::size_t bytes) { on_read(ec, bytes); });
}

void Connection::set_receive_low_water(std::size_t bytes) {
    if (bytes == receive_low_water_) return;
    asio::error_code ec;
    socket_.set_option(asio::socket_base::receive_low_watermark(static_cast<int>(bytes)), ec);
    if (!ec) receive_low_water_ = bytes;
}

void Connection::on_write(const asio::error_code& ec) {
    writing_ = false;
    if (broken_) return after_failure();
    if (ec) return fail("write failed: " + ec.message());
    write_done_ = true;
    if (replied_ == in_flight_.size()) batch_done();
}

void Connection::on_read(const asio::error_code& ec, std::size_t bytes) {
    reading_ = false;
    if (broken_) return after_failure();
    if (ec) return fail(ec == asio::error::eof ? "connection closed by the server" : "read failed: " + ec.message());
    rx_end_ += bytes;
    if (!parse_replies(Clock::now())) return;
    if (replied_ < in_flight_.size()) return read();
    if (write_done_) batch_done();
}

// All replies that arrived in one read get the same timestamp: they were
// there together.
bool Connection::parse_replies(Clock::time_point now) {
    static const protocol::RespValue kLargeBulk = protocol::RespValue::bulk("");
    while (replied_ < in_flight_.size()) {
        if (skip_left_ > 0) {
            const auto skipped = std::min<std::uint64_t>(skip_left_, rx_end_ - rx_begin_);
            rx_begin_ += skipped;
            skip_left_ -= skipped;
            if (skip_left_ > 0) break;
            handle_reply(in_flight_[replied_++], kLargeBulk, now);
            continue;
        }
        const LargeBulk large = start_skipping_large_bulk();
        if (large == LargeBulk::kSkipping) continue;
        if (large == LargeBulk::kHeaderIncomplete) break;
        const std::string_view input(rx_.data() + rx_begin_, rx_end_ - rx_begin_);
        const auto result = reader_.parse(input);
        if (result == protocol::ReplyReader::Result::kNeedMore) break;
        if (result == protocol::ReplyReader::Result::kError) {
            fail("protocol error in reply: " + reader_.error());
            return false;
        }
        rx_begin_ += reader_.consumed();
        handle_reply(in_flight_[replied_++], reader_.value(), now);
    }
    return true;
}

Connection::LargeBulk Connection::start_skipping_large_bulk() {
    const std::string_view input(rx_.data() + rx_begin_, rx_end_ - rx_begin_);
    if (input.empty() || input[0] != '$') return LargeBulk::kNo;
    const auto line_end = input.find("\r\n");
    // Not yet decided: the reader must not start on a reply this may take.
    if (line_end == std::string_view::npos) return LargeBulk::kHeaderIncomplete;
    std::uint64_t length = 0;
    const auto [end, ec] = std::from_chars(input.data() + 1, input.data() + line_end, length);
    if (ec != std::errc() || end != input.data() + line_end || length < kLargeValue) return LargeBulk::kNo;
    rx_begin_ += line_end + 2;
    skip_left_ = length + 2;  // the bytes and their "\r\n"
    if (rx_.size() < kLargeReadBuffer) rx_.resize(kLargeReadBuffer);
    return LargeBulk::kSkipping;
}

void Connection::handle_reply(const Pending& pending, const protocol::RespValue& reply, Clock::time_point now) {
    if (pending.kind == Pending::kHello) {
        if (reply.is_error()) error_ = "HELLO 3 failed: " + reply.str;
        return;
    }
    Stats& stats = ctx_.stats;
    ++stats.ops;
    stats.latency_ns.record(
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now - sent_at_).count()));
    if (reply.is_error()) {
        ++stats.error_replies;
        return;
    }
    switch (pending.kind) {
        case Pending::kGet:
            ++stats.gets;
            if (!reply.is_null()) {
                ++stats.hits;
            } else {
                ++stats.misses;
                if (ctx_.options.mode == Mode::kCacheAside) fills_.push_back(pending.key);
            }
            break;
        case Pending::kFill:
            ++stats.fills;
            [[fallthrough]];
        case Pending::kSet:
            ++stats.sets;
            break;
        case Pending::kHello:
            break;
    }
}

void Connection::batch_done() {
    failures_in_a_row_ = 0;
    if (!handshaking_) return start_batch_when_due();
    handshaking_ = false;
    if (!error_.empty()) {
        // The server cannot speak RESP3; reconnecting would not change that.
        ++ctx_.stats.connection_errors;
        ctx_.last_error = error_;
        if (!running_) return ctx_.on_connected(error_);
        return finish();
    }
    if (running_) return start_batch_when_due();
    ctx_.on_connected({});
}

// Closes the socket, which aborts the pending read or write; the last of
// their handlers calls after_failure() to reconnect.
void Connection::fail(std::string message) {
    if (broken_) return;
    broken_ = true;
    error_ = std::move(message);
    ctx_.last_error = error_;
    ++ctx_.stats.connection_errors;
    asio::error_code ignored;
    socket_.close(ignored);
    after_failure();
}

void Connection::after_failure() {
    if (reading_ || writing_) return;
    broken_ = false;
    handshaking_ = false;
    in_flight_.clear();  // lost with the connection
    fills_.clear();
    if (!running_) return ctx_.on_connected(error_);
    if (ctx_.workload.exhausted() || ++failures_in_a_row_ > kMaxFailuresInARow) return finish();
    error_.clear();
    retry_timer_.expires_after(kRetryDelay);
    retry_timer_.async_wait([this](const asio::error_code& ec) {
        if (ec) return;
        if (ctx_.workload.exhausted()) return finish();
        connect();
    });
}

void Connection::finish() {
    asio::error_code ignored;
    socket_.close(ignored);
    ctx_.on_finished();
}

}  // namespace tierkv::bench
