#include "storage/glob.h"

#include <cctype>

namespace tierkv::storage {
namespace {

char fold(char c, bool nocase) {
    return nocase ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : c;
}

// Matches one [...] class starting after '['; advances `p` past the closing
// ']' (or to the end when unterminated, which Redis treats as closed).
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
            if (fold(pattern[p], nocase) == fold(c, nocase)) matched = true;
        } else if (p + 2 < pattern.size() && pattern[p + 1] == '-') {
            char lo = fold(pattern[p], nocase);
            char hi = fold(pattern[p + 2], nocase);
            if (lo > hi) std::swap(lo, hi);
            char x = fold(c, nocase);
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

bool match_from(std::string_view pattern, std::size_t p, std::string_view text, std::size_t t, bool nocase,
                int depth) {
    // Bound recursion on patterns like "*a*a*a*...": Redis caps nesting too.
    if (depth > 1000) return false;
    while (p < pattern.size()) {
        char pc = pattern[p];
        if (pc == '*') {
            while (p + 1 < pattern.size() && pattern[p + 1] == '*') ++p;
            if (p + 1 == pattern.size()) return true;
            for (std::size_t start = t; start <= text.size(); ++start) {
                if (match_from(pattern, p + 1, text, start, nocase, depth + 1)) return true;
            }
            return false;
        }
        if (t == text.size()) return false;
        if (pc == '?') {
            ++p;
        } else if (pc == '[') {
            ++p;
            if (!match_class(pattern, p, text[t], nocase)) return false;
        } else {
            if (pc == '\\' && p + 1 < pattern.size()) pc = pattern[++p];
            if (fold(pc, nocase) != fold(text[t], nocase)) return false;
            ++p;
        }
        ++t;
    }
    return t == text.size();
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text, bool nocase) {
    return match_from(pattern, 0, text, 0, nocase, 0);
}

}  // namespace tierkv::storage
