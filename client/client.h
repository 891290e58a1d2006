// A small synchronous RESP client for tests and tools: one TCP connection,
// one command at a time or pipelined, with timeouts. Not thread-safe.
//
//   Client client;
//   client.connect("127.0.0.1", 6379);
//   RespValue reply = client.command({"SET", "key", "value"});
//
// Server error replies are returned as values (reply.is_error()); a timeout,
// a closed connection or unparsable bytes throw std::runtime_error and close
// the connection, since the stream can no longer be trusted.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/resp_value.h"

namespace tierkv::client {

using protocol::RespValue;

struct Options {
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds read_timeout{10000};  // zero: wait forever
    std::chrono::milliseconds write_timeout{10000};  // zero: wait forever
};

class Pipeline;

class Client {
public:
    explicit Client(Options options = {});
    ~Client();
    Client(Client&&) noexcept;
    Client& operator=(Client&&) noexcept;

    // Resolves `host`, connects within the connect timeout, sets TCP_NODELAY.
    void connect(const std::string& host, std::uint16_t port);
    bool connected() const;
    void close();

    void set_read_timeout(std::chrono::milliseconds timeout);
    std::chrono::milliseconds read_timeout() const;

    // Sends one command and reads its reply.
    RespValue command(std::initializer_list<std::string_view> args);
    RespValue command(std::span<const std::string> args);
    RespValue command(std::span<const std::string_view> args);

    // Commands queued on the pipeline go out in one write on execute().
    Pipeline pipeline();

    // Sends HELLO <protocol>; returns its reply (a map in RESP3).
    RespValue hello(int protocol);
    int protocol() const;  // 2 until a HELLO 3 succeeds

    // For tests of malformed input: write any bytes, read one reply.
    void send_raw(std::string_view bytes);
    RespValue read_reply();

private:
    friend class Pipeline;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Batches commands for one Client; it must outlive the pipeline.
class Pipeline {
public:
    void add(std::initializer_list<std::string_view> args);
    void add(std::span<const std::string> args);
    void add(std::span<const std::string_view> args);
    std::size_t size() const { return count_; }

    // Writes every queued command at once, then reads one reply per command
    // in order. The pipeline is empty afterwards and can be reused.
    std::vector<RespValue> execute();

private:
    friend class Client;
    explicit Pipeline(Client& client) : client_(&client) {}

    Client* client_;
    std::string requests_;
    std::size_t count_ = 0;
};

}  // namespace tierkv::client
