#include "server/logging.h"

#include <spdlog/details/file_helper.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <mutex>

namespace tierkv::server {
namespace {

// A file sink (appending, like spdlog's basic_file_sink) that can reopen its
// file by name while other threads log.
class ReopenableFileSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    explicit ReopenableFileSink(const std::string& path) : path_(path), file_(open(path)) {}

    // The new file is opened before the old one is closed, so a failure
    // (it throws spdlog_ex) leaves logging going to the old file.
    void reopen() {
        auto fresh = open(path_);
        std::lock_guard guard(mutex_);
        file_.swap(fresh);
    }

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t formatted;
        formatter_->format(msg, formatted);
        file_->write(formatted);
    }
    void flush_() override { file_->flush(); }

private:
    static std::unique_ptr<spdlog::details::file_helper> open(const std::string& path) {
        auto file = std::make_unique<spdlog::details::file_helper>();
        file->open(path, false);
        return file;
    }

    std::string path_;
    std::unique_ptr<spdlog::details::file_helper> file_;
};

std::shared_ptr<ReopenableFileSink> file_sink;  // set once, before any thread starts

}  // namespace

std::optional<std::string> setup_logging(const std::string& level, const std::string& file) {
    std::shared_ptr<spdlog::logger> logger;
    try {
        if (file.empty()) {
            logger = spdlog::stderr_color_mt("tierkv");
        } else {
            file_sink = std::make_shared<ReopenableFileSink>(file);
            logger = std::make_shared<spdlog::logger>("tierkv", file_sink);
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

std::optional<std::string> reopen_log_file() {
    if (!file_sink) return std::nullopt;
    try {
        file_sink->reopen();
    } catch (const spdlog::spdlog_ex& e) {
        return std::string("cannot reopen the log file: ") + e.what();
    }
    return std::nullopt;
}

}  // namespace tierkv::server
