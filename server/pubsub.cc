#include "server/pubsub.h"

#include <algorithm>

#include "storage/glob.h"

namespace tierkv::server {
namespace {

template <class Subscribers>
bool remove_subscriber(Subscribers& subscribers, const Subscriber* subscriber) {
    return std::erase_if(subscribers, [&](const auto& s) { return s.get() == subscriber; }) > 0;
}

template <class Subscribers>
bool contains(const Subscribers& subscribers, const Subscriber* subscriber) {
    return std::any_of(subscribers.begin(), subscribers.end(), [&](const auto& s) { return s.get() == subscriber; });
}

}  // namespace

bool PubSubRegistry::subscribe(const std::shared_ptr<Subscriber>& subscriber, std::string_view channel) {
    std::lock_guard guard(mutex_);
    auto& subscribers = channels_[std::string(channel)];
    if (contains(subscribers, subscriber.get())) return false;
    subscribers.push_back(subscriber);
    return true;
}

bool PubSubRegistry::unsubscribe(const Subscriber* subscriber, std::string_view channel) {
    std::lock_guard guard(mutex_);
    auto it = channels_.find(std::string(channel));
    if (it == channels_.end()) return false;
    const bool removed = remove_subscriber(it->second, subscriber);
    if (it->second.empty()) channels_.erase(it);
    return removed;
}

bool PubSubRegistry::psubscribe(const std::shared_ptr<Subscriber>& subscriber, std::string_view pattern) {
    std::lock_guard guard(mutex_);
    Pattern& p = patterns_[std::string(pattern)];
    if (!p.name) p.name = std::make_shared<const std::string>(pattern);
    if (contains(p.subscribers, subscriber.get())) return false;
    p.subscribers.push_back(subscriber);
    return true;
}

bool PubSubRegistry::punsubscribe(const Subscriber* subscriber, std::string_view pattern) {
    std::lock_guard guard(mutex_);
    auto it = patterns_.find(std::string(pattern));
    if (it == patterns_.end()) return false;
    const bool removed = remove_subscriber(it->second.subscribers, subscriber);
    if (it->second.subscribers.empty()) patterns_.erase(it);
    return removed;
}

std::size_t PubSubRegistry::publish(std::string_view channel, std::string_view payload, const Subscriber* self,
                                    const std::function<void(const std::string* pattern)>& to_self) {
    struct Delivery {
        std::shared_ptr<Subscriber> subscriber;
        std::shared_ptr<const std::string> pattern;
    };
    std::vector<Delivery> deliveries;
    {
        std::lock_guard guard(mutex_);
        if (auto it = channels_.find(std::string(channel)); it != channels_.end()) {
            for (const auto& s : it->second) deliveries.push_back({s, nullptr});
        }
        for (const auto& [name, p] : patterns_) {
            if (!storage::glob_match(name, channel)) continue;
            for (const auto& s : p.subscribers) deliveries.push_back({s, p.name});
        }
    }
    if (deliveries.empty()) return 0;
    auto message = std::make_shared<const PublishedMessage>(PublishedMessage{std::string(channel), std::string(payload)});
    for (const Delivery& d : deliveries) {
        if (self && d.subscriber.get() == self && to_self) {
            to_self(d.pattern.get());
        } else {
            d.subscriber->deliver(message, d.pattern);
        }
    }
    return deliveries.size();
}

std::vector<std::string> PubSubRegistry::channels(std::optional<std::string_view> pattern) const {
    std::lock_guard guard(mutex_);
    std::vector<std::string> out;
    for (const auto& [name, subscribers] : channels_) {
        if (!pattern || storage::glob_match(*pattern, name)) out.push_back(name);
    }
    return out;
}

std::size_t PubSubRegistry::subscribers(std::string_view channel) const {
    std::lock_guard guard(mutex_);
    auto it = channels_.find(std::string(channel));
    return it == channels_.end() ? 0 : it->second.size();
}

std::size_t PubSubRegistry::channel_count() const {
    std::lock_guard guard(mutex_);
    return channels_.size();
}

std::size_t PubSubRegistry::patterns() const {
    std::lock_guard guard(mutex_);
    return patterns_.size();
}

}  // namespace tierkv::server
