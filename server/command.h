// What a command is (its table entry) and what its handler gets to work with.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/reply_builder.h"
#include "storage/keyspace.h"

namespace tierkv::server {

class Server;
struct ClientSession;

// Command flags, Redis's names where Redis has one (COMMAND INFO shows them).
enum CommandFlag : std::uint32_t {
    kWrite = 1u << 0,
    kReadOnly = 1u << 1,
    kFast = 1u << 2,
    kAdmin = 1u << 3,
    kNoAuth = 1u << 4,      // allowed before AUTH
    kLoading = 1u << 5,     // allowed while loading
    kStale = 1u << 6,
    kDenyOom = 1u << 7,     // refused when over maxmemory
    kNoScript = 1u << 8,
    kSkipSlowlog = 1u << 9,
    kAllowBusy = 1u << 10,
    kBlocking = 1u << 11,   // may block the client (BLPOP ...)
    // Not Redis's (COMMAND INFO does not show it): reads keys of the RocksDB
    // tier one after another (KEYS, SCAN), so with a tier it runs on the
    // tier's threads, not on the event loop.
    kWalksTier = 1u << 12,
};

// Key positions as Redis's legacy (first, last, step) triple; last < 0
// counts from the end. first == 0: the command names no keys, unless
// numkeys_at > 0: then args[numkeys_at] counts the keys that follow it
// (SINTERCARD numkeys key [key ...]), Redis's "movablekeys"; with first > 0
// too, args[first..last] are keys as well (ZUNIONSTORE destination numkeys ...).
struct KeyPositions {
    int first = 0;
    int last = 0;
    int step = 0;
    int numkeys_at = 0;
};

// The keys a command names. Most often a run of its arguments (GET key,
// DEL k1 k2, SINTERCARD numkeys k1 k2), viewed in place with no copy;
// otherwise collected (MSET's every other argument, ZUNIONSTORE's
// destination and sources). Not copyable: its view may point into itself.
class KeyArgs {
public:
    KeyArgs() = default;
    explicit KeyArgs(std::span<const std::string_view> run) : view_(run) {}
    explicit KeyArgs(std::vector<std::string_view> collected) : collected_(std::move(collected)), view_(collected_) {}
    KeyArgs(KeyArgs&& other) noexcept = default;  // a vector's move keeps its elements where they are
    KeyArgs(const KeyArgs&) = delete;
    KeyArgs& operator=(const KeyArgs&) = delete;

    std::span<const std::string_view> span() const { return view_; }
    operator std::span<const std::string_view>() const { return view_; }
    auto begin() const { return view_.begin(); }
    auto end() const { return view_.end(); }
    std::size_t size() const { return view_.size(); }
    bool empty() const { return view_.empty(); }

private:
    std::vector<std::string_view> collected_;
    std::span<const std::string_view> view_;
};

struct CommandContext;
using CommandHandler = void (*)(CommandContext&);

struct CommandSpec {
    std::string name;         // lower case; subcommands as "parent|sub"
    int arity = 0;            // Redis convention: -N means "at least N"
    std::uint32_t flags = 0;
    KeyPositions keys;
    CommandHandler handler = nullptr;
    // For COMMAND DOCS and redis-cli hints.
    std::string_view group;   // "string", "generic", "connection", "server", ...
    std::string_view summary;
    std::string_view since;
    std::string_view complexity;
    std::string_view syntax;  // argument syntax after the name, e.g. "key value [NX|XX]"
    std::vector<CommandSpec> subcommands;
    // For COMMAND INFO, both space-separated: ACL categories beyond those the
    // flags and group imply (e.g. "@keyspace @dangerous"), and Redis's tips
    // (e.g. "nondeterministic_output").
    std::string_view extra_acl_categories;
    std::string_view tips;
    // Where CommandStats counts this command; set by CommandTable::add.
    std::size_t stats_slot = 0;
    // rename-command (set by CommandTable::rename): the name clients call
    // it by instead ("config_b84f", "config_b84f|get"), or disabled. `name`
    // stays the original, which errors, ACL rules and INFO use, as Redis.
    std::string alias;
    bool disabled = false;

    std::string_view public_name() const { return alias.empty() ? std::string_view(name) : alias; }
    bool has_flag(CommandFlag f) const { return (flags & f) != 0; }
    // Whether `argc` arguments (the name included) satisfy the arity.
    bool arity_accepts(std::size_t argc) const;
    // The keys this command names in `args` (args[0] is the command name).
    KeyArgs key_args(std::span<const std::string_view> args) const;
};

// Everything a handler may touch while it runs. The shards of the keys the
// table says the command names are already locked (see `locks`).
struct CommandContext {
    std::span<const std::string_view> args;  // args[0] is the command name
    const CommandSpec& spec;
    protocol::ReplyBuilder& reply;
    ClientSession& client;
    Server& server;
    storage::KeyLock& locks;
    std::int64_t now_ms;

    std::size_t argc() const { return args.size(); }
    storage::DbView db() const;  // the client's selected database
    storage::DbView db(std::size_t index) const { return locks.db(index); }
};

}  // namespace tierkv::server
