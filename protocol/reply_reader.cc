#include "protocol/reply_reader.h"

#include <algorithm>
#include <charconv>

namespace tierkv::protocol {
namespace {

// Larger lengths and counts are refused rather than waited for: no real
// reply is a terabyte, and it keeps the offset arithmetic far from overflow.
constexpr std::int64_t kMaxLength = std::int64_t{1} << 40;

bool parse_int(std::string_view text, std::int64_t& value) {
    if (text.empty()) return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && end == text.data() + text.size();
}

bool parse_double(std::string_view text, double& value) {
    if (text.empty()) return false;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && end == text.data() + text.size();
}

bool is_big_number(std::string_view text) {
    if (text.starts_with('-')) text.remove_prefix(1);
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string describe(char c) {
    if (c >= 0x20 && c < 0x7f) return std::string("'") + c + "'";
    return "byte " + std::to_string(static_cast<unsigned char>(c));
}

}  // namespace

ReplyReader::Result ReplyReader::parse(std::string_view input) {
    while (!have_value_) {
        if (pos_ >= input.size()) return Result::kNeedMore;
        Step step = read_item(input);
        if (step == Step::kNeedMore) return Result::kNeedMore;
        if (step == Step::kError) {
            reset();
            return Result::kError;
        }
    }
    consumed_ = pos_;
    reset();
    return Result::kComplete;
}

void ReplyReader::reset() {
    pos_ = 0;
    stack_.clear();
    have_value_ = false;
}

// Reads one complete item at pos_: a scalar, or an aggregate header (whose
// elements are read by later calls). Nothing is committed unless the whole
// item is in `input`.
ReplyReader::Step ReplyReader::read_item(std::string_view input) {
    const std::size_t cr = input.find('\r', pos_);
    if (cr == std::string_view::npos || cr + 1 >= input.size()) return Step::kNeedMore;
    auto error = [this](std::string message) {
        error_ = std::move(message);
        return Step::kError;
    };
    if (input[cr + 1] != '\n') return error("expected \\n after \\r");

    const char type = input[pos_];
    const std::string_view line = input.substr(pos_ + 1, cr - pos_ - 1);
    std::size_t next = cr + 2;
    std::int64_t number = 0;

    switch (type) {
        case '+':
            add(RespValue::simple(line));
            break;
        case '-':
            add(RespValue::error(line));
            break;
        case ':':
            if (!parse_int(line, number)) return error("invalid integer '" + std::string(line) + "'");
            add(RespValue::integer_value(number));
            break;
        case '_':
            if (!line.empty()) return error("invalid null '" + std::string(line) + "'");
            add(RespValue::null());
            break;
        case ',': {
            double d = 0;
            if (!parse_double(line, d)) return error("invalid double '" + std::string(line) + "'");
            add(RespValue::double_value(d, line));
            break;
        }
        case '#':
            if (line != "t" && line != "f") return error("invalid boolean '" + std::string(line) + "'");
            add(RespValue::boolean(line == "t"));
            break;
        case '(':
            if (!is_big_number(line)) return error("invalid big number '" + std::string(line) + "'");
            add(RespValue::big_number(line));
            break;
        case '$':
        case '!':
        case '=': {
            if (!parse_int(line, number) || number < -1 || number > kMaxLength || (number == -1 && type != '$')) {
                return error("invalid bulk length '" + std::string(line) + "'");
            }
            if (number == -1) {
                add(RespValue::null());
                break;
            }
            const auto len = static_cast<std::size_t>(number);
            if (input.size() < next + len + 2) return Step::kNeedMore;
            const std::string_view data = input.substr(next, len);
            if (input.substr(next + len, 2) != "\r\n") return error("bulk data not followed by \\r\\n");
            next += len + 2;
            if (type == '$') {
                add(RespValue::bulk(data));
            } else if (type == '!') {
                add(RespValue::error(data));
            } else {
                if (len < 4 || data[3] != ':') return error("invalid verbatim string");
                add(RespValue::verbatim(data.substr(4), data.substr(0, 3)));
            }
            break;
        }
        case '*':
        case '%':
        case '~':
        case '>':
        case '|': {
            if (!parse_int(line, number) || number < -1 || number > kMaxLength || (number == -1 && type != '*')) {
                return error("invalid aggregate length '" + std::string(line) + "'");
            }
            if (number == -1) {
                add(RespValue::null());
                break;
            }
            const bool pairs = type == '%' || type == '|';
            const auto count = static_cast<std::size_t>(number) * (pairs ? 2 : 1);
            RespValue aggregate;
            aggregate.type = type == '*'   ? RespValue::kArray
                             : type == '~' ? RespValue::kSet
                             : type == '>' ? RespValue::kPush
                                           : RespValue::kMap;
            pos_ = next;
            if (count == 0) {
                if (type != '|') add(std::move(aggregate));
                return Step::kDone;
            }
            if (stack_.size() >= kMaxDepth) return error("replies nested too deeply");
            aggregate.elements.reserve(std::min<std::size_t>(count, 1024));
            stack_.push_back(Frame{std::move(aggregate), count, type == '|'});
            return Step::kDone;
        }
        default:
            return error("unknown reply type " + describe(type));
    }
    pos_ = next;
    return Step::kDone;
}

// Attaches a complete value to the innermost open aggregate, closing every
// aggregate it completes; a value with no open aggregate is the reply.
void ReplyReader::add(RespValue value) {
    while (!stack_.empty()) {
        Frame& top = stack_.back();
        top.value.elements.push_back(std::move(value));
        if (--top.remaining > 0) return;
        Frame done = std::move(top);
        stack_.pop_back();
        if (done.attribute) return;  // metadata about the next value: dropped
        value = std::move(done.value);
    }
    value_ = std::move(value);
    have_value_ = true;
}

}  // namespace tierkv::protocol
