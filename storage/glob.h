// Glob-style matching as KEYS, SCAN MATCH and CONFIG GET use it:
// * ? [abc] [^a] [a-z] and \x to match x literally.
#pragma once

#include <string_view>

namespace tierkv::storage {

bool glob_match(std::string_view pattern, std::string_view text, bool nocase = false);

}  // namespace tierkv::storage
