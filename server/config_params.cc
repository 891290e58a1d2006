#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>

#include "server/config.h"
#include "storage/eviction_policy.h"

namespace tierkv::server {
namespace {

std::optional<std::int64_t> parse_int(std::string_view text) {
    std::int64_t v = 0;
    if (text.empty()) return std::nullopt;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return v;
}

// A parameter holding an int within [lo, hi].
ConfigParam int_param(std::string_view name, std::string_view description, bool runtime, int Config::*field,
                      int lo, int hi) {
    return ConfigParam{
        name, description, runtime, [field](const Config& c) { return std::to_string(c.*field); },
        [field, lo, hi](Config& c, std::string_view value) -> std::optional<std::string> {
            // Redis's two texts, which CONFIG SET replies.
            auto v = parse_int(value);
            if (!v) return "argument couldn't be parsed into an integer";
            if (*v < lo || *v > hi) {
                return "argument must be between " + std::to_string(lo) + " and " + std::to_string(hi) + " inclusive";
            }
            c.*field = static_cast<int>(*v);
            return std::nullopt;
        }};
}

// A parameter holding a 64-bit count within [lo, INT64_MAX].
ConfigParam count_param(std::string_view name, std::string_view description, bool runtime,
                        std::int64_t Config::*field, std::int64_t lo) {
    return ConfigParam{
        name, description, runtime, [field](const Config& c) { return std::to_string(c.*field); },
        [field, lo](Config& c, std::string_view value) -> std::optional<std::string> {
            auto v = parse_int(value);
            if (!v) return "argument couldn't be parsed into an integer";
            if (*v < lo) {
                return "argument must be between " + std::to_string(lo) + " and " + std::to_string(INT64_MAX) +
                       " inclusive";
            }
            c.*field = *v;
            return std::nullopt;
        }};
}

// A parameter holding a byte count, accepting Redis's memory units.
ConfigParam memory_param(std::string_view name, std::string_view description, bool runtime,
                         std::int64_t Config::*field, std::int64_t lo) {
    return ConfigParam{name, description, runtime, [field](const Config& c) { return std::to_string(c.*field); },
                       [field, lo](Config& c, std::string_view value) -> std::optional<std::string> {
                           auto v = parse_memory_size(value);
                           if (!v || *v < lo) return "argument must be a memory value";
                           c.*field = *v;
                           return std::nullopt;
                       }};
}

// client-output-buffer-limit "<class> <hard> <soft> <soft seconds> ...",
// any of the classes normal, replica (or slave) and pubsub, as Redis.
ConfigParam output_buffer_limit_param() {
    static constexpr std::array<std::string_view, 3> kClasses = {"normal", "slave", "pubsub"};
    return ConfigParam{
        "client-output-buffer-limit",
        "Close clients whose pending output passes <hard>, or stays over <soft> for <seconds>: "
        "\"<class> <hard> <soft> <seconds>\" for normal, replica, pubsub (normal and pubsub are enforced).",
        true,
        [](const Config& c) {
            std::string out;
            for (std::size_t i = 0; i < kClasses.size(); ++i) {
                const OutputBufferLimit& l = c.client_output_buffer_limit[i];
                if (!out.empty()) out += ' ';
                out += std::string(kClasses[i]) + ' ' + std::to_string(l.hard_bytes) + ' ' +
                       std::to_string(l.soft_bytes) + ' ' + std::to_string(l.soft_seconds);
            }
            return out;
        },
        [](Config& c, std::string_view value) -> std::optional<std::string> {
            std::vector<std::string> words;
            for (std::size_t i = 0; i < value.size();) {
                const std::size_t end = std::min(value.find(' ', i), value.size());
                if (end > i) words.emplace_back(value.substr(i, end - i));
                i = end + 1;
            }
            if (words.size() % 4 != 0) return "Wrong number of arguments in buffer limit configuration.";
            auto limits = c.client_output_buffer_limit;
            for (std::size_t i = 0; i < words.size(); i += 4) {
                std::string name = words[i];
                for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                if (name == "replica") name = "slave";
                const auto it = std::find(kClasses.begin(), kClasses.end(), name);
                if (it == kClasses.end()) return "Invalid client class specified in buffer limit configuration.";
                const auto hard = parse_memory_size(words[i + 1]);
                const auto soft = parse_memory_size(words[i + 2]);
                const auto seconds = parse_int(words[i + 3]);
                if (!hard || !soft || !seconds || *hard < 0 || *soft < 0 || *seconds < 0) {
                    return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
                }
                limits[static_cast<std::size_t>(it - kClasses.begin())] = {*hard, *soft, *seconds};
            }
            c.client_output_buffer_limit = limits;
            return std::nullopt;
        }};
}

ConfigParam string_param(std::string_view name, std::string_view description, bool runtime,
                         std::string Config::*field, std::vector<std::string_view> allowed = {}) {
    return ConfigParam{name, description, runtime, [field](const Config& c) { return c.*field; },
                       [field, allowed](Config& c, std::string_view value) -> std::optional<std::string> {
                           if (!allowed.empty()) {
                               std::string lower(value);
                               for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                               if (std::find(allowed.begin(), allowed.end(), lower) == allowed.end()) {
                                   return "argument(s) must be one of the following: " + [&] {
                                       std::string list;
                                       for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
                                       return list;
                                   }();
                               }
                               c.*field = lower;
                               return std::nullopt;
                           }
                           c.*field = std::string(value);
                           return std::nullopt;
                       }};
}

// A yes/no parameter, as Redis's bool configs.
ConfigParam bool_param(std::string_view name, std::string_view description, bool runtime, bool Config::*field) {
    return ConfigParam{name, description, runtime, [field](const Config& c) { return c.*field ? "yes" : "no"; },
                       [field](Config& c, std::string_view value) -> std::optional<std::string> {
                           std::string lower(value);
                           for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                           if (lower != "yes" && lower != "no") return "argument must be 'yes' or 'no'";
                           c.*field = lower == "yes";
                           return std::nullopt;
                       }};
}

// tls-protocols: a space-separated list of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3.
ConfigParam tls_protocols_param() {
    return ConfigParam{"tls-protocols", "TLS protocol versions to accept, space-separated: TLSv1.2 TLSv1.3.", false,
                       [](const Config& c) { return c.tls_protocols; },
                       [](Config& c, std::string_view value) -> std::optional<std::string> {
                           if (!parse_tls_protocols(value)) {
                               return "argument must be a list of TLSv1, TLSv1.1, TLSv1.2 and TLSv1.3";
                           }
                           c.tls_protocols = std::string(value);
                           return std::nullopt;
                       }};
}

// Read-only values that clients and tools ask for (redis-benchmark reads
// "save" and "appendonly") but that tierkv has no use for.
ConfigParam fixed_param(std::string_view name, std::string_view description, std::string value) {
    return ConfigParam{name, description, false, [value](const Config&) { return value; },
                       [value](Config&, std::string_view v) -> std::optional<std::string> {
                           if (v == value) return std::nullopt;
                           return "tierkv supports only '" + value + "'";
                       }};
}

std::vector<ConfigParam> make_params() {
    std::vector<ConfigParam> p;
    p.push_back(string_param("bind", "Address to listen on.", false, &Config::bind));
    p.push_back(int_param("port", "TCP port to listen on.", false, &Config::port, 0, 65535));
    p.push_back(int_param("tls-port", "TLS port to listen on, beside port; 0 = no TLS. With port 0: TLS only.", false,
                          &Config::tls_port, 0, 65535));
    p.push_back(string_param("tls-cert-file", "TLS: the server's certificate (chain), PEM.", false,
                             &Config::tls_cert_file));
    p.push_back(string_param("tls-key-file", "TLS: the private key of tls-cert-file, PEM.", false,
                             &Config::tls_key_file));
    p.push_back(string_param("tls-ca-cert-file", "TLS: CA certificates (PEM bundle) that client certificates must chain to.",
                             false, &Config::tls_ca_cert_file));
    p.push_back(string_param("tls-ca-cert-dir", "TLS: a directory of CA certificates (OpenSSL c_rehash layout).", false,
                             &Config::tls_ca_cert_dir));
    p.push_back(string_param("tls-auth-clients",
                             "TLS client certificates: yes (required), optional (checked if given) or no (not asked).",
                             false, &Config::tls_auth_clients, {"yes", "no", "optional"}));
    p.push_back(tls_protocols_param());
    p.push_back(int_param("threads", "Event loop threads; 0 = one per core.", false, &Config::threads, 0, 1024));
    p.push_back(int_param("shards", "Keyspace shards (rounded up to a power of two); 0 = 16 per thread.", false,
                          &Config::shards, 0, 65536));
    p.push_back(int_param("databases", "Number of logical databases (SELECT).", false, &Config::databases, 1,
                          INT_MAX));
    p.push_back(int_param("maxclients", "Maximum simultaneous client connections.", true, &Config::maxclients, 1,
                          INT_MAX));
    p.push_back(string_param("requirepass", "Password clients must give with AUTH; empty = none.", true,
                             &Config::requirepass));
    p.push_back(string_param("log-level", "Log level: trace, debug, info, warn, error, critical, off.", true,
                             &Config::log_level, {"trace", "debug", "info", "warn", "error", "critical", "off"}));
    p.push_back(string_param("log-file", "Log file; empty = standard error.", false, &Config::log_file));
    p.push_back(memory_param("proto-max-bulk-len", "Largest bulk string a client may send.", true,
                             &Config::proto_max_bulk_len, 1024 * 1024));
    p.push_back(memory_param("client-query-buffer-limit", "Largest unprocessed input a client may have.", true,
                             &Config::client_query_buffer_limit, 1024 * 1024));
    p.push_back(output_buffer_limit_param());
    p.push_back(int_param("timeout", "Close clients idle this many seconds (not those blocked or subscribed); 0 = never.", true, &Config::timeout, 0,
                          INT_MAX));
    p.push_back(int_param("hz", "Background task runs per second (active expiry).", true, &Config::hz, 1, 500));
    p.push_back(memory_param("maxmemory", "Memory limit for data; 0 = none.", true, &Config::maxmemory, 0));
    const auto policies = storage::eviction_policy_names();
    p.push_back(string_param("maxmemory-policy",
                             "What to drop at the memory limit: noeviction (refuse writes), allkeys-/volatile- "
                             "lru, lfu, random, volatile-ttl, allkeys-fifo, allkeys-s3fifo.",
                             true, &Config::maxmemory_policy, {policies.begin(), policies.end()}));
    p.push_back(int_param("maxmemory-samples", "Keys the sampling policies (LFU, random, volatile-*) compare per eviction.",
                          true, &Config::maxmemory_samples, 1, INT_MAX));
    p.push_back(int_param("lfu-log-factor", "LFU: how slowly the access counter grows.", true,
                          &Config::lfu_log_factor, 0, INT_MAX));
    p.push_back(string_param("tier-dir",
                             "Directory of the RocksDB tier: evicted keys move there and are read back; empty = "
                             "no tier (evicted keys are dropped).",
                             false, &Config::tier_dir));
    p.push_back(string_param("tier-compression", "Compression of the tier's files: none, lz4 or zstd.", false,
                             &Config::tier_compression, {"none", "lz4", "zstd"}));
    p.push_back(string_param("durability",
                             "With a tier, for writes not yet spilled: none (only shutdown and spills persist), "
                             "everysec (in RocksDB's WAL within about a second), always (acknowledged once in the "
                             "WAL on disk).",
                             false, &Config::durability, {"none", "everysec", "always"}));
    p.push_back(memory_param("tier-max-pending",
                             "With a tier: bytes of spilled entries waiting for the disk writer beyond which "
                             "writes that need room wait for it.",
                             true, &Config::tier_max_pending, 1024 * 1024));
    p.push_back(string_param("warmup",
                             "After a start with a tier: load back the keys that were in memory at shutdown, "
                             "hottest first (hot), every key (all), or none, until memory is 90% full.",
                             false, &Config::warmup, {"hot", "all", "none"}));
    p.push_back(int_param("lfu-decay-time", "LFU: idle minutes per counter decrement; 0 = never decay.", true,
                          &Config::lfu_decay_time, 0, INT_MAX));
    p.push_back(int_param("tcp-keepalive", "Seconds of silence before TCP keepalive probes a client (then every third of it, 3 times); 0 = off.", true,
                          &Config::tcp_keepalive, 0, INT_MAX));
    p.push_back(ConfigParam{
        "slowlog-log-slower-than", "Log commands slower than this many microseconds; -1 = never.", true,
        [](const Config& c) { return std::to_string(c.slowlog_log_slower_than); },
        [](Config& c, std::string_view v) -> std::optional<std::string> {
            auto n = parse_int(v);
            if (!n) return "argument couldn't be parsed into an integer";
            if (*n < -1) return "argument must be between -1 and 9223372036854775807 inclusive";
            c.slowlog_log_slower_than = *n;
            return std::nullopt;
        }});
    p.push_back(int_param("slowlog-max-len", "Entries kept in the slow log.", true, &Config::slowlog_max_len, 0,
                          INT_MAX));
    p.push_back(bool_param("protected-mode",
                           "With no requirepass, refuse clients connecting from non-loopback addresses.", true,
                           &Config::protected_mode));
    p.push_back(bool_param("daemonize", "Run in the background (fork, new session, detach from the terminal).",
                           false, &Config::daemonize));
    p.push_back(string_param("pidfile", "File to write the process id to (removed on exit); empty = none.", false,
                             &Config::pidfile));
    p.push_back(count_param("hash-max-listpack-entries",
                            "A hash with more fields than this becomes a hash table (from a listpack).", true,
                            &Config::hash_max_listpack_entries, 0));
    p.push_back(memory_param("hash-max-listpack-value",
                             "A hash with a longer field or value than this becomes a hash table.", true,
                             &Config::hash_max_listpack_value, 0));
    p.push_back(count_param("set-max-intset-entries",
                            "An all-integer set with more members than this leaves its intset.", true,
                            &Config::set_max_intset_entries, 0));
    p.push_back(count_param("set-max-listpack-entries",
                            "A set with more members than this becomes a hash table (from a listpack); "
                            "0 = never a listpack, as Redis 7.0.",
                            true, &Config::set_max_listpack_entries, 0));
    p.push_back(memory_param("set-max-listpack-value", "A set with a longer member than this becomes a hash table.",
                             true, &Config::set_max_listpack_value, 0));
    p.push_back(int_param("list-max-listpack-size",
                          "Per list chunk: > 0 = entries, -1..-5 = 4, 8, 16, 32, 64 KB (below -5 as -5).", true,
                          &Config::list_max_listpack_size, INT_MIN, INT_MAX));
    p.push_back(count_param("zset-max-listpack-entries",
                            "A sorted set with more members than this becomes a skiplist (from a listpack).", true,
                            &Config::zset_max_listpack_entries, 0));
    p.push_back(memory_param("zset-max-listpack-value",
                             "A sorted set with a longer member than this becomes a skiplist.", true,
                             &Config::zset_max_listpack_value, 0));
    p.push_back(fixed_param("save", "Snapshots: tierkv writes none (read-only, for clients that ask).", ""));
    p.push_back(fixed_param("appendonly", "Append-only file: tierkv writes none (read-only).", "no"));
    p.push_back(fixed_param("enable-protected-configs",
                            "CONFIG SET never changes settings that name files or directories (read-only).", "no"));
    // Settings that name files or directories: a client must not make the
    // server write elsewhere (Redis's protected configs).
    for (ConfigParam& param : p) {
        param.protected_config = param.name == "tier-dir" || param.name == "log-file" || param.name == "pidfile";
    }
    return p;
}

}  // namespace

const std::vector<ConfigParam>& config_params() {
    static const std::vector<ConfigParam> params = make_params();
    return params;
}

const ConfigParam* find_config_param(std::string_view name) {
    for (const ConfigParam& p : config_params()) {
        if (p.name.size() != name.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < name.size() && same; ++i) {
            same = std::tolower(static_cast<unsigned char>(name[i])) == p.name[i];
        }
        if (same) return &p;
    }
    return nullptr;
}

std::optional<std::int64_t> parse_memory_size(std::string_view text) {
    std::string lower(text);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::int64_t multiplier = 1;
    auto strip = [&](std::string_view suffix, std::int64_t mul) {
        if (lower.size() > suffix.size() && lower.ends_with(suffix)) {
            lower.resize(lower.size() - suffix.size());
            multiplier = mul;
            return true;
        }
        return false;
    };
    strip("gb", 1024ll * 1024 * 1024) || strip("mb", 1024ll * 1024) || strip("kb", 1024) ||
        strip("g", 1000ll * 1000 * 1000) || strip("m", 1000ll * 1000) || strip("k", 1000) || strip("b", 1);
    auto v = parse_int(lower);
    if (!v || *v < 0) return std::nullopt;
    if (*v > INT64_MAX / multiplier) return std::nullopt;
    return *v * multiplier;
}

std::optional<unsigned> parse_tls_protocols(std::string_view text) {
    static constexpr std::array<std::string_view, 4> kNames = {"tlsv1", "tlsv1.1", "tlsv1.2", "tlsv1.3"};
    unsigned versions = 0;
    for (std::size_t i = 0; i < text.size();) {
        const std::size_t end = std::min(text.find(' ', i), text.size());
        if (end > i) {
            std::string word(text.substr(i, end - i));
            for (char& ch : word) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            const auto it = std::find(kNames.begin(), kNames.end(), word);
            if (it == kNames.end()) return std::nullopt;
            versions |= 1u << (it - kNames.begin());
        }
        i = end + 1;
    }
    if (versions == 0) return std::nullopt;
    return versions;
}

}  // namespace tierkv::server
