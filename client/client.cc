#include "client/client.h"

#include <array>
#include <asio.hpp>
#include <stdexcept>

#include "protocol/reply_reader.h"
#include "protocol/request_writer.h"

namespace tierkv::client {

namespace {

// One round trip in progress: a request being written while the replies
// to it (and to nothing else) are read.
struct Exchange {
    std::size_t wanted = 0;
    std::vector<RespValue> replies;
    bool written = false;
    std::string error;  // the first failure, if any
};

}  // namespace

struct Client::Impl {
    Options options;
    asio::io_context io;
    asio::ip::tcp::socket socket{io};
    int protocol = 2;

    // Received bytes; the unparsed ones start at rx_start.
    std::string rx;
    std::size_t rx_start = 0;
    protocol::ReplyReader reader;
    std::array<char, 64 * 1024> chunk;

    explicit Impl(Options o) : options(o) {}

    // Closes the connection, lets aborted operations finish (their handlers
    // refer to the caller's Exchange), and throws.
    [[noreturn]] void fail(std::string message) {
        close();
        io.restart();
        io.run();
        throw std::runtime_error("tierkv client: " + message);
    }

    void close() {
        asio::error_code ignored;
        socket.close(ignored);
        rx.clear();
        rx_start = 0;
        reader = protocol::ReplyReader();
    }

    void connect(const std::string& host, std::uint16_t port) {
        close();
        const std::string where = host + ":" + std::to_string(port);
        asio::error_code ec;
        asio::ip::tcp::resolver resolver(io);
        auto endpoints = resolver.resolve(host, std::to_string(port), ec);
        if (ec) fail("cannot resolve " + where + ": " + ec.message());
        bool done = false;
        asio::async_connect(socket, endpoints, [&](const asio::error_code& e, const auto&) {
            ec = e;
            done = true;
        });
        io.restart();
        const auto timeout = options.connect_timeout;
        while (!done) {  // one handler per endpoint tried
            if ((timeout.count() > 0 ? io.run_one_for(timeout) : io.run_one()) == 0) {
                fail("timed out after " + std::to_string(timeout.count()) + " ms connecting to " + where);
            }
        }
        if (ec) fail("cannot connect to " + where + ": " + ec.message());
        socket.set_option(asio::ip::tcp::no_delay(true), ec);
        if (ec) fail("cannot set TCP_NODELAY: " + ec.message());
    }

    // Writes `request` and reads `wanted` replies at the same time, so a
    // large pipeline cannot deadlock against a server that stops reading
    // while its replies are not being read.
    std::vector<RespValue> exchange(std::string_view request, std::size_t wanted) {
        if (!socket.is_open()) throw std::runtime_error("tierkv client: not connected");
        Exchange x;
        x.wanted = wanted;
        x.replies.reserve(wanted);
        if (request.empty()) {
            x.written = true;
        } else {
            asio::async_write(socket, asio::buffer(request.data(), request.size()),
                              [&x](const asio::error_code& ec, std::size_t) {
                                  if (ec && x.error.empty()) x.error = "write failed: " + ec.message();
                                  x.written = true;
                              });
        }
        if (parse_buffered(x) && x.replies.size() < x.wanted) read_more(x);
        wait(x);
        return std::move(x.replies);
    }

    // Runs handlers until the exchange is done. A timeout is the longest
    // the server may stay silent (or not accept bytes), not a deadline.
    void wait(Exchange& x) {
        io.restart();
        while (x.error.empty() && !(x.written && x.replies.size() >= x.wanted)) {
            const auto timeout = x.written ? options.read_timeout : options.write_timeout;
            const std::size_t ran = timeout.count() > 0 ? io.run_one_for(timeout) : io.run_one();
            if (ran == 0 && x.error.empty()) {
                x.error = "timed out after " + std::to_string(timeout.count()) + " ms " +
                          (x.written ? "waiting for a reply" : "writing a request");
            }
        }
        if (!x.error.empty()) fail(x.error);
    }

    void read_more(Exchange& x) {
        socket.async_read_some(asio::buffer(chunk), [this, &x](const asio::error_code& ec, std::size_t n) {
            if (ec) {
                if (x.error.empty()) {
                    x.error = ec == asio::error::eof ? "connection closed by the server" : "read failed: " + ec.message();
                }
                return;
            }
            rx.append(chunk.data(), n);
            if (parse_buffered(x) && x.replies.size() < x.wanted) read_more(x);
        });
    }

    // Moves complete replies from rx into x; false on a protocol error.
    bool parse_buffered(Exchange& x) {
        while (x.replies.size() < x.wanted) {
            const auto result = reader.parse(std::string_view(rx).substr(rx_start));
            if (result == protocol::ReplyReader::Result::kNeedMore) break;
            if (result == protocol::ReplyReader::Result::kError) {
                if (x.error.empty()) x.error = "protocol error in reply: " + reader.error();
                return false;
            }
            rx_start += reader.consumed();
            x.replies.push_back(reader.take_value());
        }
        // The reader keeps offsets relative to the unparsed input, so the
        // consumed prefix can go at any time; do it when it is cheap.
        if (rx_start > 0 && rx_start * 2 >= rx.size()) {
            rx.erase(0, rx_start);
            rx_start = 0;
        }
        return true;
    }
};

Client::Client(Options options) : impl_(std::make_unique<Impl>(options)) {}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

void Client::connect(const std::string& host, std::uint16_t port) { impl_->connect(host, port); }
bool Client::connected() const { return impl_->socket.is_open(); }
void Client::close() { impl_->close(); }

void Client::set_read_timeout(std::chrono::milliseconds timeout) { impl_->options.read_timeout = timeout; }
std::chrono::milliseconds Client::read_timeout() const { return impl_->options.read_timeout; }

RespValue Client::command(std::initializer_list<std::string_view> args) {
    return command(std::span<const std::string_view>(args.begin(), args.size()));
}

RespValue Client::command(std::span<const std::string> args) {
    std::string request;
    protocol::append_command(request, args);
    return std::move(impl_->exchange(request, 1).front());
}

RespValue Client::command(std::span<const std::string_view> args) {
    std::string request;
    protocol::append_command(request, args);
    return std::move(impl_->exchange(request, 1).front());
}

Pipeline Client::pipeline() { return Pipeline(*this); }

RespValue Client::hello(int protocol) {
    const std::string version = std::to_string(protocol);
    RespValue reply = command({"HELLO", version});
    if (!reply.is_error()) impl_->protocol = protocol;
    return reply;
}

int Client::protocol() const { return impl_->protocol; }

void Client::send_raw(std::string_view bytes) { impl_->exchange(bytes, 0); }
RespValue Client::read_reply() { return std::move(impl_->exchange({}, 1).front()); }

void Pipeline::add(std::initializer_list<std::string_view> args) {
    add(std::span<const std::string_view>(args.begin(), args.size()));
}

void Pipeline::add(std::span<const std::string> args) {
    protocol::append_command(requests_, args);
    ++count_;
}

void Pipeline::add(std::span<const std::string_view> args) {
    protocol::append_command(requests_, args);
    ++count_;
}

std::vector<RespValue> Pipeline::execute() {
    std::string requests = std::move(requests_);
    const std::size_t count = count_;
    requests_.clear();
    count_ = 0;
    if (count == 0) return {};
    return client_->impl_->exchange(requests, count);
}

}  // namespace tierkv::client
