// The one table of every command, built from the families in
// server/commands/ (see command_table.cc for the list).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/command.h"
#include "server/command_index.h"

namespace tierkv::server {

class CommandTable {
public:
    // The table with every family registered.
    static CommandTable build();

    void add(CommandSpec spec);
    // rename-command: the command answers to `to` only (empty: to no name).
    // Returns why not when `from` is unknown or `to` is taken.
    std::optional<std::string> rename(std::string_view from, std::string_view to);

    // Case-insensitive lookup of a top-level command; nullptr if unknown.
    const CommandSpec* find(std::string_view name) const;
    // Like find(), for "parent|sub" or (parent, sub) pairs.
    const CommandSpec* find_subcommand(const CommandSpec& parent, std::string_view sub) const;

    const std::vector<CommandSpec>& commands() const { return commands_; }
    std::size_t size() const { return commands_.size(); }
    // How many commands and subcommands have a CommandStats slot.
    std::size_t stats_slots() const { return stats_slots_; }

private:
    std::vector<CommandSpec> commands_;
    CommandIndex index_;
    std::size_t stats_slots_ = 0;
};

std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);

// One registration function per family, each in server/commands/<family>.cc.
void register_connection_commands(CommandTable& table);
void register_server_commands(CommandTable& table);
void register_key_commands(CommandTable& table);
void register_string_commands(CommandTable& table);
void register_slowlog_commands(CommandTable& table);
void register_tier_commands(CommandTable& table);
void register_hash_commands(CommandTable& table);
void register_set_commands(CommandTable& table);
void register_list_commands(CommandTable& table);
void register_zset_commands(CommandTable& table);
void register_transaction_commands(CommandTable& table);
void register_pubsub_commands(CommandTable& table);
void register_acl_commands(CommandTable& table);
void register_memory_commands(CommandTable& table);

}  // namespace tierkv::server
