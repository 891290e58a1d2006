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

// The command up to the last argument's bytes: the caller sends those and
// the closing "\r\n" itself, e.g. a large value from where it already is.
void append_command_head(std::string& out, std::span<const std::string_view> args);

}  // namespace tierkv::protocol
