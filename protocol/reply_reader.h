// Incremental parser for server replies (what a client reads), RESP2 and
// RESP3, into RespValue trees. No I/O: the client feeds it the bytes it has
// received so far.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/resp_value.h"

namespace tierkv::protocol {

// Usage, like RequestParser: call parse() with the unconsumed input, which
// must start where the previous complete reply ended. After kComplete, take
// value() and drop consumed() bytes. After kNeedMore pass the same input again
// with new bytes appended; complete elements already read are kept, so a large
// reply arriving in pieces is parsed in linear time. After kError the stream
// cannot be resynchronised: close the connection.
class ReplyReader {
public:
    enum class Result { kComplete, kNeedMore, kError };

    Result parse(std::string_view input);

    // Valid after kComplete, until the next parse().
    const RespValue& value() const { return value_; }
    RespValue take_value() { return std::move(value_); }
    std::size_t consumed() const { return consumed_; }

    // After kError, e.g. "invalid bulk length '-5'".
    const std::string& error() const { return error_; }

    // Deeper nesting than this is refused: RespValue's destructor, == and
    // to_string() recurse.
    static constexpr std::size_t kMaxDepth = 256;

private:
    // An aggregate whose elements are still arriving. Attributes ("|N") are
    // read into a frame like a map and then dropped.
    struct Frame {
        RespValue value;
        std::size_t remaining;
        bool attribute;
    };

    enum class Step { kDone, kNeedMore, kError };
    Step read_item(std::string_view input);
    void add(RespValue value);
    void reset();

    std::size_t pos_ = 0;  // start of the next item not yet read
    std::vector<Frame> stack_;
    bool have_value_ = false;
    RespValue value_;
    std::size_t consumed_ = 0;
    std::string error_;
};

}  // namespace tierkv::protocol
