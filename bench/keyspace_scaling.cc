// tierkv-keyspace-bench: how the storage layer alone scales with threads.
//
// On a 2-core machine the network benchmarks cannot show thread scaling (the
// load generator takes one core). This runs the path a GET or SET takes
// once its command is parsed: lock the key's shard, look the key up (or
// store a value), copy the value out, unlock. It runs with 1..N threads over
// uniformly chosen keys, over one hot key, and with a keyspace per thread
// (nothing shared: the machine's own ceiling), and prints operations per
// second and the speed-up against one thread. What threads share on this
// path is the shard mutexes (a hot key serialises on one), the memory gauge
// (one relaxed atomic add per write) and the allocator.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "storage/keyspace.h"

using tierkv::storage::DbView;
using tierkv::storage::Entry;
using tierkv::storage::KeyLock;
using tierkv::storage::Keyspace;
using tierkv::storage::Value;

namespace {

constexpr std::int64_t kNowMs = 1'700'000'000'000;

std::string key_name(std::uint64_t i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "key:%012llu", static_cast<unsigned long long>(i));
    return buf;
}

struct Workload {
    std::uint64_t keys;           // keys loaded and chosen from
    bool hot;                     // every operation on key 0
    unsigned write_percent;       // the rest are reads
    std::uint64_t ops_per_thread;
    // Each thread has a keyspace of its own with keys / threads keys, so
    // nothing is shared but the allocator and the machine: the ceiling.
    bool keyspace_per_thread = false;
};

// One thread's loop; returns the bytes it read (so nothing is optimised away).
std::uint64_t run_thread(Keyspace& ks, const Workload& w, std::span<const std::string> names, const std::string& value,
                         unsigned seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<std::uint64_t> pick(0, names.size() - 1);
    std::uniform_int_distribution<unsigned> percent(0, 99);
    std::uint64_t read_bytes = 0;
    for (std::uint64_t i = 0; i < w.ops_per_thread; ++i) {
        const std::string_view key = names[w.hot ? 0 : pick(rng)];
        const std::string_view keys[] = {key};
        KeyLock lock = ks.lock(keys, kNowMs);
        DbView db = lock.db(0);
        if (percent(rng) < w.write_percent) {
            db.set(key, Value::string(value));
        } else if (const Entry* e = db.find_for_read(key)) {
            std::string copy(e->value.str());  // a reply copies the bytes out under the lock
            read_bytes += copy.size();
        }
    }
    return read_bytes;
}

// Operations per second with `threads` threads, all keys loaded first.
double measure(const Workload& w, unsigned threads, std::size_t shards, std::span<const std::string> names,
               const std::string& value) {
    const std::size_t keyspaces = w.keyspace_per_thread ? threads : 1;
    const std::uint64_t keys_each = std::max<std::uint64_t>(1, w.keys / keyspaces);
    std::vector<std::unique_ptr<Keyspace>> spaces;
    for (std::size_t k = 0; k < keyspaces; ++k) {
        auto& ks = *spaces.emplace_back(std::make_unique<Keyspace>(shards, 1));
        for (std::uint64_t i = 0; i < keys_each; ++i) {
            const std::string_view keys[] = {names[i]};
            KeyLock lock = ks.lock(keys, kNowMs);
            lock.db(0).set(names[i], Value::string(value));
        }
    }
    std::vector<std::thread> pool;
    std::vector<std::uint64_t> read_bytes(threads, 0);
    const auto start = std::chrono::steady_clock::now();
    for (unsigned t = 0; t < threads; ++t) {
        Keyspace* ks = spaces[t % keyspaces].get();
        pool.emplace_back([&, ks, t] { read_bytes[t] = run_thread(*ks, w, names.first(keys_each), value, 1234 + t); });
    }
    for (auto& th : pool) th.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::uint64_t total_read = 0;
    for (std::uint64_t b : read_bytes) total_read += b;
    // Every read found its key (all were loaded, none expires).
    const std::uint64_t ops = w.ops_per_thread * threads;
    if (w.write_percent == 0 && total_read != ops * value.size()) {
        std::fprintf(stderr, "reads returned %llu bytes, expected %llu\n", static_cast<unsigned long long>(total_read),
                     static_cast<unsigned long long>(ops * value.size()));
        std::exit(1);
    }
    return static_cast<double>(ops) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"tierkv-keyspace-bench: storage-layer throughput with 1..N threads"};
    std::uint64_t keys = 1'000'000;
    std::uint64_t ops = 2'000'000;
    unsigned max_threads = std::max(2u, std::thread::hardware_concurrency());
    std::size_t shards = 0;
    std::size_t value_size = 100;
    app.add_option("--keys", keys, "Keys loaded (16-byte names)")->check(CLI::PositiveNumber);
    app.add_option("--ops", ops, "Operations per thread")->check(CLI::PositiveNumber);
    app.add_option("--max-threads", max_threads, "Runs with 1..this many threads")->check(CLI::PositiveNumber);
    app.add_option("--shards", shards, "Keyspace shards; 0 = as the server: 16 per thread of the largest run, at least 64");
    app.add_option("--value-size", value_size, "Bytes per value");
    CLI11_PARSE(app, argc, argv);
    if (shards == 0) shards = std::max<std::size_t>(64, 16 * max_threads);

    const std::string value(value_size, 'v');
    std::vector<std::string> names;  // built once: no allocation in the measured loop
    names.reserve(keys);
    for (std::uint64_t i = 0; i < keys; ++i) names.push_back(key_name(i));
    std::printf("%-28s %8s %14s %9s\n", "workload", "threads", "ops/s", "speed-up");
    const struct {
        const char* name;
        bool hot;
        unsigned write_percent;
        bool keyspace_per_thread;
    } workloads[] = {{"GET, uniform keys", false, 0, false},
                     {"GET, a keyspace per thread", false, 0, true},
                     {"90% GET 10% SET, uniform", false, 10, false},
                     {"GET, one hot key", true, 0, false}};
    for (const auto& wl : workloads) {
        const Workload w{wl.hot ? 1 : keys, wl.hot, wl.write_percent, ops, wl.keyspace_per_thread};
        double one = 0;
        for (unsigned threads = 1; threads <= max_threads; ++threads) {
            const double rate = measure(w, threads, shards, names, value);
            if (threads == 1) one = rate;
            std::printf("%-28s %8u %14.0f %8.2fx\n", wl.name, threads, rate, rate / one);
            std::fflush(stdout);
        }
    }
    return 0;
}
