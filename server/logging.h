#pragma once

#include <optional>
#include <string>

namespace tierkv::server {

// Sends spdlog's default logger to `file` (stderr when empty) at `level`.
// Returns an error message if the file cannot be opened.
std::optional<std::string> setup_logging(const std::string& level, const std::string& file);

}  // namespace tierkv::server
