// One client connection: reads requests, runs every complete command in the
// buffer, and sends all their replies in one write (pipelining). Runs as a
// coroutine on the event loop thread that owns the socket.
#pragma once

#include <asio.hpp>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "protocol/reply_builder.h"
#include "protocol/request_parser.h"
#include "server/client_session.h"
#include "server/client_stream.h"
#include "server/command_clock.h"
#include "server/input_buffer.h"
#include "server/pubsub.h"

namespace tierkv::server {

class Server;
struct CommandSpec;

class Connection : public std::enable_shared_from_this<Connection> {
public:
    static void start(Server& server, ClientStream stream, std::shared_ptr<ClientSession> session);

    Connection(Server& server, ClientStream stream, std::shared_ptr<ClientSession> session);
    ~Connection();

private:
    // Buffers grown past this by a large request or reply are given back once idle.
    static constexpr std::size_t kKeepBuffer = 64 * 1024;

    asio::awaitable<void> run();
    // TLS: the handshake before the first request; false if it failed.
    asio::awaitable<bool> handshake();
    enum class InputState { kWaitForMore, kClose, kLoadFromTier, kTierBacklog, kRunOnTierPool };
    // Runs every complete command in the input, up to one that blocks. Stops
    // early, leaving the command in the buffer, when it names keys that must
    // first be read from the tier (kLoadFromTier, the keys in keys_to_load_)
    // or when the tier's writer is far behind (kTierBacklog).
    InputState process_input();
    // After a command ran: moves past it, and says why input stops here
    // (blocked, closing, over the output limit), if it does.
    std::optional<InputState> after_command();
    // process_input() until done, loading from the tier or waiting for its
    // writer as asked; false when the connection must close once the replies
    // written so far are sent.
    asio::awaitable<bool> run_input();
    // Reads keys_to_load_ from the tier on the tier's thread pool, so the
    // event loop serves other clients meanwhile, and puts them in memory.
    asio::awaitable<void> load_from_tier();
    // Adds the tier keys of the complete commands after `from` to keys_to_load_.
    void collect_keys_ahead(std::size_t from);
    // Parses the buffered commands from `from` on (up to a limit), keeps
    // them in parsed_ahead_ and prefetches the table entries they will look
    // up; returns the input offset to do it again at.
    std::size_t prefetch_keys_ahead(std::size_t from);
    // Makes the command at input_begin_ current if the look-ahead parsed it.
    bool take_parsed_ahead();
    // Durability always: holds the replies until the tier has synced.
    asio::awaitable<void> wait_until_durable();
    // Runs the command at the front of the input on the tier's threads: it
    // walks the tier (KEYS, SCAN), or its keys keep leaving memory.
    asio::awaitable<void> run_on_tier_pool();
    // Pauses this connection while the tier's writer is far behind.
    asio::awaitable<void> wait_for_tier_writer();
    asio::awaitable<void> flush_output();
    // Writes the replies and the values they reference (output_refs_).
    asio::awaitable<void> write_with_refs();
    // sendfile() of `size` bytes at `offset` of the value pages' file.
    asio::awaitable<void> send_file(const storage::ValuePages& pages, std::uint64_t offset, std::size_t size);
    // What the replies not yet sent hold: their bytes and referenced values.
    std::size_t pending_output_bytes() const;
    void drop_output();

    // Pub/Sub: a published message for this client, on its thread. Messages
    // leave through write_pushes() while the connection waits for input;
    // flush_output() takes over (and keeps their order) when replies are due.
    void deliver(const PublishedMessage& message, const std::string* pattern);
    void start_push_writer();
    asio::awaitable<void> write_pushes();
    // client-output-buffer-limit, pubsub class.
    bool over_output_limit();
    asio::awaitable<bool> wait_for_wake_or_deadline();

