#include "storage/glob.h"

#include <cctype>

namespace tierkv::storage {
namespace {

char fold(char c, bool nocase) {
    return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
}

// Matches one [...] class starting after '['; advances `p` past the closing
// ']' (or to the end when unterminated, which Redis treats as closed). As in
// Redis, an escaped character inside a class compares exactly, even nocase.
bool match_class(std::string_view pattern, std::size_t& p, char c, bool nocase) {
    bool negate = false;
    if (p < pattern.size() && pattern[p] == '^') {
        negate = true;
        ++p;
    }
    bool matched = false;
    while (p < pattern.size() && pattern[p] != ']') {
        if (pattern[p] == '\\' && p + 1 < pattern.size()) {
            ++p;
            if (pattern[p] == c) matched = true;
        } else if (p + 2 < pattern.size() && pattern[p + 1] == '-') {
            char lo = fold(pattern[p], nocase);
            char hi = fold(pattern[p + 2], nocase);
            if (lo > hi) std::swap(lo, hi);
            const char x = fold(c, nocase);
            if (x >= lo && x <= hi) matched = true;
            p += 2;
        } else if (fold(pattern[p], nocase) == fold(c, nocase)) {
            matched = true;
        }
        ++p;
    }
    if (p < pattern.size()) ++p;  // the ']'
    return negate ? !matched : matched;
}

// Matches the one-character token at `p` (?, a class, an escape or a
// literal) against `c`; advances `p` past the token.
bool match_token(std::string_view pattern, std::size_t& p, char c, bool nocase) {
    char pc = pattern[p++];
    if (pc == '?') return true;
    if (pc == '[') return match_class(pattern, p, c, nocase);
    if (pc == '\\' && p < pattern.size()) pc = pattern[p++];  // a trailing '\' is literal
    return fold(pc, nocase) == fold(c, nocase);
}

}  // namespace

// Every token but '*' matches exactly one character, so on a mismatch it is
// enough to retry from the most recent '*' with one more character swallowed
// by it: O(pattern * text) with no recursion, whatever the pattern.
bool glob_match(std::string_view pattern, std::string_view text, bool nocase) {
    constexpr std::size_t kNoStar = std::string_view::npos;
    std::size_t p = 0;
    std::size_t t = 0;
    std::size_t star_p = kNoStar;  // pattern position just after the last '*'
    std::size_t star_t = 0;        // text position that '*' is retried from
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            while (p < pattern.size() && pattern[p] == '*') ++p;
            if (p == pattern.size()) return true;
            star_p = p;
            star_t = t;
            continue;
        }
        std::size_t next = p;
        if (p < pattern.size() && match_token(pattern, next, text[t], nocase)) {
            p = next;
            ++t;
            continue;
        }
        if (star_p == kNoStar) return false;
        p = star_p;
        t = ++star_t;
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

}  // namespace tierkv::storage
