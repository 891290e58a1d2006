#include "server/logging.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace tierkv::server {

std::optional<std::string> setup_logging(const std::string& level, const std::string& file) {
    std::shared_ptr<spdlog::logger> logger;
    try {
        if (file.empty()) {
            logger = spdlog::stderr_color_mt("tierkv");
        } else {
            logger = spdlog::basic_logger_mt("tierkv", file);
        }
    } catch (const spdlog::spdlog_ex& e) {
        return std::string("cannot open log file '") + file + "': " + e.what();
    }
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%L%$ [%t] %v");
    logger->set_level(spdlog::level::from_str(level));
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
    return std::nullopt;
}

}  // namespace tierkv::server
