// An intrusive doubly linked list of entries through their PolicyLinks:
// O(1) push, unlink and move with no allocation, which is what queue-based
// policies (LRU, FIFO, S3-FIFO) need on every access. Such a policy says so
// (uses_entry_links), so that its table's nodes carry the links.
#pragma once

#include <cstddef>

#include "storage/table.h"

namespace tierkv::storage {

class EntryList {
public:
    bool empty() const { return head_ == nullptr; }
    std::size_t size() const { return size_; }
    Entry* newest() const { return head_; }
    Entry* oldest() const { return tail_; }

    void push_newest(Entry& e) {
        PolicyLinks& links = policy_links(e);
        links.prev = nullptr;
        links.next = head_;
        if (head_) policy_links(*head_).prev = &e;
        head_ = &e;
        if (!tail_) tail_ = &e;
        ++size_;
    }

    // `e` must be in this list.
    void unlink(Entry& e) {
        PolicyLinks& links = policy_links(e);
        (links.prev ? policy_links(*links.prev).next : head_) = links.next;
        (links.next ? policy_links(*links.next).prev : tail_) = links.prev;
        links.prev = links.next = nullptr;
        --size_;
    }

    void move_to_newest(Entry& e) {
        if (head_ == &e) return;
        unlink(e);
        push_newest(e);
    }

private:
    Entry* head_ = nullptr;
    Entry* tail_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace tierkv::storage
