// Command name -> position in the command table, ignoring ASCII case.
// Every command a client sends is looked up here once (a pipelined one by
// the look-ahead, which passes what it found on), so a lookup is one pass
// that lowers the name into a stack buffer while hashing it, and usually
// one comparison: open addressing over a power-of-two array kept at most a
// quarter full, no heap copy, no locale. Names are added at start-up and by
// rename-command only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tierkv::server {

class CommandIndex {
public:
    // `name` must not be present (any case).
    void insert(std::string_view name, std::uint32_t position);
    // False when the name is absent.
    bool erase(std::string_view name);
    std::optional<std::uint32_t> find(std::string_view name) const;
    bool contains(std::string_view name) const { return find(name).has_value(); }
    std::size_t size() const { return names_.size(); }

    // No command name is longer (rename-command allows 32 characters).
    static constexpr std::size_t kMaxName = 64;

    static std::uint32_t hash(std::string_view name);
    static bool same_name(std::string_view a, std::string_view b);

private:
    struct Slot {
        std::uint32_t hash = 0;
        std::uint32_t entry = kEmpty;  // into names_/positions_
    };
    static constexpr std::uint32_t kEmpty = UINT32_MAX;

    void rebuild(std::size_t slot_count);
    void place(std::uint32_t entry);

    std::vector<Slot> slots_;
    std::vector<std::string> names_;  // as inserted, lower case
    std::vector<std::uint32_t> positions_;
};

}  // namespace tierkv::server
