#include "client/bench/zipf.h"

#include <algorithm>
#include <cmath>

namespace tierkv::bench {
namespace {

// log1p(t) / t and expm1(t) / t, both 1 at t == 0, computed without the
// cancellation their plain forms suffer near 0 (that is, for s near 1).
double log1p_over(double t) {
    if (std::abs(t) > 1e-8) return std::log1p(t) / t;
    return 1 - t * (0.5 - t / 3);
}

double expm1_over(double t) {
    if (std::abs(t) > 1e-8) return std::expm1(t) / t;
    return 1 + t * (0.5 + t / 6);
}

}  // namespace

ZipfSampler::ZipfSampler(std::uint64_t n, double s)
    : n_(n), s_(s), area_first_(H(1.5) - 1), area_last_(H(static_cast<double>(n) + 0.5)) {}

double ZipfSampler::h(double x) const { return std::exp(-s_ * std::log(x)); }

// (x^(1-s) - 1) / (1-s), and log(x) when s == 1, in one stable form.
double ZipfSampler::H(double x) const {
    const double log_x = std::log(x);
    return expm1_over((1 - s_) * log_x) * log_x;
}

double ZipfSampler::H_inverse(double y) const {
    // Rounding can push (1-s)*y to or below -1, where log1p is undefined.
    const double t = std::max((1 - s_) * y, -1 + 1e-15);
    return std::exp(log1p_over(t) * y);
}

// A continuous x is drawn with density proportional to h over
// [0.5, n + 0.5] (rank 1's piece narrowed to exactly h(1) wide) and
// rounded to the nearest rank k. Since h is convex, each k's piece has at
// least h(k) of area; keeping only the last h(k) of it makes P(k)
// proportional to h(k). Rank 1 is always kept.
std::uint64_t ZipfSampler::sample(Rng& rng) const {
    const double max_rank = static_cast<double>(n_);
    while (true) {
        const double u = area_last_ + rng.unit() * (area_first_ - area_last_);
        const double x = H_inverse(u);
        const double k = std::clamp(std::round(x), 1.0, max_rank);
        if (k == 1 || u >= H(k + 0.5) - h(k)) return static_cast<std::uint64_t>(k);
    }
}

}  // namespace tierkv::bench
