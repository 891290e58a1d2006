// Which key each request names: an index in [0, keyspace), drawn from a
// uniform, Zipf or sequential distribution, with a fraction of requests
// taken instead from a scan cursor that walks the key space in order (what
// a batch job does to a cache). Deterministic for a given seed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "client/bench/rng.h"
#include "client/bench/zipf.h"

namespace tierkv::bench {

struct Distribution {
    enum Kind { kUniform, kZipf, kSequential };
    Kind kind = kUniform;
    double zipf_s = 0;  // kZipf only, > 0

    friend bool operator==(const Distribution&, const Distribution&) = default;
};

// "uniform", "sequential" or "zipf:<s>"; nullopt if `text` is none of them.
std::optional<Distribution> parse_distribution(std::string_view text);
std::string to_string(const Distribution& distribution);

struct KeySpec {
    std::uint64_t keyspace = 1;  // >= 1
    Distribution distribution;
    double scan_fraction = 0;  // in [0, 1]
    // Where the sequential and scan cursors start, so that the worker
    // threads walk different parts of the key space.
    std::uint64_t start = 0;
};

class KeyChooser {
public:
    KeyChooser(const KeySpec& spec, std::uint64_t seed);

    std::uint64_t next();

private:
    std::uint64_t advance(std::uint64_t& cursor) const;

    KeySpec spec_;
    Rng rng_;
    std::optional<ZipfSampler> zipf_;
    std::uint64_t sequential_cursor_;
    std::uint64_t scan_cursor_;
};

}  // namespace tierkv::bench
