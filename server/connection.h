// One client connection: reads requests, runs every complete command in the
// buffer, and sends all their replies in one write (pipelining). Runs as a
// coroutine on the event loop thread that owns the socket.
#pragma once

#include <asio.hpp>

#include <memory>
#include <string>
#include <vector>

#include "protocol/reply_builder.h"
#include "protocol/request_parser.h"
#include "server/client_session.h"

namespace tierkv::server {

class Server;

class Connection : public std::enable_shared_from_this<Connection> {
public:
    static void start(Server& server, asio::ip::tcp::socket socket, std::shared_ptr<ClientSession> session);

    Connection(Server& server, asio::ip::tcp::socket socket, std::shared_ptr<ClientSession> session);
    ~Connection();

private:
    asio::awaitable<void> run();
    // Runs every complete command in the input, up to one that blocks;
    // false when the connection must close once the replies written so far
    // are sent.
    bool process_input();
    asio::awaitable<void> flush_output();

    // While a command is blocked (session_->blocked, see server/blocking.h):
    // waits for a wake or the deadline without holding the thread, reading
    // (not running) any further input; false when the client went away.
    asio::awaitable<bool> wait_while_blocked();
    bool read_while_blocked();
    void on_wake();
    // Runs the blocked command again; a reply means it is done.
    void rerun_blocked_command();
    void end_block();
    void make_room_for_read();
    void close_soon();  // on the connection's thread
    void release_idle_buffers();

    Server& server_;
    asio::ip::tcp::socket socket_;
    std::shared_ptr<ClientSession> session_;
    protocol::RequestParser parser_;

    // Received bytes not yet consumed live in input_[input_begin_, input_end_).
    std::vector<char> input_;
    std::size_t input_begin_ = 0;
    std::size_t input_end_ = 0;

    std::string output_;
    protocol::ReplyBuilder reply_;
    bool writing_ = false;
    bool closing_ = false;

    // The blocked command, copied: the input buffer moves on while it waits.
    std::vector<std::string> blocked_args_;
    std::vector<std::string_view> blocked_views_;
    asio::steady_timer block_timer_;
    bool woken_ = false;
};

}  // namespace tierkv::server
