// tierkv-server: reads the configuration (TOML file, then flags), sets up
// logging, daemonizes if asked and runs the server until SIGINT, SIGTERM or
// SHUTDOWN.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <map>

#include <unistd.h>

#include "server/config.h"
#include "server/logging.h"
#include "server/process.h"
#include "server/server.h"

namespace {

constexpr int kExitBadConfig = 2;

int fail(const std::string& message) {
    std::fprintf(stderr, "tierkv-server: %s\n", message.c_str());
    return kExitBadConfig;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace tierkv::server;

    CLI::App app{"tierkv-server: a Redis-compatible cache with a RocksDB tier"};
    app.set_version_flag("--version,-v", std::string("tierkv-server ") + TIERKV_VERSION);
    std::string config_path;
    app.add_option("--config,-c", config_path, "TOML configuration file (see config.example.toml)")
        ->check(CLI::ExistingFile);
    // One flag per configuration parameter, same name; flags win over the file.
    std::map<std::string, std::string> flag_values;
    for (const ConfigParam& param : config_params()) {
        const std::string name(param.name);
        app.add_option("--" + name, flag_values[name], std::string(param.description));
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : kExitBadConfig;
    }

    Config config;
    if (!config_path.empty()) {
        if (auto err = load_config_file(config_path, config)) return fail(err->message);
    }
    for (const ConfigParam& param : config_params()) {
        auto* option = app.get_option("--" + std::string(param.name));
        if (option->count() == 0) continue;
        if (auto err = param.set(config, flag_values[std::string(param.name)])) {
            return fail("bad value for --" + std::string(param.name) + ": " + *err);
        }
    }
    if (auto err = setup_logging(config.log_level, config.log_file)) return fail(*err);

    // Fork before the server makes any thread or socket.
    Daemon daemon;
    if (config.daemonize) {
        if (auto err = daemon.detach()) return fail(*err);
    }
    Server server(config);
    if (auto err = server.start()) {
        spdlog::critical("{}", *err);
        if (daemon.parent_waiting()) {
            daemon.failed(*err);  // the parent prints it
            return kExitBadConfig;
        }
        return fail(*err);
    }
    const bool own_pidfile = !config.pidfile.empty();
    if (own_pidfile) {
        if (auto err = write_pidfile(config.pidfile)) spdlog::warn("{}", *err);  // as Redis: not fatal
    }
    daemon.ready();
    notify_systemd("READY=1\nMAINPID=" + std::to_string(::getpid()));
    server.wait();
    if (own_pidfile) ::unlink(config.pidfile.c_str());
    spdlog::info("tierkv stopped");
    return 0;
}
