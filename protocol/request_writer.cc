#include "protocol/request_writer.h"

#include <charconv>

namespace tierkv::protocol {
namespace {

void append_header(std::string& out, char type, std::size_t count) {
    char buf[24];
    buf[0] = type;
    auto [end, ec] = std::to_chars(buf + 1, buf + sizeof(buf) - 2, count);
    *end++ = '\r';
    *end++ = '\n';
    out.append(buf, static_cast<std::size_t>(end - buf));
}

template <class String>
void append_bulks(std::string& out, std::span<const String> args) {
    for (const auto& arg : args) {
        append_header(out, '$', arg.size());
        out.append(arg);
        out.append("\r\n");
    }
}

}  // namespace

void append_command(std::string& out, std::span<const std::string_view> args) {
    append_header(out, '*', args.size());
    append_bulks(out, args);
}

void append_command(std::string& out, std::span<const std::string> args) {
    append_header(out, '*', args.size());
    append_bulks(out, args);
}

void append_command_head(std::string& out, std::span<const std::string_view> args) {
    if (args.empty()) return;
    append_header(out, '*', args.size());
    append_bulks(out, args.first(args.size() - 1));
    append_header(out, '$', args.back().size());
}

}  // namespace tierkv::protocol
