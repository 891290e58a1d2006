// The checks behind the libFuzzer targets in tests/fuzz/, as plain
// functions: the fuzz targets call them, and the unit tests replay the seed
// corpus and the regression inputs through them (tests/unit/fuzz_replay_test.cc).
// A broken invariant throws FuzzFailure (libFuzzer reports the uncaught
// exception as a crash and saves the input).
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

namespace tierkv::fuzz {

struct FuzzFailure : std::logic_error {
    using std::logic_error::logic_error;
};

inline void require(bool condition, const std::string& what) {
    if (!condition) throw FuzzFailure(what);
}

// Bytes as a client would send them, through protocol::RequestParser (whole
// and in pieces) and protocol::ReplyReader (resp_parser_check.cc).
void check_resp_parsing(std::span<const std::uint8_t> data);

// Bytes decoded into commands run against an in-process server
// (commands_check.cc).
void check_command_sequence(std::span<const std::uint8_t> data);

}  // namespace tierkv::fuzz
