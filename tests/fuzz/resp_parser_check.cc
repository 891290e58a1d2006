// Invariants of the RESP request parser and reply reader on any input:
//  - a complete command consumes at least one byte and no more than it was given;
//  - the input fed in pieces (each call given the same input plus more, as
//    the connection does) gives the same commands, the same error at the
//    same place, as the whole input at once;
//  - a parsed command, written back as a multibulk request, parses to the
//    same arguments and consumes exactly what was written;
//  - the reply reader, too, reads the same values whole and in pieces.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "protocol/reply_reader.h"
#include "protocol/request_parser.h"
#include "protocol/request_writer.h"

namespace tierkv::fuzz {
namespace {

using Args = std::vector<std::string>;

struct Outcome {
    std::vector<Args> commands;
    protocol::ParseResult last = protocol::ParseResult::kNeedMore;
    std::string error;
    std::size_t consumed = 0;  // bytes of the complete commands
};

// Small limits, so the limit checks are reached by small inputs too.
protocol::ParserLimits limits_for(std::uint8_t selector) {
    if (selector % 2 == 0) return {};
    return {.max_bulk_len = 64, .max_multibulk_len = 16, .max_inline_len = 48};
}

// Parses `input`, revealed `step(i)` bytes at a time (all at once when step
// returns the whole size), as the connection does: after kNeedMore the same
// unconsumed input plus the new bytes.
template <class Step>
Outcome parse_in_pieces(std::string_view input, const protocol::ParserLimits& limits, Step step) {
    protocol::RequestParser parser(limits);
    Outcome out;
    std::size_t visible = 0;
    std::size_t pieces = 0;
    while (true) {
        const std::string_view pending = input.substr(out.consumed, visible - out.consumed);
        const protocol::ParseResult result = pending.empty() ? protocol::ParseResult::kNeedMore : parser.parse(pending);
        if (result == protocol::ParseResult::kCommand) {
            require(parser.command_size() > 0 && parser.command_size() <= pending.size(),
                    "command_size out of range");
            if (!parser.args().empty()) out.commands.emplace_back(parser.args().begin(), parser.args().end());
            out.consumed += parser.command_size();
            continue;
        }
        if (result == protocol::ParseResult::kError) {
            out.last = result;
            out.error = parser.error();
            require(!out.error.empty(), "kError without an error text");
            return out;
        }
        if (visible == input.size()) {
            out.last = result;
            return out;
        }
        visible = std::min(input.size(), visible + step(pieces++));
    }
}

void check_request_parser(std::string_view input, std::uint8_t selector) {
    const protocol::ParserLimits limits = limits_for(selector);
    const Outcome whole = parse_in_pieces(input, limits, [&](std::size_t) { return input.size(); });
    // Piece sizes from the input's own bytes: 1..16.
    const Outcome pieces = parse_in_pieces(input, limits, [&](std::size_t i) {
        return 1 + static_cast<std::size_t>(static_cast<unsigned char>(input[i % input.size()]) % 16);
    });
    // As in Redis, a line longer than the inline limit is refused once that
    // much of it is buffered without its end, so with pieces it may be
    // refused where the whole input had the line's end: then the pieces'
    // commands are where the whole input's began.
    if (pieces.error.starts_with("Protocol error: too big")) {
        require(pieces.commands.size() <= whole.commands.size() &&
                    std::equal(pieces.commands.begin(), pieces.commands.end(), whole.commands.begin()),
                "commands differ when the input arrives in pieces");
    } else {
        require(whole.commands == pieces.commands, "commands differ when the input arrives in pieces");
        require(whole.last == pieces.last && whole.error == pieces.error && whole.consumed == pieces.consumed,
                "outcome differs when the input arrives in pieces: '" + whole.error + "' vs '" + pieces.error + "'");
    }

    for (const Args& args : whole.commands) {
        std::string written;
        protocol::append_command(written, std::span<const std::string>(args));
        protocol::RequestParser parser;  // default limits: what was accepted fits them
        require(parser.parse(written) == protocol::ParseResult::kCommand, "a written command does not parse");
        require(parser.command_size() == written.size(), "a written command parses to another size");
        require(Args(parser.args().begin(), parser.args().end()) == args, "a written command parses to other arguments");
    }
}

void check_reply_reader(std::string_view input) {
    auto read_all = [&](std::size_t piece) {
        protocol::ReplyReader reader;
        std::vector<protocol::RespValue> values;
        std::size_t consumed = 0;
        std::size_t visible = std::min(input.size(), piece);
        while (true) {
            const std::string_view pending = input.substr(consumed, visible - consumed);
            const auto result = pending.empty() ? protocol::ReplyReader::Result::kNeedMore : reader.parse(pending);
            if (result == protocol::ReplyReader::Result::kComplete) {
                require(reader.consumed() > 0 && reader.consumed() <= pending.size(), "consumed out of range");
                values.push_back(reader.take_value());
                consumed += reader.consumed();
            } else if (result == protocol::ReplyReader::Result::kError || visible == input.size()) {
                return std::make_pair(std::move(values), result);
            } else {
                visible = std::min(input.size(), visible + piece);
            }
        }
    };
    const auto whole = read_all(input.size());
    const auto pieces = read_all(3);
    require(whole == pieces, "replies differ when they arrive in pieces");
}

}  // namespace

void check_resp_parsing(std::span<const std::uint8_t> data) {
    if (data.empty()) return;
    const std::string_view input(reinterpret_cast<const char*>(data.data()) + 1, data.size() - 1);
    check_request_parser(input, data[0]);
    check_reply_reader(input);
}

}  // namespace tierkv::fuzz
