// The set of connected clients, for CLIENT LIST/KILL, INFO clients,
// maxclients and shutdown.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "server/client_session.h"

namespace tierkv::server {

class ClientRegistry {
public:
    std::uint64_t next_id() { return next_id_.fetch_add(1, std::memory_order_relaxed); }

    void add(std::shared_ptr<ClientSession> session);
    void remove(std::uint64_t id);
    std::size_t size() const;
    std::vector<std::shared_ptr<ClientSession>> snapshot() const;
    std::shared_ptr<ClientSession> find(std::uint64_t id) const;

private:
    std::atomic<std::uint64_t> next_id_{1};
    mutable std::mutex mutex_;
    std::map<std::uint64_t, std::shared_ptr<ClientSession>> clients_;
};

}  // namespace tierkv::server
