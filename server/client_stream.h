// The byte stream of one client: a TCP socket, or TLS over one. It is an
// Asio AsyncReadStream and AsyncWriteStream, so the connection's code (and
// asio::async_write) is the same for both; the plain path costs one branch
// per operation, with no virtual call, extra copy or coroutine frame.
#pragma once

#include <asio.hpp>
#include <asio/ssl.hpp>

#include <variant>

namespace tierkv::server {

class ClientStream {
public:
    using Socket = asio::ip::tcp::socket;
    using Tls = asio::ssl::stream<Socket>;
    using executor_type = Socket::executor_type;

    explicit ClientStream(Socket socket) : stream_(std::in_place_type<Socket>, std::move(socket)) {}
    ClientStream(Socket socket, asio::ssl::context& tls) : stream_(std::in_place_type<Tls>, std::move(socket), tls) {}

    bool is_tls() const { return std::holds_alternative<Tls>(stream_); }
    // The TCP socket underneath: cancel, close, wait for readability.
    Socket& socket() {
        Tls* tls = std::get_if<Tls>(&stream_);
        return tls ? tls->next_layer() : std::get<Socket>(stream_);
    }
    executor_type get_executor() { return socket().get_executor(); }

    template <typename MutableBuffers, typename Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(asio::error_code, std::size_t)>(
            [this](auto handler, const MutableBuffers& b) {
                if (Tls* tls = std::get_if<Tls>(&stream_)) {
                    tls->async_read_some(b, std::move(handler));
                } else {
                    std::get<Socket>(stream_).async_read_some(b, std::move(handler));
                }
            },
            token, buffers);
    }

    template <typename ConstBuffers, typename Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(asio::error_code, std::size_t)>(
            [this](auto handler, const ConstBuffers& b) {
                if (Tls* tls = std::get_if<Tls>(&stream_)) {
                    tls->async_write_some(b, std::move(handler));
                } else {
                    std::get<Socket>(stream_).async_write_some(b, std::move(handler));
                }
            },
            token, buffers);
    }

    // TLS only: the server side of the handshake.
    template <typename Token>
    auto async_handshake(Token&& token) {
        return std::get<Tls>(stream_).async_handshake(asio::ssl::stream_base::server, std::forward<Token>(token));
    }

private:
    std::variant<Socket, Tls> stream_;
};

}  // namespace tierkv::server
