#include "storage/node_pool.h"

#include <cassert>
#include <cstdlib>
#include <new>
#include <utility>

#include "storage/poison.h"

namespace tierkv::storage {

struct NodePool::Page {
    PageList* list;  // the pool's list for this slot size
    Page* prev = nullptr;  // neighbours in `list` while a slot is free
    Page* next = nullptr;
    FreeSlot* free = nullptr;  // slots given back
    std::uint32_t slot_size;
    std::uint32_t capacity;    // slots the page has room for
    std::uint32_t used = 0;    // slots handed out
    std::uint32_t carved = 0;  // slots ever handed out from the untouched end

    Page(PageList* owner, std::size_t size)
        : list(owner),
          slot_size(static_cast<std::uint32_t>(size)),
          capacity(static_cast<std::uint32_t>(slots_per_page(size))) {}

    static constexpr std::size_t kSlotsOffset = kPageHeader;
    char* slot(std::size_t i) { return reinterpret_cast<char*>(this) + kSlotsOffset + i * slot_size; }
    bool full() const { return used == capacity; }
};

NodePool::Page& NodePool::page_of(const void* slot) noexcept {
    static_assert(sizeof(Page) <= Page::kSlotsOffset);
    return *reinterpret_cast<Page*>(reinterpret_cast<std::uintptr_t>(slot) & ~(kPageBytes - 1));
}


NodePool& NodePool::operator=(NodePool&& other) noexcept {
    if (this != &other) {
        release_all();
        lists_ = std::move(other.lists_);
        pool_from_ = other.pool_from_;
    }
    return *this;
}

void NodePool::prepare_counts() {
    if (!lists_) lists_ = std::make_unique<std::array<PageList, kClasses>>();
}

void NodePool::count_node(std::size_t slot) {
    assert(slot > 0 && slot <= kMaxSlot && slot % kStep == 0);
    prepare_counts();
    ++(*lists_)[index_of(slot)].nodes;
}

void NodePool::uncount_node(std::size_t slot) noexcept {
    std::uint32_t& nodes = (*lists_)[index_of(slot)].nodes;
    assert(nodes > 0);
    --nodes;
}

bool NodePool::pools(std::size_t slot) const {
    return lists_ && (*lists_)[index_of(slot)].nodes >= pool_from_;
}

NodePool::~NodePool() { release_all(); }

void NodePool::release_all() noexcept {
    if (!lists_) return;  // moved from
    for (PageList& list : *lists_) {
        // Only pages with a free slot are listed; a full page here would be
        // nodes the table never freed.
        assert(list.pages == 0 || list.head);
        while (Page* page = list.head) {
            unlink(list, *page);
            --list.pages;
            page->~Page();
            std::free(page);
        }
    }
}

void NodePool::unlink(PageList& list, Page& page) noexcept {
    if (page.prev) {
        page.prev->next = page.next;
    } else {
        list.head = page.next;
    }
    if (page.next) page.next->prev = page.prev;
    page.prev = page.next = nullptr;
}

void NodePool::push_front(PageList& list, Page& page) noexcept {
    page.prev = nullptr;
    page.next = list.head;
    if (list.head) list.head->prev = &page;
    list.head = &page;
}

void* NodePool::allocate(std::size_t bytes) {
    assert(bytes > 0 && bytes <= kMaxSlot);
    prepare_counts();
    const std::size_t index = index_of(slot_bytes(bytes));
    PageList& list = (*lists_)[index];
    if (!list.head) {
        void* memory = std::aligned_alloc(kPageBytes, kPageBytes);
        if (!memory) throw std::bad_alloc();
        Page* fresh = new (memory) Page(&list, (index + 1) * kStep);
        TIERKV_POISON(fresh->slot(0), kPageBytes - Page::kSlotsOffset);
        push_front(list, *fresh);
        ++list.pages;
    }
    Page& page = *list.head;
    char* slot;
    if (page.free) {
        slot = reinterpret_cast<char*>(page.free);
        TIERKV_UNPOISON(slot, page.slot_size);
        page.free = page.free->next;
    } else {
        slot = page.slot(page.carved++);
        TIERKV_UNPOISON(slot, page.slot_size);
    }
    if (++page.used == page.capacity) unlink(list, page);
    return slot;
}

void NodePool::deallocate(void* slot) noexcept {
    Page& page = page_of(slot);
    PageList& list = *page.list;
    if (page.full()) push_front(list, page);
    if (--page.used == 0) {
        unlink(list, page);
        --list.pages;
        page.~Page();
        std::free(&page);
        return;
    }
    auto* freed = static_cast<FreeSlot*>(slot);
    freed->next = page.free;
    page.free = freed;
    TIERKV_POISON(slot, page.slot_size);
}

std::size_t NodePool::slot_size(const void* slot) noexcept {
    return page_of(slot).slot_size;
}

std::size_t NodePool::pages() const {
    std::size_t n = 0;
    if (lists_) {
        for (const PageList& list : *lists_) n += list.pages;
    }
    return n;
}

}  // namespace tierkv::storage
