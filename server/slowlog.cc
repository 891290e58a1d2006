#include "server/slowlog.h"

#include <strings.h>

#include <algorithm>

namespace tierkv::server {
namespace {

bool same(std::string_view a, std::string_view b) {
    return a.size() == b.size() && ::strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Which arguments hold a secret, as Redis redacts them in the slow log.
std::vector<bool> secret_args(std::span<const std::string_view> args) {
    std::vector<bool> secret(args.size(), false);
    if (same(args[0], "auth")) {
        for (std::size_t i = 1; i < args.size(); ++i) secret[i] = true;
    } else if (same(args[0], "hello")) {
        for (std::size_t i = 2; i < args.size(); ++i) {
            if (same(args[i], "auth") && i + 2 < args.size()) {
                secret[i + 1] = secret[i + 2] = true;
                i += 2;
            }
        }
    } else if (args.size() >= 2 && same(args[0], "acl") && same(args[1], "setuser")) {
        for (std::size_t i = 2; i < args.size(); ++i) secret[i] = true;  // the user name too, as Redis
    } else if (args.size() >= 2 && same(args[0], "config") && same(args[1], "set")) {
        for (std::size_t i = 2; i + 1 < args.size(); i += 2) {
            if (same(args[i], "requirepass")) secret[i + 1] = true;
        }
    }
    return secret;
}

}  // namespace

std::vector<std::string> SlowLog::kept_args(std::span<const std::string_view> args) {
    const std::vector<bool> secret = secret_args(args);
    const std::size_t kept = std::min(args.size(), kMaxArgs);
    std::vector<std::string> out;
    out.reserve(kept);
    for (std::size_t i = 0; i < kept; ++i) {
        if (kept != args.size() && i == kept - 1) {
            out.push_back("... (" + std::to_string(args.size() - kept + 1) + " more arguments)");
        } else if (secret[i]) {
            out.emplace_back("(redacted)");
        } else if (args[i].size() > kMaxArgBytes) {
            out.push_back(std::string(args[i].substr(0, kMaxArgBytes)) + "... (" +
                          std::to_string(args[i].size() - kMaxArgBytes) + " more bytes)");
        } else {
            out.emplace_back(args[i]);
        }
    }
    return out;
}

void SlowLog::push(SlowLogEntry entry, std::size_t max_len) {
    std::lock_guard guard(mutex_);
    entry.id = next_id_++;
    entries_.push_front(std::move(entry));
    while (entries_.size() > max_len) entries_.pop_back();
}

std::vector<SlowLogEntry> SlowLog::newest(std::int64_t count) const {
    std::lock_guard guard(mutex_);
    const std::size_t n = count < 0 ? entries_.size() : std::min(entries_.size(), static_cast<std::size_t>(count));
    return {entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(n)};
}

std::size_t SlowLog::size() const {
    std::lock_guard guard(mutex_);
    return entries_.size();
}

void SlowLog::reset() {
    std::lock_guard guard(mutex_);
    entries_.clear();
}

void SlowLog::trim(std::size_t max_len) {
    std::lock_guard guard(mutex_);
    while (entries_.size() > max_len) entries_.pop_back();
}

}  // namespace tierkv::server
