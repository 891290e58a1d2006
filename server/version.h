// Versions tierkv reports about itself.
#pragma once

#include <string_view>

namespace tierkv::server {

// The Redis version whose replies tierkv reproduces. HELLO and INFO's
// redis_version report it because clients and tools (redis-cli --stat,
// client libraries enabling features) compare it against Redis versions.
inline constexpr std::string_view kRedisCompatVersion = "7.0.15";

// tierkv's own version, from CMake's project().
inline constexpr std::string_view kTierkvVersion = TIERKV_VERSION;

}  // namespace tierkv::server
