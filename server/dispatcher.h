// Runs one parsed command: finds it in the table, checks arity and
// authentication, locks the shards of the keys it names, calls its handler.
#pragma once

#include <span>
#include <string_view>

#include "protocol/reply_builder.h"
#include "server/client_session.h"

namespace tierkv::server {

class Server;

void execute_command(Server& server, ClientSession& client, protocol::ReplyBuilder& reply,
                     std::span<const std::string_view> args);

}  // namespace tierkv::server
