// The text of INFO: Redis's "# Section" blocks of "field:value" lines
// with CRLF line ends, and the field names Redis clients and tools read.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace tierkv::server {

class Server;

// `sections` are INFO's arguments: section names (any case), "default",
// "all" or "everything"; none means "default". Unknown names add nothing.
std::string info_text(Server& server, std::span<const std::string_view> sections);

}  // namespace tierkv::server
