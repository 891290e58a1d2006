// Redis's LFU counter: a logarithmic access counter in 8 bits that grows
// ever more slowly (lfu-log-factor) and loses one per lfu-decay-time
// minutes idle. OBJECT FREQ shows the decayed value.
#pragma once

#include <cstdint>

namespace tierkv::storage {

// The counter after `idle_s` seconds without access.
std::uint8_t lfu_decayed(std::uint8_t counter, std::uint32_t idle_s, int decay_time_minutes);

// The counter after one more access; `chance` is uniform in [0, 1).
std::uint8_t lfu_incremented(std::uint8_t counter, double chance, int log_factor);

}  // namespace tierkv::storage
