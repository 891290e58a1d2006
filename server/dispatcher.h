// Runs one parsed command: finds it in the table, checks arity and
// authentication, locks the shards of the keys it names, calls its handler.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/reply_builder.h"
#include "server/client_session.h"

namespace tierkv::storage {
class KeyLock;
}

namespace tierkv::server {

class CommandClock;
class Server;
struct CommandSpec;

// Unless `may_read_disk`, a command that would read a key it names from the
// tier (on the caller's thread) does not run: false, and nothing happened;
// the caller reads the keys off the event loop (keys_in_tier) and retries.
// `clock`: the connection's, when it runs a batch of input (else the
// clocks are read here). `command`: what CommandTable::find(args[0])
// returned, when the caller looked it up already (the look-ahead did).
bool execute_command(Server& server, ClientSession& client, protocol::ReplyBuilder& reply,
                     std::span<const std::string_view> args, bool may_read_disk = true,
                     CommandClock* clock = nullptr, const CommandSpec* command = nullptr);

// Runs a command whose spec was resolved and checked (arity,
// authentication), timing it and counting it. `held`: the caller (EXEC)
// already holds the shards of its keys; null: locks them here. False as
// execute_command's.
bool run_command(Server& server, ClientSession& client, protocol::ReplyBuilder& reply, const CommandSpec& spec,
                 std::span<const std::string_view> args, storage::KeyLock* held, bool may_read_disk = true,
                 CommandClock* clock = nullptr);

// The spec `args` names (a subcommand's for containers), or null.
const CommandSpec* find_spec(const Server& server, std::span<const std::string_view> args);
// The same, given what CommandTable::find(args[0]) returned (not null).
const CommandSpec* find_spec(const Server& server, std::span<const std::string_view> args, const CommandSpec& command);

// What must happen before the command in `args` runs, when a tier is
// attached (no disk I/O here):
//  kWaitForWriter: it may need room while the tier's writer is far behind,
//                  so the connection pauses rather than pile up more spills;
//  kLoadKeys:      EXEC: `keys` of its queued commands are not in memory but
//                  may be in the tier: read them first, off the event loop
//                  (skipped when `keys_loaded`). Other commands find out
//                  under their own locks (execute_command returns false);
//  kRunOnTierPool: it walks the tier (kWalksTier: KEYS, SCAN), so it runs on
//                  the tier's threads.
enum class TierStep { kRun, kWaitForWriter, kLoadKeys, kRunOnTierPool };
struct TierPlan {
    TierStep step = TierStep::kRun;
    std::vector<std::string> keys;
};
TierPlan plan_tier_step(Server& server, const ClientSession& client, std::span<const std::string_view> args,
                        bool keys_loaded);

// The keys the command in `args` names that are not in memory but may be in
// the tier (no disk I/O); empty for unknown commands and commands with no keys.
std::vector<std::string> keys_in_tier(Server& server, const ClientSession& client,
                                      std::span<const std::string_view> args);

}  // namespace tierkv::server
