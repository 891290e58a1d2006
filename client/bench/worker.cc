#include "client/bench/worker.h"

namespace tierkv::bench {
namespace {

constexpr auto kPublishEvery = std::chrono::milliseconds(200);

}  // namespace

Worker::Worker(const Options& options, const WorkerPlan& plan, std::string_view value_bytes, TraceWriter* trace)
    : options_(options),
      io_(1),  // one thread runs it: Asio can skip some locking
      workload_(options, plan.keys, plan.seed, plan.budget),
      trace_(trace),
      context_{.options = options,
               .endpoints = {},
               .workload = workload_,
               .stats = stats_,
               .trace = trace_,
               .value_bytes = value_bytes,
               .last_error = last_error_,
               .on_connected = {},
               .on_finished = {}},
      stop_timer_(io_),
      publish_timer_(io_) {
    for (std::uint32_t i = 0; i < plan.connections; ++i) {
        connections_.push_back(std::make_unique<Connection>(io_, context_));
    }
}

std::string Worker::connect() {
    asio::ip::tcp::resolver resolver(io_);
    asio::error_code ec;
    context_.endpoints = resolver.resolve(options_.host, std::to_string(options_.port), ec);
    if (ec) return "cannot resolve " + options_.host + ": " + ec.message();
    std::string first_error;
    context_.on_connected = [&first_error](const std::string& error) {
        if (first_error.empty()) first_error = error;
    };
    for (auto& connection : connections_) connection->connect();
    io_.run();
    context_.on_connected = nullptr;
    return first_error;
}

void Worker::run() {
    io_.restart();
    started_ = finished_ = Clock::now();
    active_ = connections_.size();
    context_.on_finished = [this] {
        if (--active_ > 0) return;
        finished_ = Clock::now();
        stop_timer_.cancel();
        publish_timer_.cancel();
    };
    if (options_.duration_s) {
        stop_timer_.expires_after(std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(*options_.duration_s)));
        stop_timer_.async_wait([this](const asio::error_code& ec) {
            if (!ec) workload_.stop();
        });
    }
    schedule_publish();
    for (auto& connection : connections_) connection->run();
    io_.run();
    trace_.flush();
    publish();
}

void Worker::schedule_publish() {
    publish_timer_.expires_after(kPublishEvery);
    publish_timer_.async_wait([this](const asio::error_code& ec) {
        // A cancel() can come too late to turn the handler into an error.
        if (ec || active_ == 0) return;
        publish();
        schedule_publish();
    });
}

void Worker::publish() {
    std::lock_guard lock(published_mutex_);
    published_ = stats_;
}

Stats Worker::snapshot() const {
    std::lock_guard lock(published_mutex_);
    return published_;
}

}  // namespace tierkv::bench
