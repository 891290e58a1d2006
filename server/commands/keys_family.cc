#include "server/command_table.h"

namespace tierkv::server {

void register_key_commands(CommandTable&) {}

}  // namespace tierkv::server
