#include "server/info.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <set>

#include "server/command_table.h"
#include "server/memory_usage.h"
#include "server/server.h"
#include "server/version.h"
#include "storage/clock.h"
#include "storage/value_pages.h"

namespace tierkv::server {
namespace {

using Fields = std::string;  // "name:value\r\n" lines

void add(Fields& out, std::string_view name, const auto& value) {
    fmt::format_to(std::back_inserter(out), "{}:{}\r\n", name, value);
}

// Redis's bytesToHuman: "512B", "1.18M", ...
std::string human_bytes(std::uint64_t bytes) {
    static constexpr std::array<char, 5> kUnits = {'K', 'M', 'G', 'T', 'P'};
    if (bytes < 1024) return fmt::format("{}B", bytes);
    double value = static_cast<double>(bytes) / 1024;
    for (char unit : kUnits) {
        if (value < 1024 || unit == 'P') return fmt::format("{:.2f}{}", value, unit);
        value /= 1024;
    }
    return fmt::format("{}B", bytes);
}

std::string os_name() {
    struct utsname name {};
    if (uname(&name) != 0) return "unknown";
    return fmt::format("{} {} {}", name.sysname, name.release, name.machine);
}

std::string executable_path() {
    std::error_code ec;
    const auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : path.string();
}

std::int64_t unix_time_us() {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

std::string cpu_seconds(const timeval& tv) { return fmt::format("{}.{:06}", tv.tv_sec, tv.tv_usec); }

// ---- sections ----------------------------------------------------------------

Fields server_section(Server& server, const Config& config, std::int64_t now_ms) {
    Fields f;
    const std::int64_t uptime_s = (now_ms - server.start_time_ms()) / 1000;
    add(f, "redis_version", kRedisCompatVersion);
    add(f, "tierkv_version", kTierkvVersion);
    add(f, "redis_git_sha1", "00000000");
    add(f, "redis_git_dirty", 0);
    add(f, "redis_mode", "standalone");
    add(f, "os", os_name());
    add(f, "arch_bits", sizeof(void*) * 8);
    add(f, "monotonic_clock", "POSIX clock_gettime");
    add(f, "multiplexing_api", "epoll");
    add(f, "gcc_version", fmt::format("{}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__));
    add(f, "process_id", getpid());
    add(f, "process_supervised", "no");
    add(f, "run_id", server.run_id());
    add(f, "tcp_port", server.port());
    add(f, "server_time_usec", unix_time_us());
    add(f, "uptime_in_seconds", uptime_s);
    add(f, "uptime_in_days", uptime_s / 86400);
    add(f, "hz", config.hz);
    add(f, "configured_hz", config.hz);
    add(f, "lru_clock", (now_ms / 1000) & ((1 << 24) - 1));  // Redis's 24-bit seconds clock
    add(f, "executable", executable_path());
    add(f, "config_file", "");
    add(f, "io_threads_active", 0);
    add(f, "event_loop_threads", server.thread_count());
    add(f, "keyspace_shards", server.keyspace().shard_count());
    return f;
}

Fields clients_section(Server& server, const Config& config) {
    Fields f;
    add(f, "connected_clients", server.clients().size());
    add(f, "cluster_connections", 0);
    add(f, "maxclients", config.maxclients);
    add(f, "client_recent_max_input_buffer", 0);
    add(f, "client_recent_max_output_buffer", 0);
    add(f, "blocked_clients", server.blocking().blocked_clients());
    add(f, "tracking_clients", 0);
    add(f, "clients_in_timeout_table", 0);
    return f;
}

Fields memory_section(Server& server, const Config& config) {
    Fields f;
    const std::uint64_t used = allocated_bytes();
    const std::uint64_t peak = server.sampler().note_memory(used);
    const std::uint64_t rss = resident_bytes();
    const std::uint64_t system = total_system_bytes();
    const auto maxmemory = static_cast<std::uint64_t>(config.maxmemory);
    add(f, "used_memory", used);
    add(f, "used_memory_human", human_bytes(used));
    add(f, "used_memory_rss", rss);
    add(f, "used_memory_rss_human", human_bytes(rss));
    add(f, "used_memory_peak", peak);
    add(f, "used_memory_peak_human", human_bytes(peak));
    add(f, "used_memory_peak_perc", fmt::format("{:.2f}%", peak ? 100.0 * static_cast<double>(used) / static_cast<double>(peak) : 0.0));
    add(f, "total_system_memory", system);
    add(f, "total_system_memory_human", human_bytes(system));
    add(f, "maxmemory", maxmemory);
    add(f, "maxmemory_human", human_bytes(maxmemory));
    add(f, "maxmemory_policy", config.maxmemory_policy);
    // Not in Redis: the part of used_memory that counts against maxmemory
    // (the data and its tables, without client buffers).
    add(f, "used_memory_dataset", server.keyspace().used_memory());
    add(f, "mem_fragmentation_ratio", fmt::format("{:.2f}", used ? static_cast<double>(rss) / static_cast<double>(used) : 0.0));
    add(f, "mem_fragmentation_bytes", static_cast<std::int64_t>(rss) - static_cast<std::int64_t>(used));
    add(f, "mem_allocator", allocator_name());
    // Not in Redis: large values' pages (storage::ValuePages), in
    // used_memory, and the pages freed ranges keep for reuse, in RSS only.
    const storage::ValuePages* pages = storage::ValuePages::instance();
    add(f, "large_values_memory", pages ? pages->bytes_in_use() : 0);
    add(f, "large_values_retained", pages ? pages->bytes_retained() : 0);
    add(f, "lazyfree_pending_objects", 0);
    return f;
}

// tierkv keeps no snapshot or append-only file: the fields clients read,
// with the values of a Redis that has persistence turned off.
Fields persistence_section(Server& server) {
    Fields f;
    add(f, "loading", 0);
    add(f, "async_loading", 0);
    add(f, "rdb_changes_since_last_save", 0);
    add(f, "rdb_bgsave_in_progress", 0);
    add(f, "rdb_last_save_time", server.start_time_ms() / 1000);
    add(f, "rdb_last_bgsave_status", "ok");
    add(f, "rdb_last_bgsave_time_sec", -1);
    add(f, "rdb_current_bgsave_time_sec", -1);
    add(f, "rdb_saves", 0);
    add(f, "aof_enabled", 0);
    add(f, "aof_rewrite_in_progress", 0);
    add(f, "aof_rewrite_scheduled", 0);
    add(f, "aof_last_rewrite_time_sec", -1);
    add(f, "aof_current_rewrite_time_sec", -1);
    add(f, "aof_last_bgrewrite_status", "ok");
    add(f, "aof_rewrites", 0);
    add(f, "aof_last_write_status", "ok");
    return f;
}

Fields stats_section(Server& server) {
    Fields f;
    const ServerStats& stats = server.stats();
    const storage::KeyspaceStats keys = server.keyspace().stats();
    const Rates rates = server.sampler().rates();
    add(f, "total_connections_received", stats.connections_received.load());
    add(f, "total_commands_processed", stats.commands_processed.load());
    add(f, "instantaneous_ops_per_sec", static_cast<std::int64_t>(rates.ops_per_sec));
    add(f, "total_net_input_bytes", stats.net_input_bytes.load());
    add(f, "total_net_output_bytes", stats.net_output_bytes.load());
    add(f, "instantaneous_input_kbps", fmt::format("{:.2f}", rates.input_kbps));
    add(f, "instantaneous_output_kbps", fmt::format("{:.2f}", rates.output_kbps));
    add(f, "rejected_connections", stats.rejected_connections.load());
    add(f, "expired_keys", keys.expired);
    add(f, "evicted_keys", keys.evicted);
    add(f, "keyspace_hits", keys.hits);
    add(f, "keyspace_misses", keys.misses);
    // Not in Redis: hits / (hits + misses), the figure a cache is judged by.
    const std::uint64_t lookups = keys.hits + keys.misses;
    add(f, "keyspace_hit_ratio",
        fmt::format("{:.4f}", lookups ? static_cast<double>(keys.hits) / static_cast<double>(lookups) : 0.0));
    add(f, "pubsub_channels", server.pubsub().channel_count());
    add(f, "pubsub_patterns", server.pubsub().patterns());
    add(f, "unexpected_error_replies", stats.unexpected_error_replies.load());
    add(f, "total_error_replies", stats.error_replies.load());
    return f;
}

Fields replication_section(Server& server) {
    Fields f;
    add(f, "role", "master");
    add(f, "connected_slaves", 0);
    add(f, "master_failover_state", "no-failover");
    add(f, "master_replid", server.run_id());
    add(f, "master_replid2", std::string(40, '0'));
    add(f, "master_repl_offset", 0);
    add(f, "second_repl_offset", -1);
    add(f, "repl_backlog_active", 0);
    add(f, "repl_backlog_size", 1048576);
    add(f, "repl_backlog_first_byte_offset", 0);
    add(f, "repl_backlog_histlen", 0);
    return f;
}

Fields cpu_section() {
    Fields f;
    rusage self {};
    rusage children {};
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    add(f, "used_cpu_sys", cpu_seconds(self.ru_stime));
    add(f, "used_cpu_user", cpu_seconds(self.ru_utime));
    add(f, "used_cpu_sys_children", cpu_seconds(children.ru_stime));
    add(f, "used_cpu_user_children", cpu_seconds(children.ru_utime));
    return f;
}

Fields cluster_section() {
    Fields f;
    add(f, "cluster_enabled", 0);
    return f;
}

// Every command and subcommand of the table, in table order, with `visit`.
template <class Visit>
void for_each_command(const CommandTable& table, Visit visit) {
    for (const CommandSpec& spec : table.commands()) {
        visit(spec);
        for (const CommandSpec& sub : spec.subcommands) visit(sub);
    }
}

// cmdstat_get:calls=2,usec=5,usec_per_call=2.50,rejected_calls=0,failed_calls=0
// for each command called or rejected since the start or CONFIG RESETSTAT.
Fields commandstats_section(Server& server) {
    Fields f;
    const std::vector<CommandTotals> totals = server.command_stats().totals();
    for_each_command(server.commands(), [&](const CommandSpec& spec) {
        const CommandTotals& t = totals[spec.stats_slot];
        if (t.calls == 0 && t.rejected == 0 && t.failed == 0) return;
        const double usec = static_cast<double>(t.nanos) / 1000.0;
        add(f, "cmdstat_" + spec.name,
            fmt::format("calls={},usec={},usec_per_call={:.2f},rejected_calls={},failed_calls={}", t.calls,
                        t.nanos / 1000, t.calls ? usec / static_cast<double>(t.calls) : 0.0, t.rejected, t.failed));
    });
    return f;
}

// errorstat_ERR:count=3, by the first word of the error replies.
Fields errorstats_section(Server& server) {
    Fields f;
    for (const auto& [prefix, count] : server.command_stats().errors()) {
        add(f, "errorstat_" + prefix, fmt::format("count={}", count));
    }
    return f;
}

// latency_percentiles_usec_get:p50=1.003,p99=2.007,p99.9=3.007 for each
// command that ran, Redis's default percentiles.
Fields latencystats_section(Server& server) {
    Fields f;
    const std::vector<CommandTotals> totals = server.command_stats().totals();
    for_each_command(server.commands(), [&](const CommandSpec& spec) {
        const CommandTotals& t = totals[spec.stats_slot];
        if (t.calls == 0) return;
        auto usec = [&](double p) { return static_cast<double>(t.percentile(p)) / 1000.0; };
        add(f, "latency_percentiles_usec_" + spec.name,
            fmt::format("p50={:.3f},p99={:.3f},p99.9={:.3f}", usec(50), usec(99), usec(99.9)));
    });
    return f;
}

// One line per non-empty database.
Fields keyspace_section(Server& server) {
    Fields f;
    storage::Keyspace& keyspace = server.keyspace();
    for (std::size_t db = 0; db < keyspace.databases(); ++db) {
        const storage::DbSize size = keyspace.size(db);
        if (size.keys == 0) continue;
        add(f, fmt::format("db{}", db), fmt::format("keys={},expires={},avg_ttl=0", size.keys, size.expires));
    }
    return f;
}

// tierkv's own: the RocksDB tier (see storage/tier/). The names start with
// "db" because prometheus-redis-exporter passes INFO fields with that prefix
// through as gauges (redis_db_tier_keys, ...); all are numbers for the same
// reason.
Fields tier_section(Server& server) {
    Fields f;
    storage::Tier* tier = server.keyspace().tier();
    if (!tier) {
        add(f, "db_tier_enabled", 0);
        return f;
    }
    const storage::TierStats disk = tier->store().stats();
    const storage::TierCounters& c = tier->counters();
    add(f, "db_tier_enabled", 1);
    add(f, "db_tier_keys", disk.keys);
    add(f, "db_tier_disk_bytes", disk.disk_bytes);
    add(f, "db_tier_spills", c.spills.load());
    add(f, "db_tier_disk_reads", c.disk_reads.load());
    add(f, "db_tier_promotions", c.promotions.load());
    add(f, "db_tier_pending_writes", tier->pending_writes());
    add(f, "db_tier_pending_bytes", tier->pending_bytes());
    add(f, "db_tier_write_errors", c.write_errors.load());
    add(f, "db_tier_expired_dropped", disk.expired_dropped);
    add(f, "db_tier_rocksdb_stall_micros", disk.stall_micros);
    add(f, "db_tier_rocksdb_compaction_write_bytes", disk.compaction_write_bytes);
    add(f, "db_tier_rocksdb_running_compactions", disk.running_compactions);
    if (storage::Warmup* warmup = server.warmup()) {
        const storage::Warmup::Progress p = warmup->progress();
        add(f, "db_tier_warmup_running", p.running ? 1 : 0);
        add(f, "db_tier_warmup_loaded", p.loaded);
        add(f, "db_tier_warmup_total", p.total);
        add(f, "db_tier_warmup_eta_seconds", static_cast<std::int64_t>(p.eta_seconds));
    }
    return f;
}

// ---- section selection -----------------------------------------------------------

// The sections in output order.
struct SectionName {
    std::string_view name;   // lower case, as requested
    std::string_view title;  // as in the "# Title" header
    bool in_default;         // shown by INFO and INFO default (else only by name, all, everything)
};
constexpr std::array<SectionName, 14> kSections = {{{"server", "Server", true},
                                                    {"clients", "Clients", true},
                                                    {"memory", "Memory", true},
                                                    {"persistence", "Persistence", true},
                                                    {"stats", "Stats", true},
                                                    {"replication", "Replication", true},
                                                    {"cpu", "CPU", true},
                                                    {"modules", "Modules", true},
                                                    {"commandstats", "Commandstats", false},
                                                    {"errorstats", "Errorstats", true},
                                                    {"latencystats", "Latencystats", false},
                                                    {"cluster", "Cluster", true},
                                                    {"tier", "Tier", false},  // tierkv's own: INFO tier, INFO all
                                                    {"keyspace", "Keyspace", true}}};

// The requested section names, "default", "all" and "everything" expanded.
std::set<std::string> requested_sections(std::span<const std::string_view> args) {
    std::set<std::string> wanted;
    bool default_sections = args.empty();
    bool every_section = false;
    for (std::string_view arg : args) {
        std::string name = to_lower(arg);
        if (name == "default") {
            default_sections = true;
        } else if (name == "all" || name == "everything") {
            every_section = true;
        } else {
            wanted.insert(std::move(name));
        }
    }
    for (const SectionName& s : kSections) {
        if (every_section || (default_sections && s.in_default)) wanted.emplace(s.name);
    }
    return wanted;
}

Fields section_fields(Server& server, std::string_view name, const Config& config, std::int64_t now_ms) {
    if (name == "server") return server_section(server, config, now_ms);
    if (name == "clients") return clients_section(server, config);
    if (name == "memory") return memory_section(server, config);
    if (name == "persistence") return persistence_section(server);
    if (name == "stats") return stats_section(server);
    if (name == "replication") return replication_section(server);
    if (name == "cpu") return cpu_section();
    if (name == "commandstats") return commandstats_section(server);
    if (name == "errorstats") return errorstats_section(server);
    if (name == "latencystats") return latencystats_section(server);
    if (name == "cluster") return cluster_section();
    if (name == "tier") return tier_section(server);
    if (name == "keyspace") return keyspace_section(server);
    return {};  // modules: none
}

}  // namespace

std::string info_text(Server& server, std::span<const std::string_view> sections) {
    const std::set<std::string> wanted = requested_sections(sections);
    const Config config = server.config();
    const std::int64_t now_ms = storage::unix_time_ms();
    std::string out;
    for (const SectionName& section : kSections) {
        if (!wanted.contains(std::string(section.name))) continue;
        if (!out.empty()) out += "\r\n";
        fmt::format_to(std::back_inserter(out), "# {}\r\n", section.title);
        out += section_fields(server, section.name, config, now_ms);
    }
    return out;
}

}  // namespace tierkv::server
