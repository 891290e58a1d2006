// libFuzzer entry point; the checks are in resp_parser_check.cc.
#include <cstddef>
#include <cstdint>

#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    tierkv::fuzz::check_resp_parsing({data, size});
    return 0;
}
