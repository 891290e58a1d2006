#include "client/bench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace tierkv::bench {
namespace {

// Buckets for values up to 2^64 - 1: 2 * kSubBuckets exact ones, then
// kSubBuckets per further power of two.
constexpr std::size_t kBuckets = (64 - Histogram::kSubBucketBits + 1) * Histogram::kSubBuckets;

}  // namespace

Histogram::Histogram() : counts_(kBuckets, 0) {}

// A value keeps its leading kSubBucketBits + 1 bits; the bits shifted out
// say how wide its bucket is.
std::size_t Histogram::bucket_of(std::uint64_t value) {
    const int width = std::bit_width(value);
    const int shift = std::max(0, width - kSubBucketBits - 1);
    return static_cast<std::size_t>(shift) * kSubBuckets + (value >> shift);
}

std::uint64_t Histogram::bucket_low(std::size_t bucket) {
    if (bucket < kSubBuckets) return bucket;
    const std::size_t shift = bucket / kSubBuckets - 1;
    return (bucket % kSubBuckets + kSubBuckets) << shift;
}

std::uint64_t Histogram::bucket_width(std::size_t bucket) {
    if (bucket < kSubBuckets) return 1;
    return std::uint64_t{1} << (bucket / kSubBuckets - 1);
}

void Histogram::record(std::uint64_t value) {
    ++counts_[bucket_of(value)];
    ++count_;
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
    sum_ += value;
}

void Histogram::merge(const Histogram& other) {
    for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    sum_ += other.sum_;
}

double Histogram::mean() const { return count_ ? static_cast<double>(sum_ / count_) : 0.0; }

std::uint64_t Histogram::percentile(double q) const {
    if (count_ == 0) return 0;
    const double wanted = std::ceil(std::clamp(q, 0.0, 100.0) / 100.0 * static_cast<double>(count_));
    const std::uint64_t rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(wanted));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        seen += counts_[i];
        if (seen >= rank) {
            const std::uint64_t mid = bucket_low(i) + (bucket_width(i) - 1) / 2;
            return std::clamp(mid, min(), max_);
        }
    }
    return max_;
}

}  // namespace tierkv::bench
