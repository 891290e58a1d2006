// One benchmark connection: an Asio state machine on its worker thread's
// io_context. It writes a batch of up to --pipeline requests, encoded into
// one buffer, in one write; parses the replies incrementally as they
// arrive; and sends the next batch when the last reply is in. A cache-aside
// miss queues a SET of that key at the head of the next batch. Connection
// failures are counted and the connection is made again.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "client/bench/options.h"
#include "client/bench/stats.h"
#include "client/bench/trace_writer.h"
#include "client/bench/workload.h"
#include "protocol/reply_reader.h"

namespace tierkv::bench {

// What the connections of one worker thread share; all of it is used on
// that thread only.
struct ThreadContext {
    const Options& options;
    asio::ip::tcp::resolver::results_type endpoints;
    Workload& workload;
    Stats& stats;
    TraceBuffer& trace;
    std::string_view value_bytes;  // SET values are prefixes of these
    std::string& last_error;       // the latest connection failure
    // After connect(): empty on success, else why it failed.
    std::function<void(const std::string& error)> on_connected;
    // After run(): the connection has nothing more to send.
    std::function<void()> on_finished;
};

class Connection {
public:
    Connection(asio::io_context& io, ThreadContext& context);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Connects (and sends HELLO 3 with --resp3), then calls on_connected.
    void connect();
    // Sends batches until the workload is done, then calls on_finished.
    void run();

private:
    using Clock = std::chrono::steady_clock;

    // A request whose reply has not been read yet.
    struct Pending {
        enum Kind { kGet, kSet, kFill, kHello };
        Kind kind;
        std::uint64_t key;
    };

    void on_connect(const asio::error_code& ec);
    // Starts the next batch now, or when it is due under --rate.
    void start_batch_when_due();
    void start_batch();
    void send();
    void read();
    void set_receive_low_water(std::size_t bytes);
    void on_write(const asio::error_code& ec);
    void on_read(const asio::error_code& ec, std::size_t bytes);
    bool parse_replies(Clock::time_point now);
    // A large bulk reply at the front of the input: its header is consumed
    // and its bytes are skipped as they arrive, never buffered or copied.
    enum class LargeBulk { kNo, kSkipping, kHeaderIncomplete };
    LargeBulk start_skipping_large_bulk();
    void handle_reply(const Pending& pending, const protocol::RespValue& reply, Clock::time_point now);
    void batch_done();
    void add_request(Pending::Kind kind, std::uint64_t key);
    void fail(std::string message);
    void after_failure();
    void finish();

    ThreadContext& ctx_;
    asio::ip::tcp::socket socket_;
    asio::steady_timer retry_timer_;
    asio::steady_timer pace_timer_;
    Clock::time_point batch_due_{};  // --rate: when the current or next batch is due
    KeyFormatter keys_;
    protocol::ReplyReader reader_;

    bool running_ = false;  // run() was called: failures reconnect
    bool handshaking_ = false;
    bool broken_ = false;   // failed; waiting for the pending handlers
    bool reading_ = false;
    bool writing_ = false;
    bool write_done_ = false;
    int failures_in_a_row_ = 0;
    std::string error_;

    std::string request_;             // the batch being sent
    // Large SET values are not copied into request_: each is written from
    // value_bytes at its offset in request_ (scatter-gather).
    struct Splice {
        std::size_t offset;
        std::string_view bytes;
    };
    std::vector<Splice> splices_;
    std::vector<asio::const_buffer> write_buffers_;
    std::vector<Pending> in_flight_;  // one per request, in order
    std::size_t replied_ = 0;         // replies read for in_flight_
    std::vector<std::uint64_t> fills_;  // cache-aside misses to SET next
    Clock::time_point sent_at_;

    std::vector<char> rx_;  // received bytes; [rx_begin_, rx_end_) unparsed
    std::size_t rx_begin_ = 0;
    std::size_t rx_end_ = 0;
    std::uint64_t skip_left_ = 0;  // bytes of a large bulk reply still to skip
    std::size_t receive_low_water_ = 1;  // SO_RCVLOWAT now set on socket_
};

}  // namespace tierkv::bench
