// The slow log: the most recent commands that ran longer than
// slowlog-log-slower-than, newest first, at most slowlog-max-len of them.
// Only slow commands reach it, so one mutex is enough.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tierkv::server {

struct SlowLogEntry {
    std::uint64_t id = 0;
    std::int64_t unix_time = 0;  // seconds, when it was logged
    std::int64_t duration_us = 0;
    std::vector<std::string> args;  // as Redis keeps them: truncated, secrets redacted
    std::string client_addr;
    std::string client_name;
};

class SlowLog {
public:
    // Redis's limits on what an entry keeps of the command line.
    static constexpr std::size_t kMaxArgs = 32;
    static constexpr std::size_t kMaxArgBytes = 128;

    // Keeps a copy of `args` (args[0] the command name) as Redis does: at
    // most 32 arguments, the last one saying how many more there were;
    // strings longer than 128 bytes cut with "... (N more bytes)"; the
    // password of AUTH, HELLO ... AUTH and CONFIG SET requirepass, and the rules of ACL SETUSER, redacted.
    static std::vector<std::string> kept_args(std::span<const std::string_view> args);

    void push(SlowLogEntry entry, std::size_t max_len);
    // The newest `count` entries (all when count < 0).
    std::vector<SlowLogEntry> newest(std::int64_t count) const;
    std::size_t size() const;
    void reset();
    // Drops the oldest entries beyond `max_len` (CONFIG SET slowlog-max-len).
    void trim(std::size_t max_len);

private:
    mutable std::mutex mutex_;
    std::deque<SlowLogEntry> entries_;  // newest first
    std::uint64_t next_id_ = 0;
};

}  // namespace tierkv::server
