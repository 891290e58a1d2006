// A log-linear latency histogram in the spirit of HdrHistogram: exact below
// 256, then 128 equal buckets per power of two, so any recorded value is
// reported within kMaxRelativeError (0.4%) of itself. Fixed size (58 KiB),
// O(1) record, cheap to copy and merge.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tierkv::bench {

class Histogram {
public:
    static constexpr int kSubBucketBits = 7;
    static constexpr std::uint64_t kSubBuckets = std::uint64_t{1} << kSubBucketBits;
    // A bucket reports its midpoint: at most half a bucket, 1/256 of the
    // bucket's lower bound, away from any value in it.
    static constexpr double kMaxRelativeError = 1.0 / (2 * kSubBuckets);

    Histogram();

    void record(std::uint64_t value);
    void merge(const Histogram& other);

    std::uint64_t count() const { return count_; }
    std::uint64_t min() const { return count_ ? min_ : 0; }
    std::uint64_t max() const { return max_; }
    double mean() const;

    // The nearest-rank percentile, q in [0, 100]: a value within
    // kMaxRelativeError of the ceil(q% * count)-th smallest recorded value.
    // 0 when empty.
    std::uint64_t percentile(double q) const;

    static std::size_t bucket_of(std::uint64_t value);
    static std::uint64_t bucket_low(std::size_t bucket);
    static std::uint64_t bucket_width(std::size_t bucket);

private:
    std::vector<std::uint64_t> counts_;
    std::uint64_t count_ = 0;
    std::uint64_t min_ = UINT64_MAX;
    std::uint64_t max_ = 0;
    long double sum_ = 0;
};

}  // namespace tierkv::bench
