// Encodes client commands as RESP multibulk requests, the way every Redis
// client sends them: *<argc>\r\n then $<len>\r\n<arg>\r\n per argument.
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace tierkv::protocol {

void append_command(std::string& out, std::span<const std::string_view> args);
void append_command(std::string& out, std::span<const std::string> args);

inline void append_command(std::string& out, std::initializer_list<std::string_view> args) {
    append_command(out, std::span<const std::string_view>(args.begin(), args.size()));
}

}  // namespace tierkv::protocol
