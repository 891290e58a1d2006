// Clients blocked in BLPOP, BRPOP, BLMOVE or BRPOPLPUSH, queued per key in
// the order they blocked.
//
// A blocked client holds no lock and no thread: its connection coroutine
// waits on a timer. A push to a key wakes the first client waiting on it;
// that client runs its command again, under the key locks like any command,
// and either gets an element and leaves every queue, or finds the element
// already taken and goes back to sleep at the same place. Only one client
// per key is awake at a time, and one that leaves passes the wake on to the
// next, so clients are served in the order they blocked and an element is
// never left sitting while someone waits for it.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tierkv::server {

struct BlockedClient {
    std::size_t db = 0;
    std::vector<std::string> keys;
    std::int64_t deadline_ms = 0;  // unix time; 0 = wait for ever
    bool timed_out = false;        // set by the connection before the last run
    std::function<void()> wake;    // thread-safe; wakes the client's connection
};

class BlockingRegistry {
public:
    // Queues the client at the back of each of its keys.
    void block(const std::shared_ptr<BlockedClient>& client);
    // The client was served, timed out or went away: it leaves every queue,
    // and the next client of each key it was awake for is woken.
    void unblock(const std::shared_ptr<BlockedClient>& client);
    // The client woke, found nothing and sleeps again at the same place.
    void rest(const std::shared_ptr<BlockedClient>& client);
    // Elements were added to `key`: wakes its first waiting client.
    void signal(std::size_t db, std::string_view key);

    std::size_t blocked_clients() const { return blocked_.load(std::memory_order_relaxed); }

private:
    struct Queue {
        std::deque<std::shared_ptr<BlockedClient>> clients;
        BlockedClient* awake = nullptr;  // woken and not yet back
    };
    static std::string queue_name(std::size_t db, std::string_view key);
    void wake_front(Queue& queue);

    std::mutex mutex_;  // taken after shard locks, never before
    std::unordered_map<std::string, Queue> queues_;
    std::atomic<std::size_t> blocked_{0};
};

}  // namespace tierkv::server
