// Zipf-distributed ranks 1..n with P(k) proportional to 1 / k^s, by
// rejection-inversion (Hörmann and Derflinger, "Rejection-inversion to
// generate variates from monotone discrete distributions", 1996): O(1)
// memory and time per sample, whatever the key space size.
#pragma once

#include <cstdint>

#include "client/bench/rng.h"

namespace tierkv::bench {

class ZipfSampler {
public:
    // n >= 1, s > 0 (s == 1 included).
    ZipfSampler(std::uint64_t n, double s);

    std::uint64_t sample(Rng& rng) const;  // in [1, n]

    std::uint64_t n() const { return n_; }
    double s() const { return s_; }

private:
    double h(double x) const;          // x^-s, the unnormalised density
    double H(double x) const;          // integral of h from 1 to x
    double H_inverse(double y) const;  // x with H(x) == y

    std::uint64_t n_;
    double s_;
    double area_first_;  // H(1.5) - h(1): where the samples' range starts
    double area_last_;   // H(n + 0.5): where it ends
};

}  // namespace tierkv::bench
