#include "server/command_table.h"

namespace tierkv::server {

void register_server_commands(CommandTable&) {}

}  // namespace tierkv::server
