// allkeys-s3fifo: S3-FIFO (Yang et al., "FIFO queues are all you need for
// cache eviction", SOSP 2023). New keys enter a small FIFO (10% of the keys);
// one not read again before it reaches the small queue's end is dropped and
// remembered in a ghost queue of key hashes; one that was read moves to the
// main FIFO. A key whose hash is in the ghost queue goes straight to main.
// The main queue gives keys read since their last pass another round
// (up to three). One-hit wonders and scans therefore pass through the small
// queue without pushing the hot keys out, which LRU cannot do.
#include <deque>
#include <functional>
#include <string_view>
#include <unordered_map>

#include "storage/eviction/entry_list.h"
#include "storage/eviction/policies.h"
#include "storage/key_hash.h"
#include "storage/memory.h"

namespace tierkv::storage {
namespace {

constexpr std::uint8_t kFreqMask = 0x03;  // reads since insertion or the last pass, capped at 3
constexpr std::uint8_t kInMain = 0x80;
constexpr std::size_t kSmallPercent = 10;

std::uint8_t freq(const Entry& e) { return e.policy_bits & kFreqMask; }
void set_freq(Entry& e, std::uint8_t f) { e.policy_bits = static_cast<std::uint8_t>((e.policy_bits & ~kFreqMask) | f); }
bool in_main(const Entry& e) { return (e.policy_bits & kInMain) != 0; }

// Hashes of keys recently dropped from the small queue, oldest first,
// holding at most as many as the table has keys. Seeded (key_hash.h): the
// hashes are the keys of a hash map.
class GhostQueue {
public:
    std::uint64_t hash(const Entry& e) const { return key_hash(e.key(), seed_); }

    void remember(std::uint64_t hash, std::size_t capacity) {
        order_.push_back(hash);
        ++counts_[hash];
        while (order_.size() > std::max<std::size_t>(capacity, 1)) forget_oldest();
    }

    // True (and forgets it) when `hash` is remembered.
    bool take(std::uint64_t hash) {
        auto it = counts_.find(hash);
        if (it == counts_.end()) return false;
        if (--it->second == 0) counts_.erase(it);
        return true;
    }

    std::size_t bytes() const {
        static const std::size_t node = allocation_size(32);  // an unordered_map node of two 8-byte values
        return order_.size() * sizeof(std::uint64_t) + counts_.size() * node +
               counts_.bucket_count() * sizeof(void*);
    }

private:
    void forget_oldest() {
        auto it = counts_.find(order_.front());
        if (it != counts_.end() && --it->second == 0) counts_.erase(it);
        order_.pop_front();
    }

    std::uint64_t seed_ = random_hash_seed();
    std::deque<std::uint64_t> order_;
    std::unordered_map<std::uint64_t, std::uint32_t> counts_;
};

class AllKeysS3Fifo final : public EvictionPolicy {
public:
    bool uses_entry_links() const override { return true; }
    void on_insert(Entry& e) override {
        e.policy_bits = 0;
        if (ghost_.take(ghost_.hash(e))) {
            e.policy_bits = kInMain;
            main_.push_newest(e);
        } else {
            small_.push_newest(e);
        }
    }

    void on_access(Entry& e, std::uint32_t) override {
        if (freq(e) < kFreqMask) set_freq(e, static_cast<std::uint8_t>(freq(e) + 1));
    }

    void on_erase(Entry& e) override { (in_main(e) ? main_ : small_).unlink(e); }

    Entry* victim(Table&, std::mt19937_64&, std::uint32_t) override {
        // Every pass either returns, moves a key from small to main, or
        // lowers a main key's count, so this ends within 4 passes per key.
        for (;;) {
            const std::size_t total = small_.size() + main_.size();
            if (total == 0) return nullptr;
            const bool small_is_due = !small_.empty() && (small_.size() * 100 >= total * kSmallPercent || main_.empty());
            if (small_is_due) {
                Entry& e = *small_.oldest();
                if (freq(e) == 0) {
                    ghost_.remember(ghost_.hash(e), main_.size());
                    return &e;
                }
                small_.unlink(e);
                e.policy_bits = kInMain;
                main_.push_newest(e);
            } else {
                Entry& e = *main_.oldest();
                if (freq(e) == 0) return &e;
                set_freq(e, static_cast<std::uint8_t>(freq(e) - 1));
                main_.move_to_newest(e);
            }
        }
    }

    std::size_t overhead_bytes() const override { return ghost_.bytes(); }

private:
    EntryList small_;
    EntryList main_;
    GhostQueue ghost_;
};

}  // namespace

std::unique_ptr<EvictionPolicy> make_allkeys_s3fifo(const EvictionSettings&) {
    return std::make_unique<AllKeysS3Fifo>();
}

}  // namespace tierkv::storage
