// Parsing of command arguments and the error texts Redis replies with, so
// every family words its errors the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tierkv::server {

inline constexpr std::string_view kErrSyntax = "ERR syntax error";
inline constexpr std::string_view kErrNotInteger = "ERR value is not an integer or out of range";
inline constexpr std::string_view kErrNotFloat = "ERR value is not a valid float";
inline constexpr std::string_view kErrWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view kErrNoSuchKey = "ERR no such key";
inline constexpr std::string_view kErrDbIndex = "ERR DB index is out of range";
inline constexpr std::string_view kErrNotInt32 =
    "ERR value is out of range, value must between -2147483648 and 2147483647";  // sic, as Redis
inline constexpr std::string_view kErrSameObject = "ERR source and destination objects are the same";
inline constexpr std::string_view kErrOverflow = "ERR increment or decrement would overflow";

// Strict signed 64-bit decimal, as Redis's string2ll: no spaces, no '+',
// no leading zeros except "0" itself.
std::optional<std::int64_t> parse_int64(std::string_view text);
// A finite or infinite double, as Redis's string2d (no NaN, no spaces).
std::optional<double> parse_double(std::string_view text);
// A long double as INCRBYFLOAT reads it.
std::optional<long double> parse_long_double(std::string_view text);

// A SCAN/HSCAN/SSCAN cursor as Redis reads it, with strtoul: a C string (it
// ends at a NUL), an optional sign ("-1" wraps to 2^64-1), no leading space,
// and "" is 0.
std::optional<std::uint64_t> parse_scan_cursor(std::string_view text);

// The COUNT of SCAN, HSCAN, SSCAN and ZSCAN: a positive integer. Otherwise
// nullopt, with `error` set to what Redis replies (not an integer; < 1 is a
// syntax error).
std::optional<std::size_t> parse_scan_count(std::string_view text, std::string_view& error);

// INCRBYFLOAT's and HINCRBYFLOAT's text for a result: "%.17Lf" with trailing
// zeros (and then a trailing dot) trimmed, and "-0" written as "0".
std::string format_incr_float(long double value);

bool iequals(std::string_view a, std::string_view b);

// "ERR wrong number of arguments for 'get' command"
std::string arity_error(std::string_view full_name);

}  // namespace tierkv::server
