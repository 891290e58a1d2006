// A decoded server reply (RESP2 or RESP3), as a client sees it: a plain value
// tree that tests can build, compare and print.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace tierkv::protocol {

struct RespValue {
    enum Type {
        kSimple,     // +OK
        kError,      // -ERR ... (and RESP3 blob errors "!")
        kInteger,    // :42
        kBulk,       // $3\r\nabc
        kNull,       // $-1, *-1 and RESP3 _
        kArray,      // *N
        kMap,        // %N: elements alternate key, value
        kSet,        // ~N
        kPush,       // >N
        kDouble,     // ,3.5 (str keeps the text as sent, dbl the value)
        kBoolean,    // #t / #f (integer is 1 or 0)
        kBigNumber,  // (123... (digits in str)
        kVerbatim,   // =15\r\ntxt:hello world (text in str, "txt" in format)
    };

    Type type = kNull;
    std::string str;
    std::int64_t integer = 0;
    double dbl = 0;
    std::string format;  // kVerbatim only
    std::vector<RespValue> elements;

    bool is_error() const { return type == kError; }
    bool is_null() const { return type == kNull; }
    bool is_aggregate() const { return type == kArray || type == kMap || type == kSet || type == kPush; }

    // The text of a simple string, error, bulk, verbatim, double or big
    // number; throws std::logic_error for other types.
    const std::string& as_string() const;

    // For kMap (or a RESP2 flat key/value array): the value whose key is
    // `key` as a string, or nullptr.
    const RespValue* find(std::string_view key) const;

    // One line, e.g. [1, "a", nil, {"k" => 2}, ERR(...)]; for test messages.
    std::string to_string() const;

    friend bool operator==(const RespValue&, const RespValue&) = default;

    // Constructors for tests and expectations.
    static RespValue simple(std::string_view text);
    static RespValue error(std::string_view text);
    static RespValue integer_value(std::int64_t value);
    static RespValue bulk(std::string_view data);
    static RespValue null();
    static RespValue array(std::initializer_list<RespValue> items);
    static RespValue array(std::vector<RespValue> items);
    static RespValue map(std::initializer_list<RespValue> keys_and_values);
    static RespValue set(std::initializer_list<RespValue> items);
    static RespValue push(std::initializer_list<RespValue> items);
    // `text` defaults to Redis's formatting of `value` (format_double).
    static RespValue double_value(double value, std::string_view text = {});
    static RespValue boolean(bool value);
    static RespValue big_number(std::string_view digits);
    static RespValue verbatim(std::string_view text, std::string_view format = "txt");
};

// Prints to_string(); lets test frameworks show values in failures.
std::ostream& operator<<(std::ostream& out, const RespValue& value);

}  // namespace tierkv::protocol
