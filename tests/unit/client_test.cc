// Client against a real redis-server that each test starts on a free port.
#include <catch2/catch.hpp>

#include <asio.hpp>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <memory>
#include <optional>
#include <spawn.h>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "client/client.h"

using tierkv::client::Client;
using tierkv::client::Options;
using tierkv::client::RespValue;
using V = RespValue;
using namespace std::chrono_literals;

extern char** environ;

namespace {

constexpr const char* kRedisServer = "/usr/bin/redis-server";

std::uint16_t free_port() {
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return acceptor.local_endpoint().port();
}

// A redis-server child process, killed and reaped on destruction.
class RedisServer {
public:
    // Returns nullptr if redis-server is not installed.
    static std::unique_ptr<RedisServer> start() {
        if (access(kRedisServer, X_OK) != 0) return nullptr;
        // The free port can be taken between the probe and the bind: retry.
        for (int attempt = 0; attempt < 5; ++attempt) {
            auto server = std::unique_ptr<RedisServer>(new RedisServer(free_port()));
            if (server->wait_until_ready()) return server;
        }
        throw std::runtime_error("redis-server did not start");
    }

    ~RedisServer() {
        if (pid_ <= 0) return;  // never kill(-1, ...): that signals every process
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }

    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    std::uint16_t port() const { return port_; }

    Client connect(Options options = {}) const {
        Client client(options);
        client.connect("127.0.0.1", port_);
        return client;
    }

private:
    explicit RedisServer(std::uint16_t port) : port_(port) {
        const std::string port_text = std::to_string(port);
        std::vector<std::string> args = {kRedisServer, "--port", port_text, "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no", "--daemonize", "no"};
        std::vector<char*> argv;
        for (std::string& arg : args) argv.push_back(arg.data());
        argv.push_back(nullptr);

        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        const int rc = posix_spawn(&pid_, kRedisServer, &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        if (rc != 0) throw std::runtime_error("cannot start redis-server: " + std::to_string(rc));
    }

    bool wait_until_ready() {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < deadline) {
            if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
                pid_ = -1;  // exited, most likely because the port was taken
                return false;
            }
            try {
                Client client(Options{.connect_timeout = 500ms, .read_timeout = 1000ms});
                client.connect("127.0.0.1", port_);
                if (client.command({"PING"}) == V::simple("PONG")) return true;
            } catch (const std::runtime_error&) {
            }
            std::this_thread::sleep_for(20ms);
        }
        return false;
    }

    pid_t pid_ = -1;
    std::uint16_t port_;
};

// Starts redis-server for one test, or warns that it is skipped.
#define START_REDIS_OR_SKIP(server)                                    \
    auto server = RedisServer::start();                                \
    if (!server) {                                                     \
        WARN("skipped: " << kRedisServer << " is not installed");      \
        return;                                                        \
    }

}  // namespace

TEST_CASE("client: SET and GET", "[client]") {
    START_REDIS_OR_SKIP(redis);
    Client client = redis->connect();
    CHECK(client.connected());
    CHECK(client.protocol() == 2);
    CHECK(client.command({"SET", "key", "value"}) == V::simple("OK"));
    CHECK(client.command({"GET", "key"}) == V::bulk("value"));

    const std::vector<std::string> binary = {"SET", "bin", std::string("a\r\n\0b", 5)};
    CHECK(client.command(binary) == V::simple("OK"));
    const std::vector<std::string_view> get = {"GET", "bin"};
    CHECK(client.command(get) == V::bulk(std::string_view("a\r\n\0b", 5)));

    const std::string big(1 << 20, 'x');
    CHECK(client.command({"SET", "big", big}) == V::simple("OK"));
    CHECK(client.command({"GET", "big"}) == V::bulk(big));
}

TEST_CASE("client: pipeline of 1000 INCRs", "[client]") {
    START_REDIS_OR_SKIP(redis);
    Client client = redis->connect();
    auto pipeline = client.pipeline();
    CHECK(pipeline.execute().empty());
    for (int i = 0; i < 1000; ++i) pipeline.add({"INCR", "counter"});
    CHECK(pipeline.size() == 1000);
    std::vector<RespValue> replies = pipeline.execute();
    REQUIRE(replies.size() == 1000);
    for (int i = 0; i < 1000; ++i) REQUIRE(replies[i] == V::integer_value(i + 1));
    CHECK(pipeline.size() == 0);

    // Reusable, and mixed argument types.
    const std::vector<std::string> get = {"GET", "counter"};
    pipeline.add(get);
    pipeline.add({"NOSUCHCOMMAND"});
    pipeline.add({"PING"});
    replies = pipeline.execute();
    REQUIRE(replies.size() == 3);
    CHECK(replies[0] == V::bulk("1000"));
    CHECK(replies[1].is_error());
    CHECK(replies[2] == V::simple("PONG"));
}

TEST_CASE("client: large pipeline whose replies exceed the socket buffers", "[client]") {
    START_REDIS_OR_SKIP(redis);
    Client client = redis->connect();
    const std::string value(1000, 'v');
    REQUIRE(client.command({"SET", "k", value}) == V::simple("OK"));
    auto pipeline = client.pipeline();
    for (int i = 0; i < 20000; ++i) pipeline.add({"GET", "k"});
    std::vector<RespValue> replies = pipeline.execute();  // ~20 MB each way
    REQUIRE(replies.size() == 20000);
    CHECK(replies.front() == V::bulk(value));
    CHECK(replies.back() == V::bulk(value));
}

