#include "client/bench/workload.h"

#include <charconv>

namespace tierkv::bench {

Workload::Workload(const Options& options, const KeySpec& keys, std::uint64_t seed,
                   std::optional<std::uint64_t> budget)
    : keys_(keys, seed),
      rng_(seed ^ 0x5bd1e995u),
      mode_(options.mode),
      ratio_(options.ratio),
      value_size_(options.value_size),
      budget_(budget) {}

std::optional<Op> Workload::next() {
    if (exhausted()) return std::nullopt;
    // SETs come first in each round of sets + gets requests, so the ratio
    // holds exactly over every round.
    const std::uint64_t round = std::uint64_t{ratio_.sets} + ratio_.gets;
    const bool set = mode_ == Mode::kMixed && generated_ % round < ratio_.sets;
    ++generated_;
    return Op{set ? Op::kSet : Op::kGet, keys_.next()};
}

std::uint32_t Workload::value_size() {
    if (value_size_.min == value_size_.max) return value_size_.min;
    return value_size_.min + static_cast<std::uint32_t>(rng_.below(value_size_.max - value_size_.min + 1ULL));
}

KeyFormatter::KeyFormatter(std::string prefix) : buffer_(std::move(prefix)), prefix_size_(buffer_.size()) {
    buffer_.resize(prefix_size_ + 20);  // room for any uint64
}

std::string_view KeyFormatter::format(std::uint64_t key) {
    char* begin = buffer_.data() + prefix_size_;
    const auto [end, ec] = std::to_chars(begin, buffer_.data() + buffer_.size(), key);
    return std::string_view(buffer_.data(), static_cast<std::size_t>(end - buffer_.data()));
}

std::string make_value_bytes(std::uint32_t size, std::uint64_t seed) {
    constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    Rng rng(seed);
    std::string bytes(size, '\0');
    for (char& c : bytes) c = kAlphabet[rng.below(kAlphabet.size())];
    return bytes;
}

}  // namespace tierkv::bench