    // While a command is blocked (session_->blocked, see server/blocking.h):
    // waits for a wake or the deadline without holding the thread, reading
    // (not running) any further input; false when the client went away.
    asio::awaitable<bool> wait_while_blocked();
    void on_wake();
    // Runs the blocked command again; a reply means it is done.
    void rerun_blocked_command();
    void end_block();
    void make_room_for_read();
    // A large bulk argument that has not all arrived is read straight into
    // the buffer its value will share (see RequestParser::pending_bulk).
    void start_direct_bulk(const protocol::RequestParser::PendingBulk& bulk);
    bool direct_bulk_complete() const;
    asio::awaitable<std::size_t> read_direct_bulk();
    void attach_direct_bulk();
    void set_receive_low_water(std::size_t bytes);
    void end_direct_bulk();  // the command it belongs to is done
    void close_soon();  // on the connection's thread
    void release_idle_buffers();

    Server& server_;
    ClientStream stream_;
    std::shared_ptr<ClientSession> session_;
    protocol::RequestParser parser_;
    CommandClock clock_;  // the times of the commands process_input runs
    protocol::RequestParser lookahead_parser_;  // prefetch_keys_ahead's, kept for its buffers
    // The command process_input is at: its arguments (views into input_,
    // into a parser, or into parsed_ahead_args_) and its bytes in input_.
    std::span<const std::string_view> command_args_;
    std::size_t command_size_ = 0;
    const CommandSpec* command_spec_ = nullptr;  // found by the look-ahead; null: not looked up
    // Multibulk commands the look-ahead parsed, each run from here instead
    // of being parsed twice. Their views point into input_, so they hold
    // only until process_input() returns (and a tier-pool run after it).
    struct ParsedAhead {
        std::size_t offset;  // in input_
        std::size_t size;
        std::size_t first_arg;  // in parsed_ahead_args_
        std::size_t arg_count;
        const CommandSpec* command;  // CommandTable::find(its name)
    };
    std::vector<ParsedAhead> parsed_ahead_;
    std::vector<std::string_view> parsed_ahead_args_;
    std::size_t next_parsed_ahead_ = 0;

    // Received bytes not yet consumed live in input_[input_begin_, input_end_).
    InputBuffer input_;
    std::size_t input_begin_ = 0;
    std::size_t input_end_ = 0;
    struct DirectBulk {
        storage::SharedString bytes;  // its size is the bulk's length
        std::size_t filled;           // bytes received so far
    };
    std::optional<DirectBulk> direct_bulk_;
    std::size_t receive_low_water_ = 1;  // SO_RCVLOWAT now set on the socket
    // When the buffers last held more than they keep when idle: a client
    // streaming large values keeps its large buffers instead of growing them
    // from scratch for every value.
    std::int64_t buffers_last_large_ms_ = 0;

    // Replies not yet sent: their bytes, and the large values they reference
    // at offsets of those bytes (written from where they are stored).
    std::string output_;
    std::vector<protocol::ReplyRef> output_refs_;
    std::vector<asio::const_buffer> write_buffers_;
    protocol::ReplyBuilder reply_;
    bool writing_ = false;
    bool closing_ = false;

    // The blocked command, copied: the input buffer moves on while it waits.
    std::vector<std::string> blocked_args_;
    std::vector<std::string_view> blocked_views_;
    asio::steady_timer block_timer_;
    bool woken_ = false;

    std::string push_out_;            // messages not yet written
    std::size_t push_inflight_ = 0;   // bytes write_pushes() is writing
    bool push_writing_ = false;       // write_pushes() runs (writing_ is set too)
    bool flush_waiting_ = false;      // flush_output() waits for write_pushes()
    std::int64_t over_soft_limit_since_ms_ = 0;
    asio::steady_timer write_done_;

    std::vector<std::string> keys_to_load_;
    // Loads from the tier for the next command so far. Its keys can leave
    // memory again before it runs (eviction); after a few loads the command
    // reads them itself rather than chase a churning memory.
    int tier_loads_for_command_ = 0;
    static constexpr int kMaxTierLoads = 3;
};

}  // namespace tierkv::server
