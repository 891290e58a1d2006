#include "server/config.h"

#include <toml++/toml.h>

namespace tierkv::server {

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
