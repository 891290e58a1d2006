#include "server/blocking.h"

#include <algorithm>

namespace tierkv::server {

std::string BlockingRegistry::queue_name(std::size_t db, std::string_view key) {
    std::string name = std::to_string(db);
    name.push_back(':');
    name.append(key);
    return name;
}

void BlockingRegistry::wake_front(Queue& queue) {
    if (queue.clients.empty() || queue.awake) return;
    queue.awake = queue.clients.front().get();
    queue.awake->wake();
}

void BlockingRegistry::block(const std::shared_ptr<BlockedClient>& client) {
    std::lock_guard guard(mutex_);
    for (const std::string& key : client->keys) {
        Queue& queue = queues_[queue_name(client->db, key)];
        // A key named twice (BLPOP a a 0) queues the client once.
        if (std::find(queue.clients.begin(), queue.clients.end(), client) == queue.clients.end()) {
            queue.clients.push_back(client);
        }
    }
    blocked_.fetch_add(1, std::memory_order_relaxed);
}

void BlockingRegistry::unblock(const std::shared_ptr<BlockedClient>& client) {
    std::lock_guard guard(mutex_);
    for (const std::string& key : client->keys) {
        auto it = queues_.find(queue_name(client->db, key));
        if (it == queues_.end()) continue;  // left already (a key named twice)
        Queue& queue = it->second;
        std::erase(queue.clients, client);
        if (queue.awake == client.get()) {
            queue.awake = nullptr;
            wake_front(queue);  // may find nothing left to pop: it then rests
        }
        if (queue.clients.empty()) queues_.erase(it);
    }
    blocked_.fetch_sub(1, std::memory_order_relaxed);
}

void BlockingRegistry::rest(const std::shared_ptr<BlockedClient>& client) {
    std::lock_guard guard(mutex_);
    for (const std::string& key : client->keys) {
        auto it = queues_.find(queue_name(client->db, key));
        if (it != queues_.end() && it->second.awake == client.get()) it->second.awake = nullptr;
    }
}

void BlockingRegistry::signal(std::size_t db, std::string_view key) {
    if (blocked_.load(std::memory_order_relaxed) == 0) return;  // the common case: no lock
    std::lock_guard guard(mutex_);
    auto it = queues_.find(queue_name(db, key));
    if (it != queues_.end()) wake_front(it->second);
}

}  // namespace tierkv::server
