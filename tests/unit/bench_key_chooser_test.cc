// tierkv-bench's key distributions: Zipf follows its rank law, uniform
// covers the key space evenly, sequential and scan cursors walk and wrap,
// and a seed fixes the sequence.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <map>
#include <vector>

#include "client/bench/key_chooser.h"
#include "client/bench/rng.h"
#include "client/bench/zipf.h"

using tierkv::bench::Distribution;
using tierkv::bench::KeyChooser;
using tierkv::bench::KeySpec;
using tierkv::bench::Rng;
using tierkv::bench::ZipfSampler;

namespace {

std::vector<std::uint64_t> draw(KeyChooser chooser, std::size_t count) {
    std::vector<std::uint64_t> keys;
    for (std::size_t i = 0; i < count; ++i) keys.push_back(chooser.next());
    return keys;
}

KeySpec spec(std::uint64_t keyspace, Distribution distribution, double scan_fraction = 0, std::uint64_t start = 0) {
    return KeySpec{keyspace, distribution, scan_fraction, start};
}

const Distribution kUniform{Distribution::kUniform};
const Distribution kSequential{Distribution::kSequential};
Distribution zipf(double s) { return Distribution{Distribution::kZipf, s}; }

}  // namespace

TEST_CASE("bench zipf: rank 1 over rank 2 is 2^s, rank 1 over rank 10 is 10^s", "[bench]") {
    const double s = GENERATE(0.6, 0.99, 1.0, 1.3);
    INFO("s = " << s);
    ZipfSampler zipf(1000, s);
    Rng rng(12345);
    std::vector<std::uint64_t> counts(1001);
    constexpr int kSamples = 2000000;
    for (int i = 0; i < kSamples; ++i) {
        const std::uint64_t rank = zipf.sample(rng);
        REQUIRE(rank >= 1);
        REQUIRE(rank <= 1000);
        ++counts[rank];
    }
    // For s = 0.6, the flattest here, the ratios' standard deviations are
    // about 0.7% and 1%: the margins are four to five of them.
    const double one_two = static_cast<double>(counts[1]) / static_cast<double>(counts[2]);
    const double one_ten = static_cast<double>(counts[1]) / static_cast<double>(counts[10]);
    CHECK(one_two == Approx(std::pow(2, s)).epsilon(0.03));
    CHECK(one_ten == Approx(std::pow(10, s)).epsilon(0.05));
}

TEST_CASE("bench zipf: every rank's frequency matches its probability", "[bench]") {
    const double s = GENERATE(0.5, 1.0, 2.0);
    INFO("s = " << s);
    constexpr std::uint64_t kN = 20;
    constexpr int kSamples = 400000;
    double norm = 0;
    for (std::uint64_t k = 1; k <= kN; ++k) norm += std::pow(static_cast<double>(k), -s);
    ZipfSampler zipf(kN, s);
    Rng rng(99);
    std::vector<int> counts(kN + 1);
    for (int i = 0; i < kSamples; ++i) ++counts[zipf.sample(rng)];
    for (std::uint64_t k = 1; k <= kN; ++k) {
        const double p = std::pow(static_cast<double>(k), -s) / norm;
        const double expected = p * kSamples;
        const double sigma = std::sqrt(kSamples * p * (1 - p));
        INFO("rank " << k << " expected " << expected << " got " << counts[k]);
        CHECK(std::abs(counts[k] - expected) <= 5 * sigma);
    }
}

TEST_CASE("bench zipf: a key space of one key", "[bench]") {
    ZipfSampler zipf(1, 0.99);
    Rng rng(1);
    for (int i = 0; i < 1000; ++i) REQUIRE(zipf.sample(rng) == 1);
}

TEST_CASE("bench key chooser: zipf makes key 0 the most popular", "[bench]") {
    const auto keys = draw(KeyChooser(spec(1000, zipf(1.1)), 5), 200000);
    std::vector<int> counts(1000);
    for (auto k : keys) ++counts.at(k);
    CHECK(std::max_element(counts.begin(), counts.end()) == counts.begin());
    CHECK(static_cast<double>(counts[0]) / counts[1] == Approx(std::pow(2, 1.1)).epsilon(0.06));
    CHECK(counts[0] > counts[999] * 100);
}

