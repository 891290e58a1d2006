// The clocks a connection's commands run by, read as rarely as the stats
// allow: the wall clock once per batch of pipelined input, the steady clock
// once per batch and once per command (a command's end is the next one's
// start). Each command's unix time is the batch's plus the steady time
// elapsed, so it stays exact to the millisecond while a pipeline of 16
// commands costs 18 clock readings instead of 48.
#pragma once

#include <chrono>
#include <cstdint>

#include "storage/clock.h"

namespace tierkv::server {

class CommandClock {
public:
    using Steady = std::chrono::steady_clock;

    // A batch starts: input arrived, or the connection resumed after a
    // wait (the wait must not count as a command's time).
    void start_batch() {
        batch_unix_ms_ = storage::unix_time_ms();
        batch_start_ = Steady::now();
        lap_start_ = batch_start_;
    }
    // Unix time in ms for the command about to run.
    std::int64_t unix_ms() const {
        return batch_unix_ms_ +
               std::chrono::duration_cast<std::chrono::milliseconds>(lap_start_ - batch_start_).count();
    }
    // Nanoseconds since the batch started or the last lap; the reading taken
    // starts the next lap.
    std::uint64_t lap_nanos() {
        const Steady::time_point now = Steady::now();
        const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now - lap_start_).count();
        lap_start_ = now;
        return static_cast<std::uint64_t>(nanos);
    }

private:
    std::int64_t batch_unix_ms_ = 0;
    Steady::time_point batch_start_{};
    Steady::time_point lap_start_{};
};

}  // namespace tierkv::server
