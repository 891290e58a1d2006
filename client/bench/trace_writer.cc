#include "client/bench/trace_writer.h"

#include <cerrno>
#include <cstring>

namespace tierkv::bench {

std::unique_ptr<TraceWriter> TraceWriter::open(const std::string& path, std::string& error) {
    std::FILE* file = std::fopen(path.c_str(), "w");
    if (file == nullptr) {
        error = "cannot create " + path + ": " + std::strerror(errno);
        return nullptr;
    }
    return std::unique_ptr<TraceWriter>(new TraceWriter(path, file));
}

void TraceWriter::write(std::string_view lines) {
    std::lock_guard lock(mutex_);
    if (!file_ || !error_.empty()) return;
    if (std::fwrite(lines.data(), 1, lines.size(), file_.get()) != lines.size()) {
        error_ = "cannot write " + path_ + ": " + std::strerror(errno);
    }
}

std::string TraceWriter::close() {
    std::lock_guard lock(mutex_);
    if (file_ && std::fclose(file_.release()) != 0 && error_.empty()) {
        error_ = "cannot write " + path_ + ": " + std::strerror(errno);
    }
    return error_;
}

void TraceBuffer::flush() {
    if (writer_ && !lines_.empty()) writer_->write(lines_);
    lines_.clear();
}

}  // namespace tierkv::bench
