// What COMMAND reports about the command table: Redis 7's 10-element
// COMMAND INFO entries and COMMAND DOCS maps, whose "arguments" come from
// parsing each CommandSpec::syntax string.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/reply_builder.h"
#include "server/command.h"
#include "server/command_table.h"

namespace tierkv::server {

// One argument as COMMAND DOCS describes it.
struct DocArgument {
    std::string name;
    std::string type;   // key, string, integer, double, pattern, unix-time, pure-token, oneof, block
    std::string token;  // the literal word before the value, e.g. "EX"; empty if none
    bool optional = false;
    bool multiple = false;
    bool multiple_token = false;   // the token repeats with each value
    std::vector<DocArgument> arguments;  // of a oneof or block
};

// Parses Redis's argument syntax, e.g. "key value [NX | XX] [GET]":
// lower-case words are values, upper-case words tokens, [..] optional,
// (..) or <..> a required group, "a | b" alternatives, "[x ...]" repetition.
// Never fails: unbalanced brackets are tolerated.
std::vector<DocArgument> parse_syntax(std::string_view syntax);

// ACL categories ("@read", "@string", "@fast", ...) implied by the
// command's flags and group, in Redis's order.
std::vector<std::string_view> acl_categories(const CommandSpec& spec);
// Every ACL category ("@keyspace" ... "@scripting"), in Redis's order.
std::span<const std::string_view> acl_category_names();

// A command by its full name, "get" or "client|list", any case.
const CommandSpec* find_command(const CommandTable& table, std::string_view full_name);

void reply_command_info(protocol::ReplyBuilder& reply, const CommandSpec& spec);
// The docs map of one command (without its name), subcommands included.
void reply_command_docs(protocol::ReplyBuilder& reply, const CommandSpec& spec);

}  // namespace tierkv::server
