#include "server/arguments.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace tierkv::server {

std::optional<std::int64_t> parse_int64(std::string_view text) {
    if (text.empty() || text.size() > 20) return std::nullopt;
    if (text.size() > 1 && text[0] == '0') return std::nullopt;
    if (text.size() > 1 && text[0] == '-' && text[1] == '0') return std::nullopt;  // "-0", "-01"
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return v;
}

namespace {

// strtod/strtold accept leading spaces, which Redis rejects.
bool plausible_number_text(std::string_view text) {
    return !text.empty() && text.size() < 5120 && !std::isspace(static_cast<unsigned char>(text[0]));
}

}  // namespace

std::optional<double> parse_double(std::string_view text) {
    if (!plausible_number_text(text)) return std::nullopt;
    std::string copy(text);
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(copy.c_str(), &end);
    if (end != copy.c_str() + copy.size() || std::isnan(v)) return std::nullopt;
    if (errno == ERANGE && !std::isinf(v) && v != 0) return std::nullopt;
    return v;
}

std::optional<long double> parse_long_double(std::string_view text) {
    if (!plausible_number_text(text)) return std::nullopt;
    std::string copy(text);
    char* end = nullptr;
    errno = 0;
    long double v = std::strtold(copy.c_str(), &end);
    // As Redis's string2ld: out of range means overflow or underflow to zero;
    // a denormal result (ERANGE too) is accepted.
    const bool out_of_range = errno == ERANGE && (std::isinf(v) || v == 0);
    if (end != copy.c_str() + copy.size() || std::isnan(v) || out_of_range) return std::nullopt;
    return v;
}

std::optional<std::size_t> parse_scan_count(std::string_view text, std::string_view& error) {
    const auto count = parse_int64(text);
    if (!count || *count < 1) {
        error = count ? kErrSyntax : kErrNotInteger;
        return std::nullopt;
    }
    return static_cast<std::size_t>(*count);
}

std::optional<std::uint64_t> parse_scan_cursor(std::string_view text) {
    text = text.substr(0, text.find('\0'));
    if (text.empty()) return 0;
    if (std::isspace(static_cast<unsigned char>(text[0]))) return std::nullopt;
    const bool negative = text[0] == '-';
    if (text[0] == '-' || text[0] == '+') text.remove_prefix(1);
    std::uint64_t value = 0;
    const char* end = text.data() + text.size();
    auto [stop, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || stop != end) return std::nullopt;
    return negative ? 0 - value : value;
}

std::string format_incr_float(long double value) {
    char buf[5120];  // Redis's MAX_LONG_DOUBLE_CHARS; LDBL_MAX takes ~4950
    const int written = std::snprintf(buf, sizeof(buf), "%.17Lf", value);
    if (written < 0 || static_cast<std::size_t>(written) + 1 > sizeof(buf)) return {};
    std::string_view text(buf, static_cast<std::size_t>(written));
    if (text.find('.') != std::string_view::npos) {
        text.remove_suffix(text.size() - 1 - text.find_last_not_of('0'));
        if (text.back() == '.') text.remove_suffix(1);
    }
    return text == "-0" ? std::string("0") : std::string(text);
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

std::string arity_error(std::string_view full_name) {
    return "ERR wrong number of arguments for '" + std::string(full_name) + "' command";
}

}  // namespace tierkv::server
