#include "server/config.h"

#include <toml++/toml.h>

namespace tierkv::server {
namespace {

// users = [ "alice on >secret ~cache:* +@read", ... ]
std::optional<std::string> read_users(const toml::node& node, Config& config) {
    const toml::array* lines = node.as_array();
    if (!lines) return "'users' must be an array of ACL rule strings";
    for (const toml::node& line : *lines) {
        const auto text = line.value<std::string>();
        if (!text || !line.is_string()) return "'users' must be an array of ACL rule strings";
        config.users.push_back(*text);
    }
    return std::nullopt;
}

// [rename-command] FLUSHALL = "" / CONFIG = "CONFIG_b84f"
std::optional<std::string> read_renamed_commands(const toml::node& node, Config& config) {
    const toml::table* renames = node.as_table();
    if (!renames) return "'rename-command' must be a table of command = \"new name\"";
    for (const auto& [name, value] : *renames) {
        const auto text = value.value<std::string>();
        if (!text || !value.is_string()) {
            return "rename-command '" + std::string(name.str()) + "' must be a string (\"\" disables it)";
        }
        config.renamed_commands.emplace_back(std::string(name.str()), *text);
    }
    return std::nullopt;
}

}  // namespace

std::optional<ConfigError> load_config_file(const std::string& path, Config& config) {
    toml::table root;
    try {
        root = toml::parse_file(path);
    } catch (const toml::parse_error& err) {
        const auto& where = err.source().begin;
        return ConfigError{path + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) + ": " +
                           std::string(err.description())};
    }
    for (const auto& [key, node] : root) {
        if (key.str() == "users" || key.str() == "rename-command") {
            auto err = key.str() == "users" ? read_users(node, config) : read_renamed_commands(node, config);
            if (err) return ConfigError{path + ": " + *err};
            continue;
        }
        const ConfigParam* param = find_config_param(key.str());
        if (!param) return ConfigError{path + ": unknown setting '" + std::string(key.str()) + "'"};
        std::string text;
        if (auto s = node.value<std::string>(); s && node.is_string()) {
            text = *s;
        } else if (auto i = node.value<std::int64_t>(); i && node.is_integer()) {
            text = std::to_string(*i);
        } else if (auto b = node.value<bool>(); b && node.is_boolean()) {
            text = *b ? "yes" : "no";
        } else {
            return ConfigError{path + ": setting '" + std::string(key.str()) +
                               "' must be a string or an integer"};
        }
        if (auto err = param->set(config, text)) {
            return ConfigError{path + ": bad value for '" + std::string(key.str()) + "': " + *err};
        }
    }
    return std::nullopt;
}

}  // namespace tierkv::server
