#include "protocol/resp_value.h"

#include <cstdio>
#include <ostream>
#include <stdexcept>

#include "protocol/reply_builder.h"

namespace tierkv::protocol {
namespace {

RespValue scalar(RespValue::Type type, std::string_view text) {
    RespValue v;
    v.type = type;
    v.str = std::string(text);
    return v;
}

RespValue aggregate(RespValue::Type type, std::vector<RespValue> items) {
    RespValue v;
    v.type = type;
    v.elements = std::move(items);
    return v;
}

void append_quoted(std::string& out, std::string_view text) {
    out.push_back('"');
    for (unsigned char c : text) {
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
        } else if (c >= 0x20 && c < 0x7f) {
            out.push_back(static_cast<char>(c));
        } else {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\x%02x", c);
            out.append(buf);
        }
    }
    out.push_back('"');
}

void append_value(std::string& out, const RespValue& v) {
    auto append_elements = [&](std::string_view open, std::string_view close) {
        out.append(open);
        for (std::size_t i = 0; i < v.elements.size(); ++i) {
            if (i > 0) out.append(v.type == RespValue::kMap && i % 2 == 1 ? " => " : ", ");
            append_value(out, v.elements[i]);
        }
        out.append(close);
    };
    switch (v.type) {
        case RespValue::kSimple: out.append(v.str); break;
        case RespValue::kError: out.append("ERR(").append(v.str).append(")"); break;
        case RespValue::kInteger: out.append(std::to_string(v.integer)); break;
        case RespValue::kBulk: append_quoted(out, v.str); break;
        case RespValue::kNull: out.append("nil"); break;
        case RespValue::kArray: append_elements("[", "]"); break;
        case RespValue::kMap: append_elements("{", "}"); break;
        case RespValue::kSet: append_elements("~{", "}"); break;
        case RespValue::kPush: append_elements(">[", "]"); break;
        case RespValue::kDouble: out.append("(double) ").append(v.str); break;
        case RespValue::kBoolean: out.append(v.integer ? "true" : "false"); break;
        case RespValue::kBigNumber: out.append("(bignum) ").append(v.str); break;
        case RespValue::kVerbatim:
            out.append(v.format).append(":");
            append_quoted(out, v.str);
            break;
    }
}

}  // namespace

const std::string& RespValue::as_string() const {
    switch (type) {
        case kSimple:
        case kError:
        case kBulk:
        case kVerbatim:
        case kDouble:
        case kBigNumber: return str;
        default: throw std::logic_error("RespValue::as_string on " + to_string());
    }
}

const RespValue* RespValue::find(std::string_view key) const {
    if (type != kMap && type != kArray) return nullptr;
    for (std::size_t i = 0; i + 1 < elements.size(); i += 2) {
        const RespValue& k = elements[i];
        if ((k.type == kSimple || k.type == kBulk) && k.str == key) return &elements[i + 1];
    }
    return nullptr;
}

std::string RespValue::to_string() const {
    std::string out;
    append_value(out, *this);
    return out;
}

std::ostream& operator<<(std::ostream& out, const RespValue& value) { return out << value.to_string(); }

RespValue RespValue::simple(std::string_view text) { return scalar(kSimple, text); }
RespValue RespValue::error(std::string_view text) { return scalar(kError, text); }
RespValue RespValue::bulk(std::string_view data) { return scalar(kBulk, data); }
RespValue RespValue::big_number(std::string_view digits) { return scalar(kBigNumber, digits); }
RespValue RespValue::null() { return RespValue{}; }

RespValue RespValue::integer_value(std::int64_t value) {
    RespValue v;
    v.type = kInteger;
    v.integer = value;
    return v;
}

RespValue RespValue::boolean(bool value) {
    RespValue v;
    v.type = kBoolean;
    v.integer = value ? 1 : 0;
    return v;
}

RespValue RespValue::double_value(double value, std::string_view text) {
    RespValue v = scalar(kDouble, text.empty() ? format_double(value) : std::string(text));
    v.dbl = value;
    return v;
}

RespValue RespValue::verbatim(std::string_view text, std::string_view format) {
    RespValue v = scalar(kVerbatim, text);
    v.format = std::string(format);
    return v;
}

RespValue RespValue::array(std::initializer_list<RespValue> items) { return aggregate(kArray, items); }
RespValue RespValue::array(std::vector<RespValue> items) { return aggregate(kArray, std::move(items)); }
RespValue RespValue::map(std::initializer_list<RespValue> keys_and_values) { return aggregate(kMap, keys_and_values); }
RespValue RespValue::set(std::initializer_list<RespValue> items) { return aggregate(kSet, items); }
RespValue RespValue::push(std::initializer_list<RespValue> items) { return aggregate(kPush, items); }

}  // namespace tierkv::protocol
