// An intrusive doubly linked list of entries through Entry::policy_prev and
// policy_next: O(1) push, unlink and move with no allocation, which is what
// queue-based policies (LRU, FIFO, S3-FIFO) need on every access.
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
        e.policy_prev = nullptr;
        e.policy_next = head_;
        if (head_) head_->policy_prev = &e;
        head_ = &e;
        if (!tail_) tail_ = &e;
        ++size_;
    }

    // `e` must be in this list.
    void unlink(Entry& e) {
        (e.policy_prev ? e.policy_prev->policy_next : head_) = e.policy_next;
        (e.policy_next ? e.policy_next->policy_prev : tail_) = e.policy_prev;
        e.policy_prev = e.policy_next = nullptr;
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
