// Pub/Sub: who listens to which channel or pattern, and delivery of
// published messages to them across event-loop threads.
//
// PUBLISH runs on the publisher's loop: under the registry's mutex it
// gathers the subscribers of the channel and of every matching pattern
// (storage/glob.h), then, outside the mutex, hands each the message through
// Subscriber::deliver, which posts it to the subscriber connection's own
// loop. Posts to one loop run in the order they were made, so each
// subscriber receives one publisher's messages in publish order.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tierkv::server {

struct ClientSession;
class Server;

struct PublishedMessage {
    std::string channel;
    std::string payload;
};

struct Subscriber {
    std::uint64_t client_id = 0;
    // Thread-safe: posts the message to the subscriber's connection.
    // `pattern` is null for a message on a subscribed channel.
    std::function<void(std::shared_ptr<const PublishedMessage>, std::shared_ptr<const std::string> pattern)> deliver;
};

class PubSubRegistry {
public:
    // False when the subscriber was already subscribed to it.
    bool subscribe(const std::shared_ptr<Subscriber>& subscriber, std::string_view channel);
    bool unsubscribe(const Subscriber* subscriber, std::string_view channel);
    bool psubscribe(const std::shared_ptr<Subscriber>& subscriber, std::string_view pattern);
    bool punsubscribe(const Subscriber* subscriber, std::string_view pattern);

    // Delivers to every subscriber of `channel` and of the patterns matching
    // it; returns how many deliveries it made (PUBLISH's reply). Messages
    // for `self` (the publisher, if subscribed) go to `to_self` at once, so
    // they precede PUBLISH's reply as in Redis.
    std::size_t publish(std::string_view channel, std::string_view payload, const Subscriber* self = nullptr,
                        const std::function<void(const std::string* pattern)>& to_self = {});

    // PUBSUB CHANNELS [pattern], NUMSUB, NUMPAT.
    std::vector<std::string> channels(std::optional<std::string_view> pattern) const;
    std::size_t subscribers(std::string_view channel) const;
    std::size_t patterns() const;
    std::size_t channel_count() const;

private:
    struct Pattern {
        std::shared_ptr<const std::string> name;
        std::vector<std::shared_ptr<Subscriber>> subscribers;
    };
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::vector<std::shared_ptr<Subscriber>>> channels_;
    std::unordered_map<std::string, Pattern> patterns_;
};

// Leaves every channel and pattern, replying nothing (RESET, a closed
// connection); server/commands/pubsub_family.cc.
void unsubscribe_all(Server& server, ClientSession& client);

}  // namespace tierkv::server
