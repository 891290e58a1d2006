// Server settings. Every setting is described once, in the parameter table
// (config_params.cc), which drives the TOML file, the command-line flags,
// CONFIG GET/SET and the check that config.example.toml documents them all.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tierkv::server {

// One class of client-output-buffer-limit: a client is closed when its
// pending output passes hard_bytes, or stays over soft_bytes for
// soft_seconds (0: no such limit).
struct OutputBufferLimit {
    std::int64_t hard_bytes = 0;
    std::int64_t soft_bytes = 0;
    std::int64_t soft_seconds = 0;
};

struct Config {
    std::string bind = "127.0.0.1";
    int port = 6379;  // 0 with a tls-port: TLS only; 0 alone: any free port
    // TLS (server/tls.h): a second listener, off while tls_port is 0.
    int tls_port = 0;
    std::string tls_cert_file;
    std::string tls_key_file;
    std::string tls_ca_cert_file;
    std::string tls_ca_cert_dir;
    std::string tls_auth_clients = "yes";  // yes, no or optional, as Redis
    std::string tls_protocols = "TLSv1.2 TLSv1.3";
    int threads = 0;  // 0 = one per core
    int shards = 0;   // 0 = chosen from threads
    int databases = 16;
    int maxclients = 10000;
    std::string requirepass;
    std::string log_level = "info";
    std::string log_file;  // empty = stderr
    std::int64_t proto_max_bulk_len = 512ll * 1024 * 1024;
    std::int64_t client_query_buffer_limit = 1024ll * 1024 * 1024;
    // Redis's classes and defaults: normal, replica, pubsub. Normal and
    // pubsub are enforced (clients that stop reading); tierkv has no replicas.
    std::array<OutputBufferLimit, 3> client_output_buffer_limit = {{
        {0, 0, 0},
        {256ll * 1024 * 1024, 64ll * 1024 * 1024, 60},
        {32ll * 1024 * 1024, 8ll * 1024 * 1024, 60},
    }};
    int timeout = 0;  // idle seconds before a client is closed; 0 = never
    int hz = 10;      // background task frequency (active expiry)
    std::int64_t maxmemory = 0;
    std::string maxmemory_policy = "noeviction";
    int maxmemory_samples = 5;
    int lfu_log_factor = 10;
    int lfu_decay_time = 1;
    std::string tier_dir;  // empty: no tier, evicted keys are dropped
    std::string tier_compression = "lz4";
    std::string warmup = "hot";  // after a start with a tier: hot, all or none
    std::string durability = "none";  // writes not yet spilled: none, everysec or always
    std::int64_t tier_max_pending = 64ll << 20;  // spilled bytes waiting for the writer before writes wait
    int tcp_keepalive = 300;
    std::int64_t slowlog_log_slower_than = 10000;
    int slowlog_max_len = 128;
    // With no requirepass, refuse clients that are not on a loopback address.
    bool protected_mode = true;
    bool daemonize = false;
    std::string pidfile;  // empty = none
    // When small collections leave their compact encoding (Redis's names).
    std::int64_t hash_max_listpack_entries = 128;
    std::int64_t hash_max_listpack_value = 64;
    std::int64_t set_max_intset_entries = 512;
    std::int64_t set_max_listpack_entries = 128;
    std::int64_t set_max_listpack_value = 64;
    int list_max_listpack_size = -2;
    std::int64_t zset_max_listpack_entries = 128;
    std::int64_t zset_max_listpack_value = 64;
    // From the TOML file only (no flag, CONFIG GET or SET): ACL users as
    // rule lines ("alice on >secret ~cache:* +@read"), and rename-command
    // pairs (an empty new name disables the command).
    std::vector<std::string> users;
    std::vector<std::pair<std::string, std::string>> renamed_commands;
};

// One configuration parameter.
struct ConfigParam {
    std::string_view name;         // as in TOML, flags (--name) and CONFIG GET
    std::string_view description;  // one line, for --help and config.example.toml
    bool runtime_settable;         // CONFIG SET may change it
    std::function<std::string(const Config&)> get;
    // Parses and stores `value`; returns an error message when it is invalid.
    std::function<std::optional<std::string>(Config&, std::string_view value)> set;
    // Names a file or directory: never set by CONFIG SET, which answers
    // Redis's "can't set protected config" (enable-protected-configs no).
    bool protected_config = false;
};

const std::vector<ConfigParam>& config_params();
const ConfigParam* find_config_param(std::string_view name);

// Parses "100", "100kb", "64mb", "1gb" (case-insensitive, k/m/g = 1000-based
// and kb/mb/gb = 1024-based, as Redis).
std::optional<std::int64_t> parse_memory_size(std::string_view text);

// tls-protocols: words TLSv1, TLSv1.1, TLSv1.2, TLSv1.3 (any case) separated
// by spaces. Bit n is set for TLSv1.n; nullopt for an unknown word or none.
std::optional<unsigned> parse_tls_protocols(std::string_view text);

struct ConfigError {
    std::string message;
};

// Reads `path` (TOML) into `config`. Unknown keys and bad values are errors.
std::optional<ConfigError> load_config_file(const std::string& path, Config& config);

}  // namespace tierkv::server
