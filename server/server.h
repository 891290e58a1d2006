// The one server instance: owns the keyspace, the command table, the event
// loop threads and the listening socket, and starts and stops them.
#pragma once

#include <asio.hpp>
#include <asio/ssl/context.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "server/acl.h"
#include "server/blocking.h"
#include "server/client_registry.h"
#include "server/command_stats.h"
#include "server/command_table.h"
#include "server/config.h"
#include "server/pubsub.h"
#include "server/slowlog.h"
#include "server/stats_sampler.h"
#include "storage/keyspace.h"
#include "storage/warmup.h"

namespace tierkv::server {

// Counters every thread bumps; relaxed atomics, read by INFO.
struct ServerStats {
    std::atomic<std::uint64_t> commands_processed{0};
    std::atomic<std::uint64_t> connections_received{0};
    std::atomic<std::uint64_t> rejected_connections{0};
    std::atomic<std::uint64_t> connections_closed{0};
    std::atomic<std::uint64_t> net_input_bytes{0};
    std::atomic<std::uint64_t> net_output_bytes{0};
    std::atomic<std::uint64_t> error_replies{0};
    std::atomic<std::uint64_t> unexpected_error_replies{0};

    void reset();
};

// Settings read on every request, kept as atomics so CONFIG SET can change
// them without a lock on the hot path.
struct HotSettings {
    std::atomic<std::int64_t> proto_max_bulk_len{0};
    std::atomic<std::int64_t> client_query_buffer_limit{0};
    std::atomic<int> maxclients{0};
    std::atomic<bool> protected_mode{true};
    std::atomic<std::int64_t> slowlog_log_slower_than{0};
    std::atomic<std::int64_t> slowlog_max_len{0};
    // client-output-buffer-limit of the normal and pubsub classes (0: no limit).
    struct OutputLimit {
        std::atomic<std::int64_t> hard{0};
        std::atomic<std::int64_t> soft{0};
        std::atomic<std::int64_t> soft_seconds{0};
    };
    OutputLimit normal_output;
    OutputLimit pubsub_output;
    std::atomic<int> timeout_s{0};  // close clients idle this long; 0: never
};

class Server {
public:
    explicit Server(Config config);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds the listening socket and starts the threads. Returns an error
    // message (and starts nothing) if the address cannot be used.
    std::optional<std::string> start();
    // Blocks until the server has stopped.
    void wait();
    // Stops accepting, lets in-flight replies finish, closes every client.
    // Safe from any thread, any number of times.
    void request_shutdown();

    storage::Keyspace& keyspace() { return keyspace_; }
    const CommandTable& commands() const { return commands_; }
    ClientRegistry& clients() { return clients_; }
    ServerStats& stats() { return stats_; }
    StatsSampler& sampler() { return sampler_; }
    CommandStats& command_stats() { return command_stats_; }
    SlowLog& slowlog() { return slowlog_; }
    BlockingRegistry& blocking() { return blocking_; }
    PubSubRegistry& pubsub() { return pubsub_; }
    Acl& acl() { return acl_; }
    const Acl& acl() const { return acl_; }
    const HotSettings& hot() const { return hot_; }

    Config config() const;
    // CONFIG SET: validates and applies; returns Redis's error text on failure.
    std::optional<std::string> set_config(std::string_view name, std::string_view value);
    // CONFIG SET of several (name, value) pairs: every change is applied or
    // none is; returns Redis's error text (no "ERR ") for the first problem.
    using ConfigChange = std::pair<std::string_view, std::string_view>;
    std::optional<std::string> set_configs(std::span<const ConfigChange> changes);

    std::uint16_t port() const { return port_; }  // 0 when only TLS is served
    std::uint16_t tls_port() const { return tls_port_; }
    const std::string& run_id() const { return run_id_; }
    std::int64_t start_time_ms() const { return start_time_ms_; }
    std::size_t thread_count() const { return loops_.size(); }
    bool stopping() const { return stopping_.load(); }

    // Durability always: replies to writes wait for the tier's WAL sync.
    bool syncs_every_write() const { return sync_every_write_; }

    // The warm-up job (null without a tier).
    storage::Warmup* warmup() { return warmup_.get(); }

    // Threads that read the tier, so event loops never wait on the disk.
    asio::thread_pool::executor_type tier_pool() { return tier_pool_.get_executor(); }

    // Runs `work` on the background thread (frees flushed data, housekeeping).
    void post_background(std::function<void()> work);

private:
    std::optional<std::string> listen(asio::ip::tcp::acceptor& acceptor, const asio::ip::address& address,
                                      int port);
    void accept_next(asio::ip::tcp::acceptor& acceptor);
    void wait_for_signal();
    void on_accepted(asio::ip::tcp::socket socket, bool tls);
    bool refused_by_protected_mode(const asio::ip::tcp::socket& socket) const;
    void schedule_housekeeping();
    void apply_hot_settings(const Config& config);
    void evict_in_background(std::int64_t deadline_steady_ms);
    // Closes the clients idle for longer than `timeout` (checked once a second).
    void close_idle_clients();
    std::optional<std::string> open_tier(const Config& config);
    std::optional<std::string> apply_access_config(const Config& config);
    void return_freed_memory();
    void sample_stats();

    mutable std::mutex config_mutex_;
    Config config_;
    HotSettings hot_;
    storage::Keyspace keyspace_;
    CommandTable commands_;
    Acl acl_;
    ClientRegistry clients_;
    BlockingRegistry blocking_;
    PubSubRegistry pubsub_;
    ServerStats stats_;
    StatsSampler sampler_;
    CommandStats command_stats_;
    SlowLog slowlog_;
    std::string run_id_;
    std::int64_t start_time_ms_;
    std::uint16_t port_ = 0;
    std::uint16_t tls_port_ = 0;
    // Shared by every TLS connection, so declared before the loops that hold them.
    std::optional<asio::ssl::context> tls_context_;

    // One io_context per event loop thread; connections are spread over them.
    std::vector<std::unique_ptr<asio::io_context>> loops_;
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> loop_guards_;
    std::vector<std::thread> loop_threads_;
    std::atomic<std::size_t> next_loop_{0};

    asio::thread_pool tier_pool_{2};
    std::unique_ptr<storage::Warmup> warmup_;
    bool sync_every_write_ = false;
    bool sync_every_second_ = false;
    std::int64_t last_wal_sync_ms_ = 0;
    std::int64_t last_idle_check_ms_ = 0;
    bool tier_saved_ = false;

    // The background thread: accepts connections, catches signals, runs active expiry.
    asio::io_context background_;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> background_guard_;
    std::thread background_thread_;
    asio::ip::tcp::acceptor acceptor_;
    asio::ip::tcp::acceptor tls_acceptor_;
    asio::signal_set signals_;
    asio::steady_timer housekeeping_timer_;
    std::atomic<bool> stopping_{false};
    std::uint64_t closed_at_last_trim_ = 0;
};

}  // namespace tierkv::server
