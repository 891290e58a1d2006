#include "server/command_stats.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <thread>

namespace tierkv::server {
namespace {

std::atomic<std::uint64_t> next_stats_id{1};

// One writer per counter: a relaxed load and store, no locked instruction.
inline void bump(std::atomic<std::uint64_t>& counter, std::uint64_t by = 1) {
    counter.store(counter.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

constexpr std::size_t kMaxErrorTypes = 128;  // as Redis: more kinds of error are not tracked

}  // namespace

std::size_t LatencyBuckets::index(std::uint64_t ns) {
    if (ns < kExact) return static_cast<std::size_t>(ns);
    const int exponent = 63 - std::countl_zero(ns);  // >= 4
    constexpr int kLast = 4 + static_cast<int>(kOctaves) - 1;
    if (exponent > kLast) return kCount - 1;
    const std::size_t sub = static_cast<std::size_t>(ns >> (exponent - 3)) & (kPerOctave - 1);
    return kExact + static_cast<std::size_t>(exponent - 4) * kPerOctave + sub;
}

std::uint64_t LatencyBuckets::upper_bound(std::size_t index) {
    if (index < kExact) return index;
    const std::size_t octave = (index - kExact) / kPerOctave;
    const std::size_t sub = (index - kExact) % kPerOctave;
    const int shift = static_cast<int>(octave) + 4 - 3;
    const std::uint64_t low = static_cast<std::uint64_t>(kPerOctave + sub) << shift;
    return low + (std::uint64_t{1} << shift) - 1;
}

std::uint64_t CommandTotals::percentile(double p) const {
    std::uint64_t total = 0;
    for (std::uint64_t n : buckets) total += n;
    if (total == 0) return 0;
    auto wanted = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total)));
    wanted = std::clamp<std::uint64_t>(wanted, 1, total);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        seen += buckets[i];
        if (seen >= wanted) return LatencyBuckets::upper_bound(i);
    }
    return LatencyBuckets::upper_bound(buckets.size() - 1);
}

struct CommandStats::Slot {
    std::atomic<std::uint64_t> calls{0};
    std::atomic<std::uint64_t> nanos{0};
    std::atomic<std::uint64_t> rejected{0};
    std::atomic<std::uint64_t> failed{0};
    std::array<std::atomic<std::uint64_t>, LatencyBuckets::kCount> buckets{};

    void zero() {
        calls.store(0, std::memory_order_relaxed);
        nanos.store(0, std::memory_order_relaxed);
        rejected.store(0, std::memory_order_relaxed);
        failed.store(0, std::memory_order_relaxed);
        for (auto& b : buckets) b.store(0, std::memory_order_relaxed);
    }
};

// One thread's counters. Slots are allocated by the owner on first use of a
// command, so a thread pays only for the commands it runs.
struct CommandStats::Block {
    Block(std::size_t count, std::uint64_t gen)
        : owner(std::this_thread::get_id()), slots(new std::atomic<Slot*>[count]), size(count), generation(gen) {
        for (std::size_t i = 0; i < count; ++i) slots[i].store(nullptr, std::memory_order_relaxed);
    }
    ~Block() {
        for (std::size_t i = 0; i < size; ++i) delete slots[i].load(std::memory_order_relaxed);
    }

    const std::thread::id owner;
    std::unique_ptr<std::atomic<Slot*>[]> slots;
    const std::size_t size;
    std::atomic<std::uint64_t> generation;
};

CommandStats::CommandStats(std::size_t slots) : slots_(slots), id_(next_stats_id.fetch_add(1)) {}
CommandStats::~CommandStats() = default;

CommandStats::Block& CommandStats::my_block() {
    struct Cache {
        std::uint64_t stats_id = 0;
        Block* block = nullptr;
    };
    thread_local Cache cache;
    if (cache.stats_id != id_) {
        std::lock_guard guard(blocks_mutex_);
        Block* found = nullptr;
        for (const auto& block : blocks_) {
            if (block->owner == std::this_thread::get_id()) found = block.get();
        }
        if (found == nullptr) {
            blocks_.push_back(std::make_unique<Block>(slots_, generation_.load()));
            found = blocks_.back().get();
        }
        cache = {id_, found};
    }
    Block& block = *cache.block;
    const std::uint64_t gen = generation_.load(std::memory_order_relaxed);
    if (block.generation.load(std::memory_order_relaxed) != gen) {
        // CONFIG RESETSTAT happened: start this thread's counters over.
        for (std::size_t i = 0; i < block.size; ++i) {
            if (Slot* s = block.slots[i].load(std::memory_order_relaxed)) s->zero();
        }
        block.generation.store(gen, std::memory_order_release);
    }
    return block;
}

CommandStats::Slot& CommandStats::slot(std::size_t index) {
    Block& block = my_block();
    Slot* s = block.slots[index].load(std::memory_order_relaxed);
    if (s == nullptr) {
        s = new Slot();
        block.slots[index].store(s, std::memory_order_release);
    }
    return *s;
}

void CommandStats::record_call(std::size_t index, std::uint64_t nanos, bool failed) {
    if (index >= slots_) return;
    Slot& s = slot(index);
    bump(s.calls);
    bump(s.nanos, nanos);
    if (failed) bump(s.failed);
    bump(s.buckets[LatencyBuckets::index(nanos)]);
}

void CommandStats::record_rejected(std::size_t index) {
    if (index >= slots_) return;
    bump(slot(index).rejected);
}

void CommandStats::record_error(std::string_view error) {
    if (!error.empty() && (error[0] == '-' || error[0] == '!')) error.remove_prefix(1);
    const std::string_view prefix = error.substr(0, error.find_first_of(" \r\n"));
    if (prefix.empty()) return;
    std::lock_guard guard(errors_mutex_);
    auto it = errors_.find(std::string(prefix));
    if (it != errors_.end()) {
        ++it->second;
    } else if (errors_.size() < kMaxErrorTypes) {
        errors_.emplace(std::string(prefix), 1);
    }
}

std::vector<CommandTotals> CommandStats::totals() const {
    std::vector<CommandTotals> out(slots_);
    const std::uint64_t gen = generation_.load();
    std::lock_guard guard(blocks_mutex_);
    for (const auto& block : blocks_) {
        if (block->generation.load(std::memory_order_acquire) != gen) continue;  // not yet reset by its thread
        for (std::size_t i = 0; i < slots_; ++i) {
            const Slot* s = block->slots[i].load(std::memory_order_acquire);
            if (s == nullptr) continue;
            CommandTotals& t = out[i];
            t.calls += s->calls.load(std::memory_order_relaxed);
            t.nanos += s->nanos.load(std::memory_order_relaxed);
            t.rejected += s->rejected.load(std::memory_order_relaxed);
            t.failed += s->failed.load(std::memory_order_relaxed);
            for (std::size_t b = 0; b < LatencyBuckets::kCount; ++b) {
                t.buckets[b] += s->buckets[b].load(std::memory_order_relaxed);
            }
        }
    }
    return out;
}

std::map<std::string, std::uint64_t> CommandStats::errors() const {
    std::lock_guard guard(errors_mutex_);
    return errors_;
}

void CommandStats::reset() {
    generation_.fetch_add(1);
    std::lock_guard guard(errors_mutex_);
    errors_.clear();
}

}  // namespace tierkv::server
