#include "server/server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "server/connection.h"
#include "server/logging.h"
#include "server/memory_usage.h"
#include "server/tls.h"
#include "storage/clock.h"
#include "storage/value_pages.h"

namespace tierkv::server {
namespace {

// tcp-keepalive as Redis sets it: the first probe after `interval` idle
// seconds, then every interval/3, and the peer is dropped after 3 unanswered.
void enable_keepalive(asio::ip::tcp::socket& socket, int interval) {
    asio::error_code ec;
    socket.set_option(asio::socket_base::keep_alive(true), ec);
    const int fd = socket.native_handle();
    const int every = std::max(1, interval / 3);
    const int probes = 3;
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &interval, sizeof interval);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &every, sizeof every);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
}

std::int64_t steady_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

std::string random_hex(std::size_t length) {
    std::random_device rd;
    std::mt19937_64 rng(rd());
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(length, '0');
    for (char& c : out) c = kDigits[rng() % 16];
    return out;
}

// Redis's text, sent before closing a refused connection.
constexpr std::string_view kProtectedModeError =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the "
    "default user. In this mode connections are only accepted from the loopback interface. If you want to connect "
    "from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode "
    "sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the "
    "same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do "
    "so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected "
    "mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then "
    "restarting the server. 3) If you started the server manually just for testing, restart it with the "
    "'--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only "
    "need to do one of the above things in order for the server to start accepting connections from the "
    "outside.\r\n";

bool is_loopback(const asio::ip::address& address) {
    if (address.is_v4()) return address.to_v4().is_loopback();
    const asio::ip::address_v6 v6 = address.to_v6();
    if (v6.is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, v6).is_loopback();
    return v6.is_loopback();
}

std::size_t resolve_threads(const Config& config) {
    if (config.threads > 0) return static_cast<std::size_t>(config.threads);
    return std::max(1u, std::thread::hardware_concurrency());
}

std::size_t resolve_shards(const Config& config) {
    if (config.shards > 0) return static_cast<std::size_t>(config.shards);
    // Many more shards than threads, so two threads rarely want the same lock.
    return std::max<std::size_t>(64, resolve_threads(config) * 16);
}

}  // namespace

void ServerStats::reset() {
    commands_processed = 0;
    connections_received = 0;
    rejected_connections = 0;
    net_input_bytes = 0;
    net_output_bytes = 0;
    error_replies = 0;
    unexpected_error_replies = 0;
}

Server::Server(Config config)
    : config_(std::move(config)),
      keyspace_(resolve_shards(config_), static_cast<std::size_t>(config_.databases)),
      commands_(CommandTable::build()),
      acl_(commands_),
      command_stats_(commands_.stats_slots()),
      run_id_(random_hex(40)),
      start_time_ms_(storage::unix_time_ms()),
      acceptor_(background_),
      tls_acceptor_(background_),
      signals_(background_),
      housekeeping_timer_(background_) {
    apply_hot_settings(config_);
    acl_.set_default_password(config_.requirepass);
}

Server::~Server() {
    request_shutdown();
    wait();
}

