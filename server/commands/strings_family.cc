#include "server/command_table.h"

namespace tierkv::server {

void register_string_commands(CommandTable&) {}

}  // namespace tierkv::server
