// The reply of "<COMMAND> HELP": Redis's layout (a header line, the given
// lines, then HELP itself), as status strings.
#pragma once

#include <initializer_list>
#include <string_view>

#include "protocol/reply_builder.h"

namespace tierkv::server {

// `command` in upper case, e.g. "CLIENT"; `lines` alternate a subcommand
// synopsis and its indented description.
void reply_help(protocol::ReplyBuilder& reply, std::string_view command,
                std::initializer_list<std::string_view> lines);

}  // namespace tierkv::server