void Server::apply_hot_settings(const Config& config) {
    hot_.proto_max_bulk_len = config.proto_max_bulk_len;
    hot_.client_query_buffer_limit = config.client_query_buffer_limit;
    auto set_limit = [](HotSettings::OutputLimit& hot, const OutputBufferLimit& limit) {
        hot.hard = limit.hard_bytes;
        hot.soft = limit.soft_bytes;
        hot.soft_seconds = limit.soft_seconds;
    };
    set_limit(hot_.normal_output, config.client_output_buffer_limit[0]);
    set_limit(hot_.pubsub_output, config.client_output_buffer_limit[2]);
    hot_.timeout_s = config.timeout;
    hot_.maxclients = config.maxclients;
    keyspace_.set_maxmemory(config.maxmemory);
    auto& eviction = keyspace_.eviction_settings();
    eviction.samples = config.maxmemory_samples;
    eviction.lfu_log_factor = config.lfu_log_factor;
    eviction.lfu_decay_time = config.lfu_decay_time;
    keyspace_.encoding_settings().store(storage::EncodingLimits{
        .hash_max_listpack_entries = static_cast<std::size_t>(config.hash_max_listpack_entries),
        .hash_max_listpack_value = static_cast<std::size_t>(config.hash_max_listpack_value),
        .set_max_intset_entries = static_cast<std::size_t>(config.set_max_intset_entries),
        .set_max_listpack_entries = static_cast<std::size_t>(config.set_max_listpack_entries),
        .set_max_listpack_value = static_cast<std::size_t>(config.set_max_listpack_value),
        .list_max_listpack_size = config.list_max_listpack_size,
        .zset_max_listpack_entries = static_cast<std::size_t>(config.zset_max_listpack_entries),
        .zset_max_listpack_value = static_cast<std::size_t>(config.zset_max_listpack_value),
    });
    if (keyspace_.eviction_policy() != config.maxmemory_policy) {
        keyspace_.set_eviction_policy(config.maxmemory_policy);
    }
    if (storage::Tier* tier = keyspace_.tier()) tier->set_max_pending_bytes(config.tier_max_pending);
    hot_.protected_mode = config.protected_mode;
    hot_.slowlog_log_slower_than = config.slowlog_log_slower_than;
    hot_.slowlog_max_len = config.slowlog_max_len;
    slowlog_.trim(static_cast<std::size_t>(config.slowlog_max_len));
}

Config Server::config() const {
    std::lock_guard guard(config_mutex_);
    return config_;
}

std::optional<std::string> Server::set_config(std::string_view name, std::string_view value) {
    const ConfigChange change{name, value};
    return set_configs(std::span(&change, 1));
}

