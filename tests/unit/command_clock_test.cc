// CommandClock: a command's unix time follows the steady time elapsed since
// the batch began, and laps split that time between commands without gaps.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "server/command_clock.h"
#include "storage/clock.h"

using tierkv::server::CommandClock;

TEST_CASE("command clock: unix time advances with each lap, and laps add up", "[command_clock]") {
    CommandClock clock;
    const std::int64_t before = tierkv::storage::unix_time_ms();
    const auto steady_before = CommandClock::Steady::now();
    clock.start_batch();
    const std::int64_t first = clock.unix_ms();
    CHECK(first >= before);
    CHECK(first <= tierkv::storage::unix_time_ms());

    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    const std::uint64_t lap1 = clock.lap_nanos();
    CHECK(lap1 >= 30'000'000);
    // The next command runs at least 30 ms later, and never in the future.
    CHECK(clock.unix_ms() >= first + 30);
    CHECK(clock.unix_ms() <= tierkv::storage::unix_time_ms());

    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const std::uint64_t lap2 = clock.lap_nanos();
    CHECK(lap2 >= 10'000'000);
    const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(CommandClock::Steady::now() - steady_before);
    CHECK(lap1 + lap2 <= static_cast<std::uint64_t>(elapsed.count()));

    // A new batch starts its laps afresh: the wait before it is nobody's.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    clock.start_batch();
    CHECK(clock.lap_nanos() < 20'000'000);
}