TEST_CASE("bench key chooser: uniform covers the key space evenly", "[bench]") {
    constexpr std::uint64_t kKeys = 1000;
    constexpr int kPerKey = 200;
    const auto keys = draw(KeyChooser(spec(kKeys, kUniform), 77), kKeys * kPerKey);
    std::vector<int> counts(kKeys);
    for (auto k : keys) {
        REQUIRE(k < kKeys);
        ++counts[k];
    }
    // Binomial: sd = sqrt(200) ~ 14; 6 sd either side.
    const auto [least, most] = std::minmax_element(counts.begin(), counts.end());
    CHECK(*least >= kPerKey - 85);
    CHECK(*most <= kPerKey + 85);
    // Both halves of the key space get half the requests.
    const auto low = std::count_if(keys.begin(), keys.end(), [](auto k) { return k < kKeys / 2; });
    CHECK(static_cast<double>(low) / static_cast<double>(keys.size()) == Approx(0.5).margin(0.01));
}

TEST_CASE("bench key chooser: sequential walks from its start and wraps", "[bench]") {
    CHECK(draw(KeyChooser(spec(5, kSequential), 1), 12) == std::vector<std::uint64_t>{0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1});
    CHECK(draw(KeyChooser(spec(5, kSequential, 0, 3), 1), 7) == std::vector<std::uint64_t>{3, 4, 0, 1, 2, 3, 4});
    CHECK(draw(KeyChooser(spec(1, kSequential), 1), 3) == std::vector<std::uint64_t>{0, 0, 0});
}

TEST_CASE("bench key chooser: the same seed gives the same sequence", "[bench]") {
    const Distribution distribution = GENERATE(Distribution{Distribution::kUniform}, zipf(0.9));
    const KeySpec keys = spec(1000000, distribution, 0.1);
    const auto first = draw(KeyChooser(keys, 2024), 10000);
    CHECK(first == draw(KeyChooser(keys, 2024), 10000));
    CHECK(first != draw(KeyChooser(keys, 2025), 10000));
}

TEST_CASE("bench key chooser: scans take their fraction and walk in order", "[bench]") {
    // In a huge key space a uniform key is practically never the scan
    // cursor's next key, so the scanned requests can be told apart.
    constexpr std::uint64_t kStart = 500;
    const auto keys = draw(KeyChooser(spec(std::uint64_t{1} << 40, kUniform, 0.3, kStart), 8), 100000);
    std::uint64_t next_scan = kStart;
    int scanned = 0;
    for (auto k : keys) {
        if (k == next_scan) {
            ++scanned;
            ++next_scan;
        }
    }
    CHECK(scanned / 100000.0 == Approx(0.3).margin(0.01));

    // Everything scanned: a plain walk over the key space, wrapping.
    const auto all = draw(KeyChooser(spec(4, zipf(1.0), 1.0, 2), 5), 6);
    CHECK(all == std::vector<std::uint64_t>{2, 3, 0, 1, 2, 3});
}

TEST_CASE("bench key chooser: distribution names", "[bench]") {
    using tierkv::bench::parse_distribution;
    CHECK(parse_distribution("uniform") == kUniform);
    CHECK(parse_distribution("sequential") == kSequential);
    CHECK(parse_distribution("zipf:0.99") == zipf(0.99));
    CHECK(parse_distribution("zipf:1") == zipf(1));
    for (const char* bad : {"", "zipf", "zipf:", "zipf:0", "zipf:-1", "zipf:x", "zipf:1.0x", "zipf:inf", "Uniform",
                            "gaussian"}) {
        INFO(bad);
        CHECK_FALSE(parse_distribution(bad));
    }
    CHECK(to_string(zipf(0.99)) == "zipf:0.99");
    CHECK(*parse_distribution(to_string(zipf(1.25))) == zipf(1.25));
    CHECK(to_string(kSequential) == "sequential");
}

TEST_CASE("bench rng: below() stays below its bound", "[bench]") {
    Rng rng(4);
    for (std::uint64_t bound : {std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{3}, std::uint64_t{1000},
                                (std::uint64_t{1} << 63) + 1, UINT64_MAX}) {
        for (int i = 0; i < 1000; ++i) REQUIRE(rng.below(bound) < bound);
    }
    for (int i = 0; i < 1000; ++i) {
        const double u = rng.unit();
        REQUIRE(u >= 0);
        REQUIRE(u < 1);
    }
}
