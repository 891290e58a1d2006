#include "server/command_table.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <stdexcept>

#include "server/arguments.h"

namespace tierkv::server {

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

CommandTable CommandTable::build() {
    CommandTable table;
    register_connection_commands(table);
    register_server_commands(table);
    register_key_commands(table);
    register_string_commands(table);
    register_slowlog_commands(table);
    register_tier_commands(table);
    register_hash_commands(table);
    register_set_commands(table);
    register_list_commands(table);
    register_zset_commands(table);
    register_transaction_commands(table);
    register_pubsub_commands(table);
    register_acl_commands(table);
    register_memory_commands(table);
    return table;
}

void CommandTable::add(CommandSpec spec) {
    if (index_.contains(spec.name)) throw std::logic_error("command registered twice: " + spec.name);
    spec.stats_slot = stats_slots_++;
    for (CommandSpec& sub : spec.subcommands) sub.stats_slot = stats_slots_++;
    index_.insert(spec.name, static_cast<std::uint32_t>(commands_.size()));
    commands_.push_back(std::move(spec));
}

std::optional<std::string> CommandTable::rename(std::string_view from, std::string_view to) {
    const auto found = index_.find(from);
    if (!found) return "no such command";
    const std::string new_name = to_lower(to);
    if (index_.contains(new_name)) return "the name '" + new_name + "' is taken";
    if (new_name.find_first_of(" |") != std::string::npos || new_name.size() > 32) {
        return "a command name has at most 32 characters, none of them a space or '|'";
    }
    const std::size_t at = *found;
    index_.erase(from);
    CommandSpec& spec = commands_[at];
    if (new_name.empty()) {
        spec.disabled = true;
        for (CommandSpec& sub : spec.subcommands) sub.disabled = true;
        return std::nullopt;
    }
    index_.insert(new_name, static_cast<std::uint32_t>(at));
    spec.alias = new_name;
    for (CommandSpec& sub : spec.subcommands) sub.alias = new_name + sub.name.substr(sub.name.find('|'));
    return std::nullopt;
}

const CommandSpec* CommandTable::find(std::string_view name) const {
    const auto found = index_.find(name);
    return found ? &commands_[*found] : nullptr;
}

const CommandSpec* CommandTable::find_subcommand(const CommandSpec& parent, std::string_view sub) const {
    const std::string full = parent.name + "|" + to_lower(sub);
    for (const CommandSpec& s : parent.subcommands) {
        if (s.name == full) return &s;
    }
    return nullptr;
}

bool CommandSpec::arity_accepts(std::size_t argc) const {
    const auto n = static_cast<int>(argc);
    return arity >= 0 ? n == arity : n >= -arity;
}

KeyArgs CommandSpec::key_args(std::span<const std::string_view> args) const {
    if (this->keys.numkeys_at > 0) {
        // A bad count names no keys; the handler replies the error.
        const auto at = static_cast<std::size_t>(this->keys.numkeys_at);
        const auto count = at < args.size() ? parse_int64(args[at]) : std::nullopt;
        if (!count || *count <= 0 || static_cast<std::uint64_t>(*count) > args.size() - at - 1) return KeyArgs();
        const auto counted = args.subspan(at + 1, static_cast<std::size_t>(*count));
        if (this->keys.first <= 0) return KeyArgs(counted);
        // Keys before the count too (ZUNIONSTORE's destination): first..last.
        std::vector<std::string_view> keys;
        for (int i = this->keys.first; i <= this->keys.last && static_cast<std::size_t>(i) < at; ++i) {
            keys.push_back(args[static_cast<std::size_t>(i)]);
        }
        keys.insert(keys.end(), counted.begin(), counted.end());
        return KeyArgs(std::move(keys));
    }
    if (this->keys.first <= 0) return KeyArgs();
    const int argc = static_cast<int>(args.size());
    int last = this->keys.last >= 0 ? this->keys.last : argc + this->keys.last;
    last = std::min(last, argc - 1);
    if (last < this->keys.first) return KeyArgs();
    const int step = std::max(this->keys.step, 1);
    if (step == 1) {
        return KeyArgs(args.subspan(static_cast<std::size_t>(this->keys.first),
                                    static_cast<std::size_t>(last - this->keys.first + 1)));
    }
    std::vector<std::string_view> keys;
    for (int i = this->keys.first; i <= last; i += step) keys.push_back(args[static_cast<std::size_t>(i)]);
    return KeyArgs(std::move(keys));
}

}  // namespace tierkv::server
