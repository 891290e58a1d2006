#include "server/client_registry.h"

namespace tierkv::server {

void ClientRegistry::add(std::shared_ptr<ClientSession> session) {
    std::lock_guard guard(mutex_);
    clients_.emplace(session->id, std::move(session));
}

void ClientRegistry::remove(std::uint64_t id) {
    std::lock_guard guard(mutex_);
    clients_.erase(id);
}

std::size_t ClientRegistry::size() const {
    std::lock_guard guard(mutex_);
    return clients_.size();
}

std::vector<std::shared_ptr<ClientSession>> ClientRegistry::snapshot() const {
    std::lock_guard guard(mutex_);
    std::vector<std::shared_ptr<ClientSession>> out;
    out.reserve(clients_.size());
    for (const auto& [id, session] : clients_) out.push_back(session);
    return out;
}

std::shared_ptr<ClientSession> ClientRegistry::find(std::uint64_t id) const {
    std::lock_guard guard(mutex_);
    auto it = clients_.find(id);
    return it == clients_.end() ? nullptr : it->second;
}

}  // namespace tierkv::server
