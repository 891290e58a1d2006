// libFuzzer entry point; the checks are in commands_check.cc.
#include <cstddef>
#include <cstdint>

#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tierkv::fuzz::check_command_sequence({data, size});
    return 0;
}
