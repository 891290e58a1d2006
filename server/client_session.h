// What the server knows about one connected client. The connection's own
// thread changes most of it; other threads read it for CLIENT LIST / INFO
// and ask it to close (CLIENT KILL, shutdown), hence atomics and a mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "storage/types/shared_string.h"

namespace tierkv::storage {
struct WatchFlag;  // storage/keyspace.h
}

namespace tierkv::server {

struct AclUser;  // server/acl.h
struct BlockedClient;  // server/blocking.h
struct PublishedMessage;  // server/pubsub.h
struct Subscriber;

struct ClientSession {
    std::uint64_t id = 0;
    std::string addr;   // "ip:port" of the peer
    std::string laddr;  // "ip:port" of our end
    int fd = -1;
    std::int64_t created_ms = 0;

    std::atomic<std::int64_t> last_active_ms{0};
    std::atomic<int> db{0};
    std::atomic<int> resp{2};
    std::atomic<bool> authenticated{false};
    std::atomic<bool> no_evict{false};  // CLIENT NO-EVICT
    std::atomic<bool> no_touch{false};  // CLIENT NO-TOUCH
    std::atomic<std::size_t> query_buffer_bytes{0};
    std::atomic<std::size_t> output_buffer_bytes{0};
    // For CLIENT LIST / KILL from other threads: subscriptions (a client
    // with any is of type pubsub) and commands queued since MULTI (-1: none).
    std::atomic<int> pubsub_channels{0};
    std::atomic<int> pubsub_patterns{0};
    std::atomic<int> multi_queued{-1};
    // The name of the last command run ("get", "client|list"), for CLIENT
    // LIST: it points into the command table, which outlives every client.
    // An atomic pointer, not a string under the mutex: set on every command.
    std::atomic<const std::string*> last_command{nullptr};
    // Waiting in a blocking command (BLPOP ...): exempt from `timeout`.
    std::atomic<bool> waiting_blocked{false};

    // The current command's large argument, when it was read from the
    // socket straight into a buffer a value can share: SET stores it without
    // a copy (see value_of_arg in strings_family.cc). Null otherwise; only
    // the thread running the connection's command reads it.
    const storage::SharedString* direct_bulk = nullptr;

    // The ACL user this connection runs as (never null: "default" until
    // AUTH) and the Acl version it was read at; the dispatcher reads the
    // user again when the version moved (see switch_user in server/acl.h).
    // The connection's own thread only; Names::user has the name for others.
    std::shared_ptr<const AclUser> user;
    std::uint64_t user_version = 0;

    // Set by handlers, acted on by the connection after the reply is queued.
    bool close_after_reply = false;
    // Durability always: the tier op the replies written so far wait for
    // (0: none). Only the connection's own thread touches it.
    std::uint64_t durable_seq_needed = 0;

    // Set once by the connection: closes it from any thread.
    std::function<void()> close;
    // Set once by the connection: wakes it from any thread while blocked.
    std::function<void()> wake;

    // Set by a blocking command (BLPOP ...) that found nothing to pop and
    // replied nothing: the connection waits for a wake or the deadline, then
    // runs the command again. Only the connection's thread touches it.
    std::shared_ptr<BlockedClient> blocked;

    // MULTI ... EXEC (server/commands/transactions_family.cc). Only the
    // connection's thread touches these.
    struct Transaction {
        bool active = false;   // between MULTI and EXEC/DISCARD
        bool aborted = false;  // a command was rejected while queued: EXECABORT
        std::vector<std::vector<std::string>> queued;
    };
    Transaction multi;
    // WATCH: the flag the keyspace sets when a watched key changes, and the
    // (db, key) pairs it is registered for. Null: nothing watched.
    std::shared_ptr<storage::WatchFlag> watch_flag;
    std::vector<std::pair<std::size_t, std::string>> watched;
    // Set while EXEC runs its commands: blocking commands do not block but
    // answer as if their timeout had passed, as Redis.
    bool deny_blocking = false;

    // Pub/Sub (server/commands/pubsub_family.cc), the connection's thread
    // only: this client's entry in the registry (null until its first
    // SUBSCRIBE or PSUBSCRIBE) and what it listens to.
    std::shared_ptr<Subscriber> subscriber;
    std::unordered_set<std::string> channels;
    std::unordered_set<std::string> patterns;
    std::size_t subscriptions() const { return channels.size() + patterns.size(); }
    void count_subscriptions() {
        pubsub_channels.store(static_cast<int>(channels.size()), std::memory_order_relaxed);
        pubsub_patterns.store(static_cast<int>(patterns.size()), std::memory_order_relaxed);
    }
    // Set once by the connection: queues a published message for this
    // client from any thread (pattern null: a channel message).
    std::function<void(std::shared_ptr<const PublishedMessage>, std::shared_ptr<const std::string>)> deliver;

    struct Names {
        std::string name;
        std::string lib_name;
        std::string lib_ver;
        std::string user = "default";
    };
    Names names() const {
        std::lock_guard guard(mutex_);
        return names_;
    }
    template <class F>
    void update_names(F&& change) {
        std::lock_guard guard(mutex_);
        change(names_);
    }

private:
    mutable std::mutex mutex_;
    Names names_;
};

}  // namespace tierkv::server
