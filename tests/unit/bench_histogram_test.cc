// tierkv-bench's latency histogram: bucket layout, percentiles against the
// exact sorted values, merging.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "client/bench/histogram.h"
#include "client/bench/rng.h"

using tierkv::bench::Histogram;
using tierkv::bench::Rng;

namespace {

// The nearest-rank percentile of sorted values, the definition Histogram
// approximates.
std::uint64_t exact_percentile(const std::vector<std::uint64_t>& sorted, double q) {
    const auto n = static_cast<double>(sorted.size());
    const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q / 100 * n)));
    return sorted[rank - 1];
}

// Values spread evenly over the orders of magnitude from 1 ns to ~30 s.
std::vector<std::uint64_t> log_uniform_values(std::size_t count, std::uint64_t seed) {
    Rng rng(seed);
    std::vector<std::uint64_t> values;
    for (std::size_t i = 0; i < count; ++i) {
        values.push_back(static_cast<std::uint64_t>(std::exp(rng.unit() * std::log(3e10))));
    }
    return values;
}

}  // namespace

TEST_CASE("bench histogram: the stated error bound is about 1% or better", "[bench]") {
    CHECK(Histogram::kMaxRelativeError <= 0.01);
}

TEST_CASE("bench histogram: every value falls in a bucket no wider than the error bound", "[bench]") {
    Rng rng(3);
    std::vector<std::uint64_t> values = {0, 1, 127, 128, 255, 256, 257, 511, 512, 1000, 65535, 65536, UINT64_MAX};
    for (int shift = 0; shift < 64; ++shift) {
        values.push_back(std::uint64_t{1} << shift);
        values.push_back((std::uint64_t{1} << shift) - 1);
        values.push_back(rng.next() >> shift);
    }
    for (std::uint64_t v : values) {
        INFO("value " << v);
        const std::size_t bucket = Histogram::bucket_of(v);
        const std::uint64_t low = Histogram::bucket_low(bucket);
        const std::uint64_t width = Histogram::bucket_width(bucket);
        CHECK(low <= v);
        CHECK(v - low < width);
        // Half a bucket around its midpoint stays within the bound.
        CHECK(static_cast<double>(width - 1) / 2 <= static_cast<double>(low) * Histogram::kMaxRelativeError);
    }
    // Buckets are ordered like their values, with no gaps.
    for (std::size_t b = 1; b < Histogram::bucket_of(UINT64_MAX); ++b) {
        INFO("bucket " << b);
        REQUIRE(Histogram::bucket_low(b) == Histogram::bucket_low(b - 1) + Histogram::bucket_width(b - 1));
    }
}

TEST_CASE("bench histogram: small values are exact", "[bench]") {
    Histogram h;
    for (std::uint64_t v = 1; v <= 200; ++v) h.record(v);
    CHECK(h.count() == 200);
    CHECK(h.percentile(50) == 100);
    CHECK(h.percentile(99) == 198);
    CHECK(h.percentile(0) == 1);
    CHECK(h.percentile(100) == 200);
    CHECK(h.min() == 1);
    CHECK(h.max() == 200);
    CHECK(h.mean() == Approx(100.5));
}

TEST_CASE("bench histogram: percentiles match the exact sorted values within the bound", "[bench]") {
    std::vector<std::uint64_t> values = log_uniform_values(100000, 42);
    Histogram h;
    for (std::uint64_t v : values) h.record(v);
    std::sort(values.begin(), values.end());
    for (double q : {0.0, 0.1, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
        const std::uint64_t exact = exact_percentile(values, q);
        const std::uint64_t got = h.percentile(q);
        INFO("q " << q << " exact " << exact << " histogram " << got);
        CHECK(std::abs(static_cast<double>(got) - static_cast<double>(exact)) <=
              static_cast<double>(exact) * Histogram::kMaxRelativeError);
    }
    CHECK(h.percentile(100) == values.back());
    CHECK(h.min() == values.front());
    CHECK(h.max() == values.back());
    long double sum = 0;
    for (std::uint64_t v : values) sum += v;
    CHECK(h.mean() == Approx(static_cast<double>(sum / values.size())));
}

TEST_CASE("bench histogram: a skewed latency mix", "[bench]") {
    // 99% fast, 1% slow: p99 and p99.9 must land in the right group.
    Histogram h;
    std::vector<std::uint64_t> values;
    Rng rng(9);
    for (int i = 0; i < 9900; ++i) values.push_back(200000 + rng.below(50000));
    for (int i = 0; i < 100; ++i) values.push_back(20000000 + rng.below(5000000));
    for (std::uint64_t v : values) h.record(v);
    std::sort(values.begin(), values.end());
    for (double q : {50.0, 98.99, 99.0, 99.01, 99.9}) {
        const double exact = static_cast<double>(exact_percentile(values, q));
        INFO("q " << q);
        CHECK(static_cast<double>(h.percentile(q)) == Approx(exact).epsilon(Histogram::kMaxRelativeError));
    }
    CHECK(h.percentile(99) < 250000 * (1 + Histogram::kMaxRelativeError));
    CHECK(h.percentile(99.01) >= 20000000 * (1 - Histogram::kMaxRelativeError));
}

TEST_CASE("bench histogram: merging equals recording everything in one", "[bench]") {
    const auto a_values = log_uniform_values(5000, 1);
    const auto b_values = log_uniform_values(7000, 2);
    Histogram a, b, all;
    for (auto v : a_values) a.record(v), all.record(v);
    for (auto v : b_values) b.record(v), all.record(v);
    a.merge(b);
    CHECK(a.count() == all.count());
    CHECK(a.min() == all.min());
    CHECK(a.max() == all.max());
    CHECK(a.mean() == Approx(all.mean()));
    for (double q : {1.0, 50.0, 90.0, 99.0, 99.9}) CHECK(a.percentile(q) == all.percentile(q));
}

TEST_CASE("bench histogram: empty", "[bench]") {
    Histogram h;
    CHECK(h.count() == 0);
    CHECK(h.percentile(50) == 0);
    CHECK(h.min() == 0);
    CHECK(h.max() == 0);
    CHECK(h.mean() == 0);
    Histogram other;
    other.record(7);
    h.merge(other);
    CHECK(h.min() == 7);
    CHECK(h.percentile(50) == 7);
}
