// allkeys-fifo: evicts in insertion order; reads change nothing. Cheap and
// predictable, and a baseline for the hit-ratio studies.
#include "storage/eviction/entry_list.h"
#include "storage/eviction/policies.h"

namespace tierkv::storage {
namespace {

class AllKeysFifo final : public EvictionPolicy {
public:
    bool uses_entry_links() const override { return true; }
    void on_insert(Entry& e) override { queue_.push_newest(e); }
    void on_access(Entry&, std::uint32_t) override {}
    void on_erase(Entry& e) override { queue_.unlink(e); }
    Entry* victim(Table&, std::mt19937_64&, std::uint32_t) override { return queue_.oldest(); }

private:
    EntryList queue_;
};

}  // namespace

std::unique_ptr<EvictionPolicy> make_allkeys_fifo(const EvictionSettings&) { return std::make_unique<AllKeysFifo>(); }

}  // namespace tierkv::storage