TEST_CASE("client: HELLO 3 returns a map and switches to RESP3", "[client]") {
    START_REDIS_OR_SKIP(redis);
    Client client = redis->connect();
    RespValue hello = client.hello(3);
    INFO(hello.to_string());
    REQUIRE(hello.type == V::kMap);
    REQUIRE(hello.find("server") != nullptr);
    CHECK(*hello.find("server") == V::bulk("redis"));
    REQUIRE(hello.find("proto") != nullptr);
    CHECK(*hello.find("proto") == V::integer_value(3));
    CHECK(client.protocol() == 3);

    CHECK(client.command({"GET", "missing"}) == V::null());  // "_"
    CHECK(client.command({"SADD", "s", "a"}) == V::integer_value(1));
    CHECK(client.command({"SMEMBERS", "s"}) == V::set({V::bulk("a")}));
    CHECK(client.command({"HSET", "h", "f", "v"}) == V::integer_value(1));
    CHECK(client.command({"HGETALL", "h"}) == V::map({V::bulk("f"), V::bulk("v")}));

    RespValue back = client.hello(2);
    CHECK(back.type == V::kArray);
    CHECK(back.find("proto") != nullptr);
    CHECK(client.protocol() == 2);
    CHECK(client.command({"HGETALL", "h"}) == V::array({V::bulk("f"), V::bulk("v")}));

    RespValue bad = client.hello(4);
    CHECK(bad.is_error());
    CHECK(client.protocol() == 2);
}

TEST_CASE("client: error replies are values", "[client]") {
    START_REDIS_OR_SKIP(redis);
    Client client = redis->connect();
    RespValue unknown = client.command({"NOSUCHCOMMAND", "x"});
    REQUIRE(unknown.is_error());
    CHECK(unknown.str.starts_with("ERR unknown command 'NOSUCHCOMMAND'"));

    CHECK(client.command({"LPUSH", "list", "a"}) == V::integer_value(1));
    RespValue wrongtype = client.command({"GET", "list"});
    CHECK(wrongtype == V::error("WRONGTYPE Operation against a key holding the wrong kind of value"));
    CHECK(client.command({"PING"}) == V::simple("PONG"));  // still connected
}

TEST_CASE("client: null replies", "[client]") {
    START_REDIS_OR_SKIP(redis);
    Client client = redis->connect();
    CHECK(client.command({"GET", "missing"}) == V::null());            // $-1
    CHECK(client.command({"BLPOP", "missing", "0.01"}) == V::null());  // *-1
    client.hello(3);
    CHECK(client.command({"GET", "missing"}) == V::null());            // _
    CHECK(client.command({"BLPOP", "missing", "0.01"}) == V::null());
}

TEST_CASE("client: read timeout on a blocking command", "[client]") {
    START_REDIS_OR_SKIP(redis);
    Client client = redis->connect();
    client.set_read_timeout(200ms);
    CHECK(client.read_timeout() == 200ms);
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_WITH(client.command({"BLPOP", "nosuchlist", "0"}),
                      Catch::Contains("timed out after 200 ms waiting for a reply"));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(elapsed >= 190ms);
    CHECK(elapsed < 5s);
    // The reply could still arrive later: the connection is closed.
    CHECK_FALSE(client.connected());
    CHECK_THROWS_WITH(client.command({"PING"}), Catch::Contains("not connected"));

    client.connect("127.0.0.1", redis->port());
    CHECK(client.command({"PING"}) == V::simple("PONG"));
}

TEST_CASE("client: malformed request, then the server closes", "[client]") {
    START_REDIS_OR_SKIP(redis);
    Client client = redis->connect();
    client.send_raw("*1\r\n+OK\r\n");
    CHECK(client.read_reply() == V::error("ERR Protocol error: expected '$', got '+'"));
    CHECK_THROWS_WITH(client.read_reply(), Catch::Contains("connection closed by the server"));
    CHECK_FALSE(client.connected());
}

TEST_CASE("client: send_raw with an inline command split in pieces", "[client]") {
    START_REDIS_OR_SKIP(redis);
    Client client = redis->connect();
    client.send_raw("ECHO \"hel");
    client.send_raw("lo\"\r\nPING\r\n");
    CHECK(client.read_reply() == V::bulk("hello"));
    CHECK(client.read_reply() == V::simple("PONG"));
}

TEST_CASE("client: RESP3 push messages", "[client]") {
    START_REDIS_OR_SKIP(redis);
    Client subscriber = redis->connect();
    subscriber.hello(3);
    CHECK(subscriber.command({"SUBSCRIBE", "news"}) ==
          V::push({V::bulk("subscribe"), V::bulk("news"), V::integer_value(1)}));

    Client publisher = redis->connect();
    CHECK(publisher.command({"PUBLISH", "news", "hi"}) == V::integer_value(1));
    CHECK(subscriber.read_reply() == V::push({V::bulk("message"), V::bulk("news"), V::bulk("hi")}));
}

TEST_CASE("client: connection errors", "[client]") {
    Client client(Options{.connect_timeout = 2000ms});
    CHECK_FALSE(client.connected());
    CHECK_THROWS_WITH(client.command({"PING"}), Catch::Contains("not connected"));
    // Nothing listens on a port just released.
    CHECK_THROWS_WITH(client.connect("127.0.0.1", free_port()), Catch::Contains("cannot connect to 127.0.0.1:"));
    CHECK_FALSE(client.connected());
}
