#include "server/command_index.h"

#include <cassert>
#include <stdexcept>

namespace tierkv::server {
namespace {
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

// FNV-1a, over the lowered bytes.
constexpr std::uint32_t kHashSeed = 2166136261u;
std::uint32_t hash_step(std::uint32_t h, char c) { return (h ^ static_cast<unsigned char>(c)) * 16777619u; }
}  // namespace

std::uint32_t CommandIndex::hash(std::string_view name) {
    std::uint32_t h = kHashSeed;
    for (char c : name) h = hash_step(h, ascii_lower(c));
    return h;
}

bool CommandIndex::same_name(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
    }
    return true;
}

std::optional<std::uint32_t> CommandIndex::find(std::string_view name) const {
    if (slots_.empty() || name.size() > kMaxName) return std::nullopt;
    // Lowered once, while hashing; the stored names are lower case already,
    // so a candidate is compared byte for byte.
    char lowered[kMaxName];
    std::uint32_t h = kHashSeed;
    for (std::size_t i = 0; i < name.size(); ++i) {
        lowered[i] = ascii_lower(name[i]);
        h = hash_step(h, lowered[i]);
    }
    const std::string_view wanted(lowered, name.size());
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
        const Slot& slot = slots_[i];
        if (slot.entry == kEmpty) return std::nullopt;
        if (slot.hash == h && names_[slot.entry] == wanted) return positions_[slot.entry];
    }
}

void CommandIndex::insert(std::string_view name, std::uint32_t position) {
    if (name.size() > kMaxName) throw std::length_error("command name too long: " + std::string(name));
    assert(!contains(name));
    std::string lowered(name);
    for (char& c : lowered) c = ascii_lower(c);
    names_.push_back(std::move(lowered));
    positions_.push_back(position);
    if (names_.size() * 4 > slots_.size()) {
        rebuild(slots_.empty() ? 64 : slots_.size() * 2);
    } else {
        place(static_cast<std::uint32_t>(names_.size() - 1));
    }
}

bool CommandIndex::erase(std::string_view name) {
    for (std::size_t i = 0; i < names_.size(); ++i) {
        if (!same_name(names_[i], name)) continue;
        // Rare (rename-command at start-up): drop it and place the rest again.
        names_.erase(names_.begin() + static_cast<std::ptrdiff_t>(i));
        positions_.erase(positions_.begin() + static_cast<std::ptrdiff_t>(i));
        rebuild(slots_.size());
        return true;
    }
    return false;
}

void CommandIndex::rebuild(std::size_t slot_count) {
    slots_.assign(slot_count, Slot{});
    for (std::uint32_t entry = 0; entry < names_.size(); ++entry) place(entry);
}

void CommandIndex::place(std::uint32_t entry) {
    const std::uint32_t h = hash(names_[entry]);
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = h & mask;
    while (slots_[i].entry != kEmpty) i = (i + 1) & mask;
    slots_[i] = Slot{h, entry};
}

}  // namespace tierkv::server
