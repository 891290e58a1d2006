#include "server/help_reply.h"

#include <string>

namespace tierkv::server {

void reply_help(protocol::ReplyBuilder& reply, std::string_view command,
                std::initializer_list<std::string_view> lines) {
    reply.array(lines.size() + 3);
    reply.simple(std::string(command) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    for (std::string_view line : lines) reply.simple(line);
    reply.simple("HELP");
    reply.simple("    Prints this help.");
}

}  // namespace tierkv::server
