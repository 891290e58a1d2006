// When a small collection outgrows its compact encoding (Redis's
// hash-max-listpack-*, set-max-intset-entries, set-max-listpack-*,
// list-max-listpack-size, zset-max-listpack-*). Commands read a snapshot per call; CONFIG SET
// changes them at runtime, and like Redis only later writes act on them.
#pragma once

#include <atomic>
#include <cstddef>

namespace tierkv::storage {

struct EncodingLimits {
    std::size_t hash_max_listpack_entries = 128;
    std::size_t hash_max_listpack_value = 64;
    std::size_t set_max_intset_entries = 512;
    std::size_t set_max_listpack_entries = 128;
    std::size_t set_max_listpack_value = 64;
    // > 0: entries per list chunk; -1..-5: 4, 8, 16, 32 or 64 KB per chunk.
    int list_max_listpack_size = -2;
    std::size_t zset_max_listpack_entries = 128;
    std::size_t zset_max_listpack_value = 64;
    // Redis's LISTPACK_MAX_SAFETY_SIZE: a listpack that would grow past
    // this becomes a hash table whatever the settings above say. Not a
    // setting. A hash's PairListpack converts sooner, past 64 KiB
    // (PairListpack::kMaxBytes), which only settings far above the defaults
    // reach.
    std::size_t listpack_max_bytes = std::size_t{1} << 30;
};

// The live settings, changed by CONFIG SET while commands read them.
class EncodingSettings {
public:
    EncodingLimits load() const {
        return {hash_entries_.load(kOrder), hash_value_.load(kOrder),    intset_entries_.load(kOrder),
                set_entries_.load(kOrder),  set_value_.load(kOrder),     list_size_.load(kOrder),
                zset_entries_.load(kOrder), zset_value_.load(kOrder)};
    }
    void store(const EncodingLimits& l) {
        hash_entries_.store(l.hash_max_listpack_entries, kOrder);
        hash_value_.store(l.hash_max_listpack_value, kOrder);
        intset_entries_.store(l.set_max_intset_entries, kOrder);
        set_entries_.store(l.set_max_listpack_entries, kOrder);
        set_value_.store(l.set_max_listpack_value, kOrder);
        list_size_.store(l.list_max_listpack_size, kOrder);
        zset_entries_.store(l.zset_max_listpack_entries, kOrder);
        zset_value_.store(l.zset_max_listpack_value, kOrder);
    }

private:
    static constexpr auto kOrder = std::memory_order_relaxed;
    std::atomic<std::size_t> hash_entries_{EncodingLimits{}.hash_max_listpack_entries};
    std::atomic<std::size_t> hash_value_{EncodingLimits{}.hash_max_listpack_value};
    std::atomic<std::size_t> intset_entries_{EncodingLimits{}.set_max_intset_entries};
    std::atomic<std::size_t> set_entries_{EncodingLimits{}.set_max_listpack_entries};
    std::atomic<std::size_t> set_value_{EncodingLimits{}.set_max_listpack_value};
    std::atomic<int> list_size_{EncodingLimits{}.list_max_listpack_size};
    std::atomic<std::size_t> zset_entries_{EncodingLimits{}.zset_max_listpack_entries};
    std::atomic<std::size_t> zset_value_{EncodingLimits{}.zset_max_listpack_value};
};

}  // namespace tierkv::storage
