// Incremental parser for client requests: RESP multibulk ("*2\r\n$3\r\nGET\r\n...")
// and inline commands ("GET key\r\n"), with Redis's limits and error texts.
// No I/O: the connection feeds it the bytes it has received so far.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tierkv::protocol {

struct ParserLimits {
    std::size_t max_bulk_len = 512ull * 1024 * 1024;           // proto-max-bulk-len
    std::size_t max_multibulk_len = 1024ull * 1024 * 1024;     // arguments per command
    std::size_t max_inline_len = 64 * 1024;                    // inline line, or a "*N"/"$N" header line
};

enum class ParseResult {
    kCommand,   // one complete command: see args() and command_size(). args()
                // is empty for the commands Redis skips silently ("*0",
                // "*-1", a blank inline line): drop the bytes, reply nothing.
    kNeedMore,  // the input ends inside a command; call again with more bytes
    kError,     // protocol error: see error(); the connection must be closed
};

// Usage: call parse() with the unconsumed input, which must start where the
// previous complete command ended. After kCommand, drop command_size() bytes
// from the front of the input before the next call. After kNeedMore the same
// input (plus new bytes appended) must be passed again; the parser resumes
// where it stopped instead of rescanning, so a huge command arriving in small
// pieces costs linear time.
class RequestParser {
public:
    explicit RequestParser(ParserLimits limits = {}) : limits_(limits) {}

    ParseResult parse(std::string_view input);

    // Valid after kCommand until the next parse() call or until the input
    // buffer changes. Views point into the input (multibulk) or into the
    // parser (inline commands, whose escapes are decoded).
    std::span<const std::string_view> args() const { return args_; }
    std::size_t command_size() const { return command_size_; }

    // After kError: Redis's text without the "-ERR " prefix, e.g.
    // "Protocol error: invalid bulk length".
    const std::string& error() const { return error_; }

    // After kNeedMore: a lower bound on the total input size needed to make
    // progress, so the reader can reserve room for a large bulk in one go.
    std::size_t bytes_wanted() const { return bytes_wanted_; }

    // Large bulks read straight into their final buffer. After kNeedMore
    // inside a bulk whose bytes are not all there: where they start in the
    // input and how many there are, so the reader can put them elsewhere.
    struct PendingBulk {
        std::size_t offset;
        std::size_t length;
    };
    std::optional<PendingBulk> pending_bulk() const;
    // The pending bulk's bytes are `bytes`, not in the input: the input goes
    // on with its "\r\n" where the bytes would have started. Holds for the
    // command being parsed until detach_bulk(), even if it is parsed again.
    void attach_bulk(std::string_view bytes);
    void detach_bulk() { attached_.reset(); }

    // Forgets a command parsed partway (after kNeedMore), so the next
    // parse() may be given input that starts somewhere else.
    void reset() {
        reset_state();
        attached_.reset();
    }

    void set_limits(const ParserLimits& limits) { limits_ = limits; }
    const ParserLimits& limits() const { return limits_; }

private:
    struct Span {
        std::size_t offset;
        std::size_t length;
    };

    ParseResult parse_multibulk(std::string_view input);
    ParseResult parse_inline(std::string_view input);
    ParseResult fail(std::string message);
    void finish(std::string_view input, std::size_t size);
    void reset_state();

    ParserLimits limits_;

    // Progress through a multibulk command that is not complete yet.
    std::size_t pos_ = 0;              // next byte to look at
    std::int64_t expected_args_ = -1;  // -1 until the "*N" line is read
    std::int64_t bulk_len_ = -1;       // -1 until the current "$N" line is read
    std::vector<Span> spans_;

    std::vector<std::string> inline_args_;
    std::vector<std::string_view> args_;
    std::size_t command_size_ = 0;
    std::size_t bytes_wanted_ = 0;
    std::string error_;

    struct AttachedBulk {
        std::size_t offset;  // where its bytes would start in the input
        std::string_view bytes;
    };
    std::optional<AttachedBulk> attached_;
};

// Splits an inline command line the way redis-cli and Redis do: whitespace
// separates arguments, "double quotes" understand \n \r \t \b \a \xHH \" \\,
// 'single quotes' only \'. Returns false on unbalanced quotes.
bool split_inline_args(std::string_view line, std::vector<std::string>& out);

}  // namespace tierkv::protocol
