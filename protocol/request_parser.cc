#include "protocol/request_parser.h"

#include <algorithm>
#include <charconv>

namespace tierkv::protocol {
namespace {

// Strict decimal parse of a whole field, as Redis's string2ll: optional '-',
// digits, no spaces or '+', and no leading zeros ("05" and "-0" are invalid;
// only "0" itself is zero).
bool parse_length(std::string_view text, std::int64_t& value) {
    std::string_view digits = text.starts_with('-') ? text.substr(1) : text;
    if (digits.empty() || (digits[0] == '0' && text.size() > 1)) return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && end == text.data() + text.size();
}

enum class HeaderLine { kOk, kNeedMore, kTooLong, kInvalid };

// The number of a "*N" or "$N" line whose digits start at `from` (after the
// type byte); on kOk, `next` is the offset after the line's "\r\n". Every
// command has several such lines, so the usual form (plain digits, no
// leading zero, then '\r') is read in one pass; anything else goes the
// careful way, which follows Redis's string2ll rules and error choices.
HeaderLine read_header_number(std::string_view input, std::size_t from, std::size_t max_line, std::int64_t& value,
                              std::size_t& next) {
    constexpr std::size_t kQuickDigits = 18;  // cannot overflow
    std::size_t i = from;
    std::int64_t n = 0;
    const std::size_t stop = std::min(input.size(), from + kQuickDigits);
    while (i < stop && input[i] >= '0' && input[i] <= '9') n = n * 10 + (input[i++] - '0');
    if (i > from && i + 1 < input.size() && input[i] == '\r' && (input[from] != '0' || i == from + 1)) {
        value = n;
        next = i + 2;
        return HeaderLine::kOk;
    }
    const std::size_t cr = input.find('\r', from);
    if (cr == std::string_view::npos || cr + 1 >= input.size()) {
        return cr == std::string_view::npos && input.size() - (from - 1) > max_line ? HeaderLine::kTooLong
                                                                                    : HeaderLine::kNeedMore;
    }
    if (!parse_length(input.substr(from, cr - from), value)) return HeaderLine::kInvalid;
    next = cr + 2;
    return HeaderLine::kOk;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f'; }

// Inside an unquoted argument sdssplitargs stops only at these, not at \v or
// \f, although it skips all of is_space() between arguments.
bool ends_unquoted_arg(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

bool split_inline_args(std::string_view line, std::vector<std::string>& out) {
    out.clear();
    std::size_t i = 0;
    const std::size_t n = line.size();
    while (true) {
        while (i < n && is_space(line[i])) ++i;
        if (i == n) return true;
        std::string current;
        bool in_double = false;
        bool in_single = false;
        bool done = false;
        while (!done) {
            if (in_double) {
                if (i == n) return false;
                char c = line[i];
                if (c == '\\' && i + 3 < n && line[i + 1] == 'x' && hex_digit(line[i + 2]) >= 0 &&
                    hex_digit(line[i + 3]) >= 0) {
                    current.push_back(static_cast<char>(hex_digit(line[i + 2]) * 16 + hex_digit(line[i + 3])));
                    i += 3;
                } else if (c == '\\' && i + 1 < n) {
                    ++i;
                    switch (line[i]) {
                        case 'n': current.push_back('\n'); break;
                        case 'r': current.push_back('\r'); break;
                        case 't': current.push_back('\t'); break;
                        case 'b': current.push_back('\b'); break;
                        case 'a': current.push_back('\a'); break;
                        default: current.push_back(line[i]); break;
                    }
                } else if (c == '"') {
                    // A closing quote must be followed by a space or the end.
                    if (i + 1 < n && !is_space(line[i + 1])) return false;
                    done = true;
                } else {
                    current.push_back(c);
                }
            } else if (in_single) {
                if (i == n) return false;
                char c = line[i];
                if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
                    ++i;
                    current.push_back('\'');
                } else if (c == '\'') {
                    if (i + 1 < n && !is_space(line[i + 1])) return false;
                    done = true;
                } else {
                    current.push_back(c);
                }
            } else {
                if (i == n) break;
                char c = line[i];
                if (ends_unquoted_arg(c)) {
                    done = true;
                } else if (c == '"') {
                    in_double = true;
                } else if (c == '\'') {
                    in_single = true;
                } else {
                    current.push_back(c);
                }
            }
            if (i < n) ++i;
        }
        out.push_back(std::move(current));
    }
}

void RequestParser::reset_state() {
    pos_ = 0;
    expected_args_ = -1;
    bulk_len_ = -1;
    spans_.clear();
}

ParseResult RequestParser::fail(std::string message) {
    error_ = std::move(message);
    reset_state();
    return ParseResult::kError;
}

void RequestParser::finish(std::string_view input, std::size_t size) {
    args_.clear();
    args_.reserve(spans_.size());
    for (const Span& s : spans_) {
        args_.push_back(attached_ && s.offset == attached_->offset ? attached_->bytes : input.substr(s.offset, s.length));
    }
    command_size_ = size;
    reset_state();
}

ParseResult RequestParser::parse(std::string_view input) {
    if (input.empty()) {
        bytes_wanted_ = 1;
        return ParseResult::kNeedMore;
    }
    return input[0] == '*' ? parse_multibulk(input) : parse_inline(input);
}

ParseResult RequestParser::parse_multibulk(std::string_view input) {
    if (expected_args_ < 0) {
        std::int64_t count = 0;
        switch (read_header_number(input, 1, limits_.max_inline_len, count, pos_)) {
            case HeaderLine::kOk:
                break;
            case HeaderLine::kNeedMore:
                bytes_wanted_ = input.size() + 1;
                return ParseResult::kNeedMore;
            case HeaderLine::kTooLong:
                return fail("Protocol error: too big mbulk count string");
            case HeaderLine::kInvalid:
                return fail("Protocol error: invalid multibulk length");
        }
        if (count > static_cast<std::int64_t>(limits_.max_multibulk_len)) {
            return fail("Protocol error: invalid multibulk length");
        }
        if (count <= 0) {
            finish(input, pos_);
            return ParseResult::kCommand;  // empty: args() is empty
        }
        expected_args_ = count;
        spans_.reserve(static_cast<std::size_t>(std::min<std::int64_t>(count, 1024)));
    }
    while (static_cast<std::int64_t>(spans_.size()) < expected_args_) {
        if (bulk_len_ < 0) {
            if (pos_ >= input.size()) {
                bytes_wanted_ = pos_ + 1;
                return ParseResult::kNeedMore;
            }
            std::int64_t len = 0;
            std::size_t next = 0;
            const HeaderLine line = read_header_number(input, pos_ + 1, limits_.max_inline_len, len, next);
            if (line == HeaderLine::kNeedMore) {
                bytes_wanted_ = input.size() + 1;
                return ParseResult::kNeedMore;
            }
            if (line == HeaderLine::kTooLong) return fail("Protocol error: too big bulk count string");
            // As Redis: the type byte is checked once the whole line is there.
            if (input[pos_] != '$') {
                return fail(std::string("Protocol error: expected '$', got '") + input[pos_] + "'");
            }
            if (line == HeaderLine::kInvalid || len < 0 || static_cast<std::uint64_t>(len) > limits_.max_bulk_len) {
                return fail("Protocol error: invalid bulk length");
            }
            bulk_len_ = len;
            pos_ = next;
        }
        const bool attached = attached_ && attached_->offset == pos_;
        const std::size_t need = pos_ + (attached ? 0 : static_cast<std::size_t>(bulk_len_)) + 2;
        if (input.size() < need) {
            bytes_wanted_ = need;
            return ParseResult::kNeedMore;
        }
        spans_.push_back({pos_, static_cast<std::size_t>(bulk_len_)});
        pos_ = need;
        bulk_len_ = -1;
    }
    finish(input, pos_);
    return ParseResult::kCommand;
}

std::optional<RequestParser::PendingBulk> RequestParser::pending_bulk() const {
    if (expected_args_ <= 0 || bulk_len_ < 0 || (attached_ && attached_->offset == pos_)) return std::nullopt;
    return PendingBulk{pos_, static_cast<std::size_t>(bulk_len_)};
}

void RequestParser::attach_bulk(std::string_view bytes) { attached_ = AttachedBulk{pos_, bytes}; }

ParseResult RequestParser::parse_inline(std::string_view input) {
    std::size_t nl = input.find('\n');
    if (nl == std::string_view::npos) {
        if (input.size() > limits_.max_inline_len) return fail("Protocol error: too big inline request");
        bytes_wanted_ = input.size() + 1;
        return ParseResult::kNeedMore;
    }
    std::string_view line = input.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!split_inline_args(line, inline_args_)) return fail("Protocol error: unbalanced quotes in request");
    args_.assign(inline_args_.begin(), inline_args_.end());
    command_size_ = nl + 1;
    reset_state();
    return ParseResult::kCommand;
}

}  // namespace tierkv::protocol
