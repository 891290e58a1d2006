// noeviction: nothing is ever dropped; writes over the limit get -OOM.
#include "storage/eviction/policies.h"

namespace tierkv::storage {
namespace {

class NoEviction final : public EvictionPolicy {
public:
    void on_insert(Entry&) override {}
    void on_access(Entry&, std::uint32_t) override {}
    void on_erase(Entry&) override {}
    Entry* victim(Table&, std::mt19937_64&, std::uint32_t) override { return nullptr; }
};

}  // namespace

std::unique_ptr<EvictionPolicy> make_noeviction(const EvictionSettings&) { return std::make_unique<NoEviction>(); }

}  // namespace tierkv::storage
