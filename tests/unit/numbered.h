// "prefix" + i for test data. (GCC 12 warns, falsely, about
// `"literal" + std::to_string(i)` under -Wrestrict.)
#pragma once

#include <string>
#include <string_view>

namespace tierkv::test {

inline std::string numbered(std::string_view prefix, long long i) {
    std::string out(prefix);
    out += std::to_string(i);
    return out;
}

}  // namespace tierkv::test
