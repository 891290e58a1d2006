#include "client/bench/key_chooser.h"

#include <charconv>
#include <cmath>

namespace tierkv::bench {

std::optional<Distribution> parse_distribution(std::string_view text) {
    if (text == "uniform") return Distribution{Distribution::kUniform};
    if (text == "sequential") return Distribution{Distribution::kSequential};
    constexpr std::string_view kZipf = "zipf:";
    if (!text.starts_with(kZipf)) return std::nullopt;
    const std::string_view number = text.substr(kZipf.size());
    double s = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), s);
    if (number.empty() || ec != std::errc() || end != number.data() + number.size()) return std::nullopt;
    if (!std::isfinite(s) || s <= 0) return std::nullopt;
    return Distribution{Distribution::kZipf, s};
}

std::string to_string(const Distribution& distribution) {
    switch (distribution.kind) {
        case Distribution::kUniform:
            return "uniform";
        case Distribution::kSequential:
            return "sequential";
        case Distribution::kZipf: {
            char buf[32];
            const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), distribution.zipf_s);
            return "zipf:" + std::string(buf, end);
        }
    }
    return "?";
}

KeyChooser::KeyChooser(const KeySpec& spec, std::uint64_t seed)
    : spec_(spec),
      rng_(seed),
      sequential_cursor_(spec.start % spec.keyspace),
      scan_cursor_(spec.start % spec.keyspace) {
    if (spec.distribution.kind == Distribution::kZipf) zipf_.emplace(spec.keyspace, spec.distribution.zipf_s);
}

std::uint64_t KeyChooser::advance(std::uint64_t& cursor) const {
    const std::uint64_t key = cursor;
    cursor = cursor + 1 == spec_.keyspace ? 0 : cursor + 1;
    return key;
}

std::uint64_t KeyChooser::next() {
    if (spec_.scan_fraction > 0 && rng_.unit() < spec_.scan_fraction) return advance(scan_cursor_);
    switch (spec_.distribution.kind) {
        case Distribution::kUniform:
            return rng_.below(spec_.keyspace);
        case Distribution::kSequential:
            return advance(sequential_cursor_);
        case Distribution::kZipf:
            return zipf_->sample(rng_) - 1;  // rank 1, the most popular, is key 0
    }
    return 0;
}

}  // namespace tierkv::bench
