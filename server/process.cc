#include "server/process.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tierkv::server {
namespace {

void write_all(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

std::string read_all(int fd) {
    std::string out;
    char buf[512];
    while (true) {
        const ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return out;
        out.append(buf, static_cast<std::size_t>(n));
    }
}

}  // namespace

std::optional<std::string> Daemon::detach() {
    int fds[2];
    if (::pipe(fds) != 0) return std::string("pipe: ") + std::strerror(errno);
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) return std::string("fork: ") + std::strerror(errno);
    if (pid > 0) {
        // The parent: wait for the child's verdict. '0' = listening; '2' and
        // a message = failed; nothing = it died before saying.
        ::close(fds[1]);
        const std::string status = read_all(fds[0]);
        if (status == "0") std::_Exit(0);
        if (!status.empty()) {
            std::fprintf(stderr, "tierkv-server: %s\n", status.substr(1).c_str());
            std::_Exit(2);
        }
        int child_status = 0;
        ::waitpid(pid, &child_status, 0);
        std::fprintf(stderr, "tierkv-server: the daemon exited during start-up\n");
        std::_Exit(1);
    }
    ::close(fds[0]);
    ::fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    status_fd_ = fds[1];
    ::setsid();  // no controlling terminal: a closed terminal sends no SIGHUP
    return std::nullopt;
}

void Daemon::ready() {
    if (status_fd_ < 0) return;
    // Detach from the terminal before the parent returns to the shell.
    const int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
        ::dup2(null, STDIN_FILENO);
        ::dup2(null, STDOUT_FILENO);
        ::dup2(null, STDERR_FILENO);
        if (null > STDERR_FILENO) ::close(null);
    }
    write_all(status_fd_, "0");
    ::close(status_fd_);
    status_fd_ = -1;
}

void Daemon::failed(const std::string& message) {
    if (status_fd_ < 0) return;
    write_all(status_fd_, "2" + message);
    ::close(status_fd_);
    status_fd_ = -1;
}

std::optional<std::string> write_pidfile(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    if (f == nullptr) return "cannot write pid file '" + path + "': " + std::strerror(errno);
    std::fprintf(f, "%d\n", static_cast<int>(::getpid()));
    if (std::fclose(f) != 0) return "cannot write pid file '" + path + "': " + std::strerror(errno);
    return std::nullopt;
}

void notify_systemd(const std::string& state) {
    const char* socket_path = std::getenv("NOTIFY_SOCKET");
    if (socket_path == nullptr || socket_path[0] == '\0') return;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::size_t length = std::strlen(socket_path);
    if (length >= sizeof(addr.sun_path)) return;
    std::memcpy(addr.sun_path, socket_path, length);
    if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // an abstract socket
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
    ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr), size);
    ::close(fd);
}

}  // namespace tierkv::server
