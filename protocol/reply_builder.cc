#include "protocol/reply_builder.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace tierkv::protocol {

void ReplyBuilder::header(char type, std::int64_t count) {
    char buf[24];
    buf[0] = type;
    auto [end, ec] = std::to_chars(buf + 1, buf + sizeof(buf) - 2, count);
    *end++ = '\r';
    *end++ = '\n';
    out_->append(buf, static_cast<std::size_t>(end - buf));
}

void ReplyBuilder::simple(std::string_view text) {
    out_->push_back('+');
    out_->append(text);
    out_->append("\r\n");
}

void ReplyBuilder::error(std::string_view message) {
    out_->push_back('-');
    for (char c : message) out_->push_back(c == '\r' || c == '\n' ? ' ' : c);
    out_->append("\r\n");
}

void ReplyBuilder::integer(std::int64_t value) { header(':', value); }

void ReplyBuilder::bulk(std::string_view data) {
    header('$', static_cast<std::int64_t>(data.size()));
    out_->append(data);
    out_->append("\r\n");
}

void ReplyBuilder::bulk_ref(std::string_view data, std::shared_ptr<const void> owner) {
    if (!refs_) return bulk(data);
    header('$', static_cast<std::int64_t>(data.size()));
    refs_->push_back({out_->size(), data, std::move(owner)});
    out_->append("\r\n");
}

void ReplyBuilder::truncate(std::size_t size) {
    out_->resize(size);
    while (refs_ && !refs_->empty() && refs_->back().offset > size) refs_->pop_back();
}

void ReplyBuilder::null() { out_->append(resp3() ? "_\r\n" : "$-1\r\n"); }

void ReplyBuilder::null_array() { out_->append(resp3() ? "_\r\n" : "*-1\r\n"); }

void ReplyBuilder::array(std::size_t count) { header('*', static_cast<std::int64_t>(count)); }

void ReplyBuilder::map(std::size_t pairs) {
    if (resp3()) {
        header('%', static_cast<std::int64_t>(pairs));
    } else {
        header('*', static_cast<std::int64_t>(pairs * 2));
    }
}

void ReplyBuilder::set(std::size_t count) { header(resp3() ? '~' : '*', static_cast<std::int64_t>(count)); }

void ReplyBuilder::push(std::size_t count) { header(resp3() ? '>' : '*', static_cast<std::int64_t>(count)); }

void ReplyBuilder::boolean(bool value) {
    if (resp3()) {
        out_->append(value ? "#t\r\n" : "#f\r\n");
    } else {
        integer(value ? 1 : 0);
    }
}

std::string format_double(double value) {
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    char buf[64];
    int len = std::snprintf(buf, sizeof(buf), "%.17g", value);
    return std::string(buf, static_cast<std::size_t>(len));
}

void ReplyBuilder::double_value(double value) {
    std::string text = format_double(value);
    if (resp3()) {
        out_->push_back(',');
        out_->append(text);
        out_->append("\r\n");
    } else {
        bulk(text);
    }
}

void ReplyBuilder::verbatim(std::string_view text, std::string_view format) {
    if (!resp3()) {
        bulk(text);
        return;
    }
    header('=', static_cast<std::int64_t>(text.size() + format.size() + 1));
    out_->append(format);
    out_->push_back(':');
    out_->append(text);
    out_->append("\r\n");
}

}  // namespace tierkv::protocol
