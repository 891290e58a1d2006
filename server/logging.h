#pragma once

#include <optional>
#include <string>

namespace tierkv::server {

// Sends spdlog's default logger to `file` (stderr when empty) at `level`.
// Returns an error message if the file cannot be opened.
std::optional<std::string> setup_logging(const std::string& level, const std::string& file);

// Closes and reopens the log file by name (SIGHUP, after logrotate moved
// it away), so later lines go to a new file. Does nothing when logging to
// stderr. Returns an error message if the file cannot be reopened; logging
// then goes on into the old file.
std::optional<std::string> reopen_log_file();

}  // namespace tierkv::server
