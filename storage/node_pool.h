// Fixed-size slots for a table's nodes (and its small hashes' listpack
// blocks, see PackedBlock), carved from 32 KiB pages in 8-byte size steps.
// jemalloc's size classes are 32 bytes apart between 128 and 256 bytes, so
// a 142-byte node (a 16-byte key and a 100-byte value) takes a 160-byte
// block there; here it takes 144.
//
// Each page serves one slot size and starts with a header (Page); pages are
// aligned to their size, so a slot finds its page by masking its address.
// The pages of one size that have a free slot form a list; a page whose
// last slot comes back is freed at once, so an emptied table holds no pages.
// A size gets pages only once the table counts kPoolFrom nodes of it
// (count_node), so a table with few nodes of each size keeps malloc's.
//
// A table owns one pool and its shard lock guards both. The lists live on
// the heap, so moving the pool (FLUSHALL ASYNC moves a whole table) keeps
// the pages' pointers to them valid.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace tierkv::storage {

class NodePool {
public:
    // Each page costs jemalloc's bookkeeping too: about 330 bytes of RSS for
    // an aligned 16 KiB block (3 per 144-byte slot), 390 for 32 KiB (1.7).
    static constexpr std::size_t kPageBytes = 32 * 1024;
    static constexpr std::size_t kPageHeader = 64;  // Page, rounded to a cache line
    static constexpr std::size_t kStep = 8;
    // Larger nodes are left to malloc: few share a page, and jemalloc's
    // classes there waste a smaller share of the block.
    static constexpr std::size_t kMaxSlot = 512;

    // A slot size gets pages only once the table holds this many nodes of
    // that size (pooled or not): a page costs 32 KiB, which a few nodes of a
    // size (a small table, or values of many different sizes) would leave
    // mostly empty. Until then its nodes come from malloc.
    static constexpr std::uint32_t kPoolFrom = 256;

    // `pool_from` replaces kPoolFrom (tests pool every node with 0).
    explicit NodePool(std::uint32_t pool_from = kPoolFrom) : pool_from_(pool_from) {}
    NodePool(NodePool&&) noexcept = default;
    NodePool& operator=(NodePool&&) noexcept;
    NodePool(const NodePool&) = delete;
    NodePool& operator=(const NodePool&) = delete;
    ~NodePool();

    // `bytes` rounded up to kStep: the size of the slot that holds them.
    static constexpr std::size_t slot_bytes(std::size_t bytes) { return (bytes + kStep - 1) / kStep * kStep; }
    // How many slots of `slot` bytes a page holds.
    static constexpr std::size_t slots_per_page(std::size_t slot) { return (kPageBytes - kPageHeader) / slot; }

    // The table's count of nodes of each slot size, pooled or not; `slot`
    // is a slot_bytes() value up to kMaxSlot. Small blocks a table may
    // move into the pool (PackedBlock) are counted the same way.
    void count_node(std::size_t slot);
    // Makes the counts ahead, so that count_node() cannot throw.
    void prepare_counts();
    void uncount_node(std::size_t slot) noexcept;
    // Whether a new node of `slot` bytes should take a pool slot: enough
    // nodes of its size are counted (see kPoolFrom).
    bool pools(std::size_t slot) const;

    // A slot of `bytes` rounded up to kStep; 0 < bytes <= kMaxSlot.
    // Throws std::bad_alloc when no page can be had.
    void* allocate(std::size_t bytes);
    // Gives back a slot that allocate() returned (from any pool: the slot's
    // page knows its list).
    static void deallocate(void* slot) noexcept;
    // The size of the slot at `slot`: what the node costs.
    static std::size_t slot_size(const void* slot) noexcept;

    static constexpr std::size_t kClasses = kMaxSlot / kStep;
    // A count for each slot size, kStep bytes first.
    using Counts = std::array<std::uint32_t, kClasses>;

    // Pages held, and what count_node() counts at `slot` (for tests).
    std::size_t pages() const;
    std::uint32_t counted(std::size_t slot) const { return lists_ ? (*lists_)[index_of(slot)].nodes : 0; }

private:
    struct Page;
    struct FreeSlot {
        FreeSlot* next;
    };
    // The pages of one slot size that have a free slot.
    struct PageList {
        Page* head = nullptr;
        std::size_t pages = 0;  // all pages of this size, full ones too
        std::uint32_t nodes = 0;  // count_node() minus uncount_node()
    };

    // The page a slot lies in: pages are aligned to kPageBytes.
    static Page& page_of(const void* slot) noexcept;
    static void unlink(PageList& list, Page& page) noexcept;
    static void push_front(PageList& list, Page& page) noexcept;
    static std::size_t index_of(std::size_t slot) { return slot / kStep - 1; }
    void release_all() noexcept;

    // Index i holds slots of (i + 1) * kStep bytes. Made by the first
    // count_node(): unused databases never need it.
    std::unique_ptr<std::array<PageList, kClasses>> lists_;
    std::uint32_t pool_from_;
};

}  // namespace tierkv::storage
