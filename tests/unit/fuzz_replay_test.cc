// Replays the fuzz targets' seed corpus and every input a fuzzer once
// failed on (tests/fuzz/regressions/<target>/) through the same checks, in
// every build, so a fixed bug stays fixed without libFuzzer.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../fuzz/fuzz_check.h"

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> inputs_of(const std::string& target) {
    std::vector<fs::path> files;
    for (const char* dir : {"corpus", "regressions"}) {
        const fs::path root = fs::path(TIERKV_SOURCE_DIR) / "tests" / "fuzz" / dir / target;
        if (!fs::exists(root)) continue;
        for (const auto& entry : fs::directory_iterator(root)) {
            if (entry.is_regular_file()) files.push_back(entry.path());
        }
    }
    return files;
}

template <class Check>
void replay(const std::string& target, Check check) {
    const std::vector<fs::path> files = inputs_of(target);
    REQUIRE(files.size() >= 10);  // the seed corpus is there
    for (const fs::path& file : files) {
        std::ifstream in(file, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        INFO(file.string());
        CHECK_NOTHROW(check({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}));
    }
}

}  // namespace

TEST_CASE("fuzz replay: the RESP parser's corpus and regressions") {
    replay("resp_parser", tierkv::fuzz::check_resp_parsing);
}

TEST_CASE("fuzz replay: the command sequences' corpus and regressions") {
    replay("commands", tierkv::fuzz::check_command_sequence);
}
