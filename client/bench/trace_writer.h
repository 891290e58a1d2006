// --trace-out: the key of every generated request, one per line. Each
// worker collects lines in a TraceBuffer and hands them over in large
// blocks, so threads never interleave within a line and the hot path does
// no I/O.
#pragma once

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace tierkv::bench {

class TraceWriter {
public:
    // nullptr and a message in `error` if the file cannot be created.
    static std::unique_ptr<TraceWriter> open(const std::string& path, std::string& error);

    TraceWriter(const TraceWriter&) = delete;
    TraceWriter& operator=(const TraceWriter&) = delete;

    void write(std::string_view lines);
    // Flushes and closes; the first write or close error, or empty.
    std::string close();

private:
    struct FileCloser {
        void operator()(std::FILE* file) const { std::fclose(file); }
    };
    TraceWriter(std::string path, std::FILE* file) : path_(std::move(path)), file_(file) {}

    std::string path_;
    std::unique_ptr<std::FILE, FileCloser> file_;
    std::mutex mutex_;
    std::string error_;
};

class TraceBuffer {
public:
    explicit TraceBuffer(TraceWriter* writer) : writer_(writer) {}
    ~TraceBuffer() { flush(); }
    TraceBuffer(const TraceBuffer&) = delete;
    TraceBuffer& operator=(const TraceBuffer&) = delete;

    bool enabled() const { return writer_ != nullptr; }
    void add(std::string_view key) {
        lines_.append(key);
        lines_.push_back('\n');
        if (lines_.size() >= kBlock) flush();
    }
    void flush();

private:
    static constexpr std::size_t kBlock = 1 << 20;
    TraceWriter* writer_;
    std::string lines_;
};

}  // namespace tierkv::bench
