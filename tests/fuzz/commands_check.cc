// Runs a sequence of commands decoded from the fuzzer's bytes through the
// real dispatcher (execute_command) against one in-process server, without
// sockets, as a connection would, then checks:
//  - no exception escapes a command;
//  - every command writes exactly one well-formed reply (RESP2 or RESP3);
//  - in every database, DBSIZE equals what KEYS * lists (when no key has a
//    TTL: DBSIZE counts expired keys not yet deleted, as Redis does);
//  - every key's memory charge is its value's and key's heap bytes plus the
//    same fixed per-entry overhead (a change that forgot to recount shows);
// and empties the server for the next input.
//
// Input format, repeated: one byte picks the command (any in the table but
// those that reach beyond one connection: CONFIG, CLIENT, SHUTDOWN,
// SUBSCRIBE...), one byte the argument count (0..7), then per argument one
// byte: an atom from a small vocabulary of keys, numbers and keywords, or
// (0xf0 and up) raw bytes: a length byte and that many bytes.
#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "protocol/reply_reader.h"
#include "server/acl.h"
#include "server/client_session.h"
#include "server/config.h"
#include "server/dispatcher.h"
#include "server/server.h"
#include "storage/clock.h"
#include "storage/memory.h"

namespace tierkv::fuzz {
namespace {

constexpr std::size_t kDatabases = 4;
constexpr std::size_t kMaxCommands = 64;

// Commands that reach beyond this one connection or this process: server
// settings, other clients, the process, or replies pushed later.
constexpr std::array kExcluded = {"client", "config", "shutdown", "subscribe", "psubscribe", "unsubscribe",
                                  "punsubscribe", "flushall", "flushdb"};

// Keys are few so commands meet each other's keys; the rest feed options,
// counts, scores, ranges and subcommands.
constexpr std::array<std::string_view, 96> kAtoms = {
    "k1", "k2", "k3", "{k}1", "k1", "k2", "f1", "f2", "m1", "m2", "v", "value", "",
    "0", "1", "2", "3", "-1", "-2", "10", "100", "1000", "9223372036854775807", "-9223372036854775808",
    "1.5", "-0.5", "inf", "-inf", "+inf", "nan", "(1", "(2", "[a", "[m1", "(m2", "-", "+", "1e308",
    "NX", "XX", "GT", "LT", "CH", "INCR", "EX", "PX", "EXAT", "PXAT", "KEEPTTL", "GET", "PERSIST",
    "WITHSCORES", "LIMIT", "BYSCORE", "BYLEX", "REV", "COUNT", "MATCH", "TYPE", "*", "k*", "[a-z]*",
    "LEFT", "RIGHT", "BEFORE", "AFTER", "RANK", "MAXLEN", "WEIGHTS", "AGGREGATE", "SUM", "MIN", "MAX",
    "ENCODING", "FREQ", "IDLETIME", "REFCOUNT", "HELP", "LIST", "INFO", "DOCS", "GETKEYS", "NUMSUB",
    "CHANNELS", "string", "list", "hash", "set", "zset", "REPLACE", "DB", "WITHVALUES", "ASYNC", "SYNC",
    "ch", "x"};

// Sorted, so an input means the same commands until one is added.
std::vector<std::string> fuzzable_commands(const server::CommandTable& table) {
    std::vector<std::string> names;
    for (const server::CommandSpec& spec : table.commands()) {
        if (std::find(kExcluded.begin(), kExcluded.end(), spec.name) == kExcluded.end()) names.push_back(spec.name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

server::Config fuzz_config() {
    server::Config config;
    config.threads = 1;
    config.shards = 4;
    config.databases = static_cast<int>(kDatabases);
    return config;
}

// One server for the whole fuzzing run; each input starts from an empty
// keyspace and a fresh client.
struct Harness {
    server::Server server{fuzz_config()};
    std::vector<std::string> names = fuzzable_commands(server.commands());
};

Harness& harness() {
    static Harness h;
    return h;
}

class Decoder {
public:
    explicit Decoder(std::span<const std::uint8_t> data) : data_(data) {}
    bool done() const { return pos_ >= data_.size(); }
    std::uint8_t byte() { return done() ? 0 : data_[pos_++]; }
    std::string bytes(std::size_t n) {
        n = std::min(n, data_.size() - pos_);
        std::string out(reinterpret_cast<const char*>(data_.data()) + pos_, n);
        pos_ += n;
        return out;
    }

private:
    std::span<const std::uint8_t> data_;
    std::size_t pos_ = 0;
};

std::vector<std::string> next_command(Decoder& in, const std::vector<std::string>& names) {
    std::vector<std::string> args{names[in.byte() % names.size()]};
    const std::size_t argc = in.byte() % 8;
    for (std::size_t i = 0; i < argc && !in.done(); ++i) {
        const std::uint8_t a = in.byte();
        args.emplace_back(a >= 0xf0 ? in.bytes(in.byte() % 32) : std::string(kAtoms[a % kAtoms.size()]));
    }
    return args;
}

struct Client {
    server::ClientSession session;
    std::string out;
    protocol::ReplyBuilder reply{out};

    explicit Client(Harness& h) {
        session.id = 1;
        session.authenticated = true;
        server::switch_user(session, h.server.acl().default_user());  // as every accepted connection
        session.close = [] {};
        session.wake = [] {};
        session.deliver = [](auto, auto) {};
    }

    // Runs one command and returns the replies it wrote, read back.
    std::vector<protocol::RespValue> run(Harness& h, const std::vector<std::string>& args) {
        std::vector<std::string_view> views(args.begin(), args.end());
        // A blocking command answers at once, as if its timeout had passed
        // (nothing else would ever push: there is one client).
        session.deny_blocking = true;
        out.clear();
        server::execute_command(h.server, session, reply, views);
        require(session.blocked == nullptr, "a command blocked although blocking was denied: " + args[0]);
        std::vector<protocol::RespValue> replies;
        std::string_view rest = out;
        protocol::ReplyReader reader;
        while (!rest.empty()) {
            const auto result = reader.parse(rest);
            require(result == protocol::ReplyReader::Result::kComplete,
                    "malformed reply to " + args[0] + ": " + reader.error());
            replies.push_back(reader.take_value());
            rest.remove_prefix(reader.consumed());
        }
        return replies;
    }

    protocol::RespValue run_one(Harness& h, const std::vector<std::string>& args) {
        auto replies = run(h, args);
        require(replies.size() == 1, args[0] + " wrote " + std::to_string(replies.size()) + " replies");
        return std::move(replies[0]);
    }
};

void check_database(Harness& h, Client& c, std::size_t db) {
    c.run_one(h, {"select", std::to_string(db)});
    const protocol::RespValue size = c.run_one(h, {"dbsize"});
    const protocol::RespValue keys = c.run_one(h, {"keys", "*"});
    require(size.type == protocol::RespValue::kInteger && keys.type == protocol::RespValue::kArray,
            "DBSIZE or KEYS replied the wrong type");
    storage::Keyspace& ks = h.server.keyspace();
    const bool has_ttls = ks.size(db).expires > 0;
    require(has_ttls ? size.integer >= static_cast<std::int64_t>(keys.elements.size())
                     : size.integer == static_cast<std::int64_t>(keys.elements.size()),
            "DBSIZE " + std::to_string(size.integer) + " but KEYS lists " + std::to_string(keys.elements.size()));

    // Every in-place change recounted its entry: the running counts match
    // counting everything again.
    const std::int64_t drift = ks.memory_drift();
    require(drift == 0, "the tables' memory counts drifted by " + std::to_string(drift) + " bytes");
}

}  // namespace

void check_command_sequence(std::span<const std::uint8_t> data) {
    Harness& h = harness();
    Client c(h);
    Decoder in(data);
    for (std::size_t n = 0; n < kMaxCommands && !in.done(); ++n) {
        const std::vector<std::string> args = next_command(in, h.names);
        const auto replies = c.run(h, args);
        require(replies.size() == 1, args[0] + " wrote " + std::to_string(replies.size()) + " replies");
    }
    c.run_one(h, {"reset"});  // leaves MULTI, unwatches, back to RESP2 and db 0
    for (std::size_t db = 0; db < kDatabases; ++db) check_database(h, c, db);
    c.run_one(h, {"flushall"});
}

}  // namespace tierkv::fuzz