namespace {

std::string config_set_failed(std::string_view name, std::string_view why) {
    return "CONFIG SET failed (possibly related to argument '" + std::string(name) + "') - " + std::string(why);
}

// Redis checks every name before any value: an unknown name, an immutable
// parameter or a repeated one fails the whole command, first problem first.
std::optional<std::string> check_config_names(std::span<const Server::ConfigChange> changes,
                                              std::vector<const ConfigParam*>& params) {
    for (const auto& [name, value] : changes) {
        const ConfigParam* param = find_config_param(name);
        if (!param) return "Unknown option or number of arguments for CONFIG SET - '" + std::string(name) + "'";
        // Paths answer as Redis's dir does (enable-protected-configs no).
        if (param->protected_config) return config_set_failed(name, "can't set protected config");
        if (!param->runtime_settable) return config_set_failed(name, "can't set immutable config");
        if (std::find(params.begin(), params.end(), param) != params.end()) {
            return config_set_failed(name, "duplicate parameter");
        }
        params.push_back(param);
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> Server::set_configs(std::span<const ConfigChange> changes) {
    std::vector<const ConfigParam*> params;
    if (auto err = check_config_names(changes, params)) return err;
    std::lock_guard guard(config_mutex_);
    Config updated = config_;
    for (std::size_t i = 0; i < changes.size(); ++i) {
        if (auto err = params[i]->set(updated, changes[i].second)) return config_set_failed(changes[i].first, *err);
    }
    config_ = std::move(updated);
    apply_hot_settings(config_);
    const bool log_level_changed =
        std::any_of(params.begin(), params.end(), [](const ConfigParam* p) { return p->name == "log-level"; });
    if (log_level_changed) spdlog::set_level(spdlog::level::from_str(config_.log_level));
    // As Redis: requirepass is the default user's password.
    const bool password_changed =
        std::any_of(params.begin(), params.end(), [](const ConfigParam* p) { return p->name == "requirepass"; });
    if (password_changed) acl_.set_default_password(config_.requirepass);
    return std::nullopt;
}

// rename-command and the users of the config, before any client connects.
std::optional<std::string> Server::apply_access_config(const Config& config) {
    for (const auto& [from, to] : config.renamed_commands) {
        if (auto err = commands_.rename(from, to)) return "rename-command '" + from + "': " + *err;
    }
    for (const std::string& line : config.users) {
        if (auto err = acl_.set_user_line(line)) {
            return "bad user rule '" + line + "': " + err->substr(err->starts_with("ERR ") ? 4 : 0);
        }
    }
    return std::nullopt;
}

std::optional<std::string> Server::start() {
    const Config cfg = config();
    asio::error_code ec;
    const auto address = asio::ip::make_address(cfg.bind, ec);
    if (ec) return "invalid bind address '" + cfg.bind + "': " + ec.message();
    if (auto err = apply_access_config(cfg)) return err;
    if (auto err = open_tier(cfg)) return err;
    if (cfg.tls_port > 0) {
        tls_context_.emplace(asio::ssl::context::tls_server);
        if (auto err = configure_tls(cfg, *tls_context_)) return err;
        if (auto err = listen(tls_acceptor_, address, cfg.tls_port)) return err;
        tls_port_ = tls_acceptor_.local_endpoint().port();
    }
    // As Redis, port 0 beside a tls-port serves TLS only; alone it means
    // any free port.
    if (cfg.port != 0 || cfg.tls_port == 0) {
        if (auto err = listen(acceptor_, address, cfg.port)) return err;
        port_ = acceptor_.local_endpoint().port();
    }

    const std::size_t threads = resolve_threads(cfg);
    for (std::size_t i = 0; i < threads; ++i) {
        loops_.push_back(std::make_unique<asio::io_context>(1));
        loop_guards_.push_back(asio::make_work_guard(*loops_.back()));
    }
    for (std::size_t i = 0; i < threads; ++i) {
        loop_threads_.emplace_back([this, i] { loops_[i]->run(); });
    }

    signals_.add(SIGINT);
    signals_.add(SIGTERM);
    signals_.add(SIGHUP);
    wait_for_signal();
    background_guard_.emplace(asio::make_work_guard(background_));
    if (acceptor_.is_open()) accept_next(acceptor_);
    if (tls_acceptor_.is_open()) accept_next(tls_acceptor_);
    schedule_housekeeping();
    background_thread_ = std::thread([this] { background_.run(); });

    storage::ValuePages::instance();  // set up (or warn that it cannot be) now, not at the first large value
    spdlog::info("tierkv {} listening on {}:{}{} ({} threads, {} shards, {} databases)", TIERKV_VERSION, cfg.bind,
                 port_, tls_port_ ? std::string(", TLS on port ").append(std::to_string(tls_port_)) : "", threads,
                 keyspace_.shard_count(), cfg.databases);
    return std::nullopt;
}

std::optional<std::string> Server::listen(asio::ip::tcp::acceptor& acceptor, const asio::ip::address& address,
                                          int port) {
    const asio::ip::tcp::endpoint endpoint(address, static_cast<std::uint16_t>(port));
    asio::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return "cannot listen on " + address.to_string() + ":" + std::to_string(port) + ": " + ec.message();
    return std::nullopt;
}

// SIGINT and SIGTERM shut down; SIGHUP reopens the log file (log rotation).
void Server::wait_for_signal() {
    signals_.async_wait([this](const asio::error_code& error, int signal) {
        if (error) return;
        if (signal == SIGHUP) {
            if (auto err = reopen_log_file()) spdlog::error("SIGHUP: {}", *err);
            spdlog::info("received SIGHUP, log file reopened");
            wait_for_signal();
            return;
        }
        spdlog::info("received {}, shutting down", signal == SIGINT ? "SIGINT" : "SIGTERM");
        request_shutdown();
    });
}

void Server::accept_next(asio::ip::tcp::acceptor& acceptor) {
    auto& loop = *loops_[next_loop_.fetch_add(1) % loops_.size()];
    acceptor.async_accept(loop, [this, &acceptor](const asio::error_code& ec, asio::ip::tcp::socket socket) {
        if (ec) {
            if (ec == asio::error::operation_aborted || stopping_) return;
            spdlog::warn("accept failed: {}", ec.message());
        } else {
            on_accepted(std::move(socket), &acceptor == &tls_acceptor_);
        }
        if (!stopping_) accept_next(acceptor);
    });
}

void Server::on_accepted(asio::ip::tcp::socket socket, bool tls) {
    stats_.connections_received.fetch_add(1, std::memory_order_relaxed);
    asio::error_code ec;
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    if (const int interval = config().tcp_keepalive; interval > 0) enable_keepalive(socket, interval);
    // A refused TLS client is closed without the error text: sent in
    // plain text it would only garble its handshake.
    if (clients_.size() >= static_cast<std::size_t>(hot_.maxclients.load())) {
        stats_.rejected_connections.fetch_add(1, std::memory_order_relaxed);
        static constexpr std::string_view kFull = "-ERR max number of clients reached\r\n";
        if (!tls) asio::write(socket, asio::buffer(kFull), ec);
        socket.close(ec);
        return;
    }
    if (refused_by_protected_mode(socket)) {
        stats_.rejected_connections.fetch_add(1, std::memory_order_relaxed);
        if (!tls) asio::write(socket, asio::buffer(kProtectedModeError), ec);
        socket.close(ec);
        return;
    }
    auto session = std::make_shared<ClientSession>();
    session->id = clients_.next_id();
    auto endpoint_text = [](const asio::ip::tcp::endpoint& e) {
        return e.address().to_string() + ":" + std::to_string(e.port());
    };
    session->addr = endpoint_text(socket.remote_endpoint(ec));
    session->laddr = endpoint_text(socket.local_endpoint(ec));
    session->fd = static_cast<int>(socket.native_handle());
    session->created_ms = storage::unix_time_ms();
    session->last_active_ms = session->created_ms;
    session->authenticated = !acl_.default_requires_auth();
    switch_user(*session, acl_.default_user());
    clients_.add(session);
    spdlog::debug("client {} connected from {}", session->id, session->addr);
    if (tls) {
        Connection::start(*this, ClientStream(std::move(socket), *tls_context_), std::move(session));
    } else {
        Connection::start(*this, ClientStream(std::move(socket)), std::move(session));
    }
}

// protected-mode: with no password set, only loopback clients may connect.
bool Server::refused_by_protected_mode(const asio::ip::tcp::socket& socket) const {
    if (!hot_.protected_mode.load(std::memory_order_relaxed) || acl_.default_requires_auth()) {
        return false;
    }
    asio::error_code ec;
    const auto peer = socket.remote_endpoint(ec);
    return ec || !is_loopback(peer.address());
}

void Server::schedule_housekeeping() {
    const int hz = std::max(1, config().hz);
    const auto period = std::chrono::milliseconds(1000 / hz);
    housekeeping_timer_.expires_after(period);
    housekeeping_timer_.async_wait([this, period](const asio::error_code& ec) {
        if (ec || stopping_) return;
        // Active expiry gets at most a quarter of the period, like Redis.
        const auto budget = std::chrono::duration_cast<std::chrono::milliseconds>(period).count() / 4;
        keyspace_.expire_cycle(storage::unix_time_ms(), steady_ms() + budget);
        evict_in_background(steady_ms() + budget);
        if (sync_every_second_ && steady_ms() - last_wal_sync_ms_ >= 1000) {
            // Durability everysec: what the writer wrote reaches the disk.
            last_wal_sync_ms_ = steady_ms();
            keyspace_.tier()->store().sync_wal();
        }
        return_freed_memory();
        close_idle_clients();
        sample_stats();
        schedule_housekeeping();
    });
}

void Server::close_idle_clients() {
    const std::int64_t timeout_ms = hot_.timeout_s.load(std::memory_order_relaxed) * 1000ll;
    const std::int64_t now = storage::unix_time_ms();
    if (timeout_ms <= 0 || now - last_idle_check_ms_ < 1000) return;
    last_idle_check_ms_ = now;
    for (const auto& client : clients_.snapshot()) {
        // As Redis: clients blocked in BLPOP ... or subscribed wait as long as they like.
        if (client->waiting_blocked.load() || client->pubsub_channels.load() + client->pubsub_patterns.load() > 0) {
            continue;
        }
        if (now - client->last_active_ms.load() <= timeout_ms || !client->close) continue;
        spdlog::debug("client {} ({}): closed, idle for more than {} s", client->id, client->addr, timeout_ms / 1000);
        client->close();
    }
}

void Server::evict_in_background(std::int64_t deadline_steady_ms) {
    // Writes evict for themselves; this catches up after maxmemory was
    // lowered or a large value went in, a batch at a time so each shard
    // lock is held briefly.
    constexpr std::size_t kBatch = 64;
    while (keyspace_.over_memory_limit() && steady_ms() < deadline_steady_ms) {
        if (keyspace_.evict(nullptr, kBatch, storage::unix_time_ms()).evicted == 0) break;
    }
}

void Server::return_freed_memory() {
    // Buffers of closed connections sit in jemalloc's thread caches and
    // dirty pages; hand them back after clients leave so RSS follows the load.
    const std::uint64_t closed = stats_.connections_closed.load(std::memory_order_relaxed);
    if (closed == closed_at_last_trim_) return;
    closed_at_last_trim_ = closed;
    release_free_memory();
}

void Server::sample_stats() {
    sampler_.sample(storage::unix_time_ms(), stats_.commands_processed.load(std::memory_order_relaxed),
                    stats_.net_input_bytes.load(std::memory_order_relaxed),
                    stats_.net_output_bytes.load(std::memory_order_relaxed));
    sampler_.note_memory(allocated_bytes());
}

void Server::post_background(std::function<void()> work) { asio::post(background_, std::move(work)); }

void Server::request_shutdown() {
    if (stopping_.exchange(true)) return;
    asio::post(background_, [this] {
        asio::error_code ec;
        acceptor_.close(ec);
        tls_acceptor_.close(ec);
        signals_.cancel(ec);
        housekeeping_timer_.cancel();
        for (const auto& session : clients_.snapshot()) {
            if (session->close) session->close();
        }
        loop_guards_.clear();
        background_guard_.reset();
        // Clients that do not finish their replies in time are cut off.
        auto deadline = std::make_shared<asio::steady_timer>(background_, std::chrono::seconds(5));
        deadline->async_wait([this, deadline](const asio::error_code& error) {
            if (error) return;
            spdlog::warn("shutdown: clients still busy after 5 s, closing them");
            for (auto& loop : loops_) loop->stop();
        });
    });
}

void Server::wait() {
    for (auto& t : loop_threads_) {
        if (t.joinable()) t.join();
    }
    if (background_thread_.joinable()) {
        background_.stop();
        background_thread_.join();
    }
    tier_pool_.join();
    if (warmup_) warmup_->stop();
    if (keyspace_.tier() && !tier_saved_) {
        tier_saved_ = true;
        const auto started = steady_ms();
        keyspace_.spill_all(storage::unix_time_ms());
        storage::Tier& tier = *keyspace_.tier();
        if (tier.failing()) {
            spdlog::error("tier: {} writes could not reach {} and are lost: {}", tier.pending_writes(),
                          config().tier_dir, tier.last_error());
        } else {
            spdlog::info("tier: every key written to {} ({} keys on disk) in {} ms", config().tier_dir,
                         tier.store().key_count(), steady_ms() - started);
        }
    }
}

std::optional<std::string> Server::open_tier(const Config& cfg) {
    if (cfg.tier_dir.empty()) return std::nullopt;
    if (cfg.databases > 65535) return "the tier supports at most 65535 databases";
    storage::TierOptions options;
    options.dir = cfg.tier_dir;
    options.compression = cfg.tier_compression;
    options.databases = static_cast<std::size_t>(cfg.databases);
    std::string error;
    auto store = storage::TierStore::open(options, error);
    if (!store) return error;
    const std::uint64_t keys = store->key_count();
    sync_every_write_ = cfg.durability == "always";
    sync_every_second_ = cfg.durability == "everysec";
    keyspace_.attach_tier(std::make_unique<storage::Tier>(std::move(store), nullptr, sync_every_write_),
                          cfg.durability != "none");
    keyspace_.tier()->set_max_pending_bytes(cfg.tier_max_pending);
    spdlog::info("tier: {} ({} keys on disk, {} compression, durability {})", cfg.tier_dir, keys,
                 cfg.tier_compression, cfg.durability);
    warmup_ = std::make_unique<storage::Warmup>(keyspace_);
    if (keys > 0 && cfg.warmup != "none") {
        warmup_->start(cfg.warmup == "all" ? storage::Warmup::Source::kAll : storage::Warmup::Source::kHot);
    }
    return std::nullopt;
}

}  // namespace tierkv::server
