// TLS for the tls-port listener: the one OpenSSL context that every TLS
// connection shares, built from the tls-* settings at start-up.
#pragma once

#include <asio/ssl/context.hpp>

#include <optional>
#include <string>

#include "server/config.h"

namespace tierkv::server {

// Loads the certificate, key and CAs into `context` and sets the protocols
// and client verification. The error names the setting and file at fault.
std::optional<std::string> configure_tls(const Config& config, asio::ssl::context& context);

}  // namespace tierkv::server
