// The requests one worker thread generates: GET or SET (by --ratio, or
// always a GET in cache-aside mode), which key, how large a value; until
// the thread's share of --requests is spent or the run is stopped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "client/bench/key_chooser.h"
#include "client/bench/options.h"
#include "client/bench/rng.h"

namespace tierkv::bench {

struct Op {
    enum Kind { kGet, kSet };
    Kind kind;
    std::uint64_t key;
};

class Workload {
public:
    // `budget`: requests to generate, nullopt for no limit (--duration).
    Workload(const Options& options, const KeySpec& keys, std::uint64_t seed, std::optional<std::uint64_t> budget);

    std::optional<Op> next();
    void stop() { stopped_ = true; }
    // Whether next() will return nothing from now on.
    bool exhausted() const { return stopped_ || (budget_ && generated_ >= *budget_); }

    std::uint32_t value_size();

private:
    KeyChooser keys_;
    Rng rng_;
    Mode mode_;
    Ratio ratio_;
    ValueSize value_size_;
    std::uint64_t generated_ = 0;
    std::optional<std::uint64_t> budget_;
    bool stopped_ = false;
};

// Formats "<prefix><number>" into a reused buffer.
class KeyFormatter {
public:
    explicit KeyFormatter(std::string prefix);
    std::string_view format(std::uint64_t key);

private:
    std::string buffer_;
    std::size_t prefix_size_;
};

// The bytes SET values are cut from: printable, seeded, as long as the
// largest value. Shared read-only by all threads.
std::string make_value_bytes(std::uint32_t size, std::uint64_t seed);

}  // namespace tierkv::bench
