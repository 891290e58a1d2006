// One worker thread's part of a run: its own io_context, connections,
// workload and stats, touched by no other thread. Only snapshot() is called
// from elsewhere (the progress line), and reads a copy published under a
// mutex a few times a second.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/bench/connection.h"
#include "client/bench/options.h"
#include "client/bench/stats.h"
#include "client/bench/trace_writer.h"
#include "client/bench/workload.h"

namespace tierkv::bench {

struct WorkerPlan {
    std::uint32_t connections = 1;
    KeySpec keys;  // with where this thread's cursors start
    std::uint64_t seed = 0;
    std::optional<std::uint64_t> budget;  // requests, or none (--duration)
};

class Worker {
public:
    using Clock = std::chrono::steady_clock;

    // `value_bytes` must outlive the worker; `trace` may be null.
    Worker(const Options& options, const WorkerPlan& plan, std::string_view value_bytes, TraceWriter* trace);
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // On the worker thread: makes every connection. Empty, or why one failed.
    std::string connect();
    // On the worker thread: sends requests until the plan is done.
    void run();

    Stats snapshot() const;
    // Valid after run().
    const Stats& stats() const { return stats_; }
    Clock::time_point started() const { return started_; }
    Clock::time_point finished() const { return finished_; }
    const std::string& last_error() const { return last_error_; }

private:
    void publish();
    void schedule_publish();

    const Options& options_;
    asio::io_context io_;
    Workload workload_;
    Stats stats_;
    TraceBuffer trace_;
    std::string last_error_;
    ThreadContext context_;
    std::vector<std::unique_ptr<Connection>> connections_;
    asio::steady_timer stop_timer_;
    asio::steady_timer publish_timer_;
    std::size_t active_ = 0;
    Clock::time_point started_;
    Clock::time_point finished_;

    mutable std::mutex published_mutex_;
    Stats published_;
};

}  // namespace tierkv::bench
