// Process-level chores of a daemon: forking into the background (with the
// start-up status reported back to the parent), the pid file, and systemd's
// readiness notification. None of them knows about the server itself.
#pragma once

#include <optional>
#include <string>

namespace tierkv::server {

// --daemonize yes: fork before any thread exists. The parent stays until
// the child calls ready() or failed(), then exits with the status the child
// reports (0, or 2 after printing the child's error), so a port in use
// still fails the command that started the daemon. The child starts a new
// session and, once ready, points stdin, stdout and stderr at /dev/null.
class Daemon {
public:
    // In the parent: never returns (exits). In the child: returns normally.
    // Returns an error message if fork() itself fails.
    std::optional<std::string> detach();
    void ready();
    void failed(const std::string& message);
    // In the child, until ready() or failed(): the parent waits for its word.
    bool parent_waiting() const { return status_fd_ >= 0; }

private:
    int status_fd_ = -1;  // the child's end of the pipe to the parent
};

// Writes getpid() and a newline to `path`; returns an error message.
std::optional<std::string> write_pidfile(const std::string& path);

// sd_notify(3) without libsystemd: sends `state` ("READY=1", ...) as one
// datagram to $NOTIFY_SOCKET when systemd set it (Type=notify); else nothing.
void notify_systemd(const std::string& state);

}  // namespace tierkv::server
