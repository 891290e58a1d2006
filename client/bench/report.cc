#include "client/bench/report.h"

#include <algorithm>
#include <cstdio>
#include <string_view>

namespace tierkv::bench {
namespace {

struct Percentile {
    const char* label;  // for text
    const char* key;    // for JSON
    double q;
};
constexpr Percentile kPercentiles[] = {
    {"p50", "p50", 50}, {"p90", "p90", 90}, {"p99", "p99", 99}, {"p99.9", "p99_9", 99.9}};

template <class... Args>
std::string format(const char* pattern, Args... args) {
    char buf[512];
    const int n = std::snprintf(buf, sizeof(buf), pattern, args...);
    return std::string(buf, static_cast<std::size_t>(std::clamp(n, 0, static_cast<int>(sizeof(buf)) - 1)));
}

std::string ratio_text(const Stats& stats) {
    const auto ratio = stats.hit_ratio();
    return ratio ? format("%.2f%%", *ratio * 100) : std::string("n/a");
}

double per_second(std::uint64_t count, double seconds) {
    return seconds > 0 ? static_cast<double>(count) / seconds : 0.0;
}

std::string json_string(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            out += format("\\u%04x", static_cast<unsigned>(c));
        } else {
            out += c;
        }
    }
    return out + "\"";
}

}  // namespace

double to_us(std::uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

std::string ProgressLine::update(const Stats& so_far, double elapsed_s) {
    const double interval = elapsed_s - last_elapsed_s_;
    const double rate = interval > 0 ? static_cast<double>(so_far.ops - last_ops_) / interval : 0.0;
    last_ops_ = so_far.ops;
    last_elapsed_s_ = elapsed_s;
    return format("[%5.0fs] %10.0f ops/s  %12llu ops  hit %s  p99 %.0f us  errors %llu", elapsed_s, rate,
                  static_cast<unsigned long long>(so_far.ops), ratio_text(so_far).c_str(),
                  to_us(so_far.latency_ns.percentile(99)), static_cast<unsigned long long>(so_far.errors()));
}

std::string format_summary(const Options& options, const RunResult& result) {
    const Stats& s = result.stats;
    std::string out;
    out += format("%u clients, pipeline %u, %u thread(s), %s, keyspace %llu, %s\n", options.clients,
                  options.pipeline, options.threads, std::string(to_string(options.mode)).c_str(),
                  static_cast<unsigned long long>(options.keys.keyspace),
                  to_string(options.keys.distribution).c_str());
    out += format("ops        %llu in %.2f s\n", static_cast<unsigned long long>(s.ops), result.elapsed_s);
    out += format("ops/s      %.0f\n", per_second(s.ops, result.elapsed_s));
    out += format("GETs       %llu  (hits %llu, misses %llu, hit ratio %s)\n", static_cast<unsigned long long>(s.gets),
                  static_cast<unsigned long long>(s.hits), static_cast<unsigned long long>(s.misses),
                  ratio_text(s).c_str());
    out += format("SETs       %llu  (cache-aside fills %llu)\n", static_cast<unsigned long long>(s.sets),
                  static_cast<unsigned long long>(s.fills));
    out += format("errors     %llu  (error replies %llu, connection errors %llu)\n",
                  static_cast<unsigned long long>(s.errors()), static_cast<unsigned long long>(s.error_replies),
                  static_cast<unsigned long long>(s.connection_errors));
    if (!result.last_connection_error.empty()) out += "last connection error: " + result.last_connection_error + "\n";
    out += "latency us";
    for (const Percentile& p : kPercentiles) out += format("  %s %.1f", p.label, to_us(s.latency_ns.percentile(p.q)));
    out += format("  max %.1f  mean %.1f\n", to_us(s.latency_ns.max()), s.latency_ns.mean() / 1000.0);
    return out;
}

std::string format_one_line(const RunResult& result) {
    const Stats& s = result.stats;
    return format("%.0f ops/s  hit %s  p50 %.1f us  p99 %.1f us  errors %llu\n", per_second(s.ops, result.elapsed_s),
                  ratio_text(s).c_str(), to_us(s.latency_ns.percentile(50)), to_us(s.latency_ns.percentile(99)),
                  static_cast<unsigned long long>(s.errors()));
}

std::string format_json(const Options& options, const RunResult& result) {
    const Stats& s = result.stats;
    auto number = [](std::uint64_t n) { return std::to_string(n); };
    std::string out = "{";
    auto field = [&out](std::string_view key, const std::string& value) {
        if (out.size() > 1) out += ", ";
        out += json_string(key) + ": " + value;
    };
    field("host", json_string(options.host));
    field("port", number(options.port));
    field("mode", json_string(to_string(options.mode)));
    field("clients", number(options.clients));
    field("pipeline", number(options.pipeline));
    field("threads", number(options.threads));
    field("keyspace", number(options.keys.keyspace));
    field("distribution", json_string(to_string(options.keys.distribution)));
    field("scan_fraction", format("%g", options.keys.scan_fraction));
    field("seed", number(options.seed));
    field("rate", format("%g", options.rate));
    field("duration_s", format("%.6f", result.elapsed_s));
    field("ops", number(s.ops));
    field("ops_per_sec", format("%.1f", per_second(s.ops, result.elapsed_s)));
    field("gets", number(s.gets));
    field("sets", number(s.sets));
    field("fills", number(s.fills));
    field("hits", number(s.hits));
    field("misses", number(s.misses));
    const auto ratio = s.hit_ratio();
    field("hit_ratio", ratio ? format("%.6f", *ratio) : std::string("null"));
    field("errors", number(s.errors()));
    field("error_replies", number(s.error_replies));
    field("connection_errors", number(s.connection_errors));
    if (!result.last_connection_error.empty()) field("last_connection_error", json_string(result.last_connection_error));
    std::string latency = "{";
    for (const Percentile& p : kPercentiles) {
        latency += format("\"%s\": %.3f, ", p.key, to_us(s.latency_ns.percentile(p.q)));
    }
    latency += format("\"max\": %.3f, \"mean\": %.3f}", to_us(s.latency_ns.max()), s.latency_ns.mean() / 1000.0);
    field("latency_us", latency);
    return out + "}\n";
}

}  // namespace tierkv::bench
