#include "client/bench/runner.h"

#include <algorithm>
#include <condition_variable>
#include <latch>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "client/bench/rng.h"
#include "client/bench/worker.h"

namespace tierkv::bench {
namespace {

std::uint64_t scaled(std::uint64_t total, std::uint64_t part, std::uint64_t whole) {
    return static_cast<std::uint64_t>(static_cast<unsigned __int128>(total) * part / whole);
}

std::vector<WorkerPlan> plan_workers(const Options& options) {
    std::vector<WorkerPlan> plans;
    const std::uint32_t threads = std::min(options.threads, options.clients);
    std::uint64_t first = 0;
    std::uint64_t seed_state = options.seed;
    for (std::uint32_t t = 0; t < threads; ++t) {
        WorkerPlan plan;
        plan.connections = options.clients / threads + (t < options.clients % threads ? 1 : 0);
        const std::uint64_t last = first + plan.connections;
        plan.keys = options.keys;
        plan.keys.start = (options.keys.start + scaled(options.keys.keyspace, first, options.clients)) %
                          options.keys.keyspace;
        plan.seed = splitmix64(seed_state);
        if (options.requests) plan.budget = share(*options.requests, first, last, options.clients);
        plans.push_back(plan);
        first = last;
    }
    return plans;
}

RunResult run_workers(const Options& options, TraceWriter* trace, const ProgressFn& progress) {
    const std::string value_bytes = make_value_bytes(options.value_size.max, options.seed);
    std::vector<std::unique_ptr<Worker>> workers;
    for (const WorkerPlan& plan : plan_workers(options)) {
        workers.push_back(std::make_unique<Worker>(options, plan, value_bytes, trace));
    }
    const std::size_t count = workers.size();
    std::vector<std::string> connect_errors(count);
    std::latch connected(static_cast<std::ptrdiff_t>(count + 1));
    std::mutex mutex;
    std::condition_variable finished_cv;
    std::size_t finished = 0;

    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < count; ++i) {
        threads.emplace_back([&, i] {
            connect_errors[i] = workers[i]->connect();
            connected.arrive_and_wait();
            // Everyone starts together, or nobody does.
            const bool all_connected = std::all_of(connect_errors.begin(), connect_errors.end(),
                                                   [](const std::string& e) { return e.empty(); });
            if (all_connected) workers[i]->run();
            std::lock_guard lock(mutex);
            ++finished;
            finished_cv.notify_one();
        });
    }
    connected.arrive_and_wait();
    const auto start = Worker::Clock::now();
    {
        std::unique_lock lock(mutex);
        while (!finished_cv.wait_for(lock, std::chrono::seconds(1), [&] { return finished == count; })) {
            if (!progress) continue;
            lock.unlock();
            Stats so_far;
            for (const auto& worker : workers) so_far.merge(worker->snapshot());
            progress(so_far, std::chrono::duration<double>(Worker::Clock::now() - start).count());
            lock.lock();
        }
    }
    threads.clear();  // joins

    RunResult result;
    for (const std::string& error : connect_errors) {
        if (!error.empty()) {
            result.error = error;
            return result;
        }
    }
    auto first_start = workers.front()->started();
    auto last_finish = workers.front()->finished();
    for (const auto& worker : workers) {
        result.stats.merge(worker->stats());
        first_start = std::min(first_start, worker->started());
        last_finish = std::max(last_finish, worker->finished());
        if (!worker->last_error().empty()) result.last_connection_error = worker->last_error();
    }
    result.elapsed_s = std::chrono::duration<double>(last_finish - first_start).count();
    return result;
}

}  // namespace

std::uint64_t share(std::uint64_t total, std::uint64_t first, std::uint64_t last, std::uint64_t clients) {
    return scaled(total, last, clients) - scaled(total, first, clients);
}

RunResult run_benchmark(const Options& options, TraceWriter* trace, const ProgressFn& progress) {
    return run_workers(options, trace, progress);
}

RunResult run_load(const Options& options, const ProgressFn& progress) {
    // The threads' sequential cursors start at their share of the key space
    // and each sends exactly that share, so every key is SET once.
    Options load = options;
    load.mode = Mode::kMixed;
    load.ratio = Ratio{1, 0};
    load.keys.distribution = Distribution{Distribution::kSequential};
    load.keys.scan_fraction = 0;
    load.keys.start = 0;
    load.requests = options.keys.keyspace;
    load.duration_s.reset();
    return run_workers(load, nullptr, progress);
}

}  // namespace tierkv::bench
