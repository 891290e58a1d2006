#pragma once

#include <chrono>
#include <cstdint>

namespace tierkv::storage {

// Wall-clock unix time in milliseconds: TTLs are absolute unix times, as in Redis.
inline std::int64_t unix_time_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace tierkv::storage
