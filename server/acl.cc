#include "server/acl.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstdint>

#include "server/arguments.h"
#include "server/client_session.h"
#include "server/command_docs.h"
#include "server/command_table.h"
#include "storage/glob.h"

namespace tierkv::server {

PasswordHash sha256(std::string_view text) {
    PasswordHash hash;
    SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), hash.data());
    return hash;
}

std::string to_hex(const PasswordHash& hash) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(hash.size() * 2);
    for (unsigned char byte : hash) {
        out.push_back(kDigits[byte >> 4]);
        out.push_back(kDigits[byte & 0xf]);
    }
    return out;
}

namespace {

// "#<64 lower-case hex digits>" as Redis accepts it.
std::optional<PasswordHash> parse_hex_hash(std::string_view hex) {
    if (hex.size() != 64) return std::nullopt;
    PasswordHash hash{};
    for (std::size_t i = 0; i < hex.size(); ++i) {
        const char c = hex[i];
        int v = 0;
        if (c >= '0' && c <= '9') {
            v = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            v = c - 'a' + 10;
        } else {
            return std::nullopt;
        }
        hash[i / 2] = static_cast<unsigned char>(hash[i / 2] | (i % 2 == 0 ? v << 4 : v));
    }
    return hash;
}

constexpr std::string_view kErrUnknownName = "Unknown command or category name in ACL";
constexpr std::string_view kErrRuleSyntax = "Syntax error";
constexpr std::string_view kErrBadHash =
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters";
constexpr std::string_view kErrNoSuchPassword = "The password you are trying to remove from the user does not exist";
constexpr std::string_view kErrKeyAfterAll =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try "
    "'resetkeys' to start with an empty list of patterns";
constexpr std::string_view kErrChannelAfterAll =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. "
    "Try 'resetchannels' to start with an empty list of channels";

// Sets or clears the bits of `spec` and, for a container, its subcommands.
void set_command(std::vector<bool>& bits, const CommandSpec& spec, bool allow) {
    bits[spec.stats_slot] = allow;
    for (const CommandSpec& sub : spec.subcommands) bits[sub.stats_slot] = allow;
}

// "+get", "-@write", "+client|kill", "+@all".
std::optional<std::string> apply_command_rule(AclUser& user, std::string_view rule, const AclCommandIndex& index) {
    const bool allow = rule[0] == '+';
    const std::string_view name = rule.substr(1);
    if (name.starts_with('@')) {
        if (iequals(name, "@all")) {
            std::fill(user.commands.begin(), user.commands.end(), allow);
        } else if (const std::vector<std::size_t>* slots = index.category(name.substr(1))) {
            for (std::size_t slot : *slots) user.commands[slot] = allow;
        } else {
            return std::string(kErrUnknownName);
        }
        user.all_commands = allow && (iequals(name, "@all") || user.all_commands);
        if (iequals(name, "@all")) user.future_commands = allow;
        return std::nullopt;
    }
    const CommandSpec* spec = index.find(name);
    if (!spec) return std::string(kErrUnknownName);
    set_command(user.commands, *spec, allow);
    if (!allow) user.all_commands = false;
    return std::nullopt;
}

// "~pattern", "%R~pattern", "%W~pattern", "%RW~pattern".
std::optional<std::string> apply_key_rule(AclUser& user, std::string_view rule) {
    if (user.all_keys) return std::string(kErrKeyAfterAll);
    KeyPattern key{.read = true, .write = true};
    std::string_view pattern = rule.substr(1);
    if (rule[0] == '%') {
        key = KeyPattern{.read = false, .write = false};
        std::size_t i = 1;
        for (; i < rule.size() && rule[i] != '~'; ++i) {
            const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(rule[i])));
            bool& flag = c == 'R' ? key.read : key.write;
            if ((c != 'R' && c != 'W') || flag) return std::string(kErrRuleSyntax);
            flag = true;
        }
        if (i == rule.size() || i == 1) return std::string(kErrRuleSyntax);
        pattern = rule.substr(i + 1);
    }
    if (pattern == "*" && key.read && key.write) {
        user.all_keys = true;
        user.keys.clear();
        return std::nullopt;
    }
    auto same = std::find_if(user.keys.begin(), user.keys.end(), [&](const KeyPattern& k) { return k.pattern == pattern; });
    if (same != user.keys.end()) {
        same->read = same->read || key.read;
        same->write = same->write || key.write;
    } else {
        key.pattern = std::string(pattern);
        user.keys.push_back(std::move(key));
    }
    return std::nullopt;
}

std::optional<std::string> apply_channel_rule(AclUser& user, std::string_view pattern) {
    if (user.all_channels) return std::string(kErrChannelAfterAll);
    if (pattern == "*") {
        user.all_channels = true;
        user.channels.clear();
    } else if (std::find(user.channels.begin(), user.channels.end(), pattern) == user.channels.end()) {
        user.channels.emplace_back(pattern);
    }
    return std::nullopt;
}

std::optional<std::string> apply_password_rule(AclUser& user, std::string_view rule) {
    std::optional<PasswordHash> hash;
    if (rule[0] == '>' || rule[0] == '<') {
        hash = sha256(rule.substr(1));
    } else if (!(hash = parse_hex_hash(rule.substr(1)))) {
        return std::string(kErrBadHash);
    }
    user.nopass = false;
    auto it = std::find(user.passwords.begin(), user.passwords.end(), *hash);
    const bool add = rule[0] == '>' || rule[0] == '#';
    if (add && it == user.passwords.end()) user.passwords.push_back(*hash);
    if (!add) {
        if (it == user.passwords.end()) return std::string(kErrNoSuchPassword);
        user.passwords.erase(it);
    }
    return std::nullopt;
}

void reset_user(AclUser& user) {
    user.passwords.clear();
    user.nopass = false;
    user.all_keys = false;
    user.keys.clear();
    user.all_channels = false;
    user.channels.clear();
    user.enabled = false;
    std::fill(user.commands.begin(), user.commands.end(), false);
    user.all_commands = false;
    user.future_commands = false;
    user.sanitize = AclUser::Sanitize::kSanitize;
}

std::optional<std::string> apply_word_rule(AclUser& user, std::string_view rule) {
    if (iequals(rule, "on") || iequals(rule, "off")) {
        user.enabled = iequals(rule, "on");
    } else if (iequals(rule, "nopass") || iequals(rule, "resetpass")) {
        user.passwords.clear();
        user.nopass = iequals(rule, "nopass");
    } else if (iequals(rule, "resetkeys")) {
        user.all_keys = false;
        user.keys.clear();
    } else if (iequals(rule, "resetchannels")) {
        user.all_channels = false;
        user.channels.clear();
    } else if (iequals(rule, "sanitize-payload") || iequals(rule, "skip-sanitize-payload")) {
        user.sanitize = iequals(rule, "sanitize-payload") ? AclUser::Sanitize::kSanitize : AclUser::Sanitize::kSkip;
    } else if (iequals(rule, "reset")) {
        reset_user(user);
    } else if (iequals(rule, "clearselectors")) {
        // tierkv has no selectors: nothing to clear.
    } else {
        return std::string(kErrRuleSyntax);
    }
    return std::nullopt;
}

}  // namespace

// ---- AclCommandIndex ---------------------------------------------------------------

AclCommandIndex::AclCommandIndex(const CommandTable& table) : slots_(table.stats_slots()) {
    for (std::string_view category : acl_category_names()) category_names_.push_back(category.substr(1));
    by_category_.resize(category_names_.size());
    auto add = [&](const CommandSpec& spec) {
        all_.push_back(&spec);
        by_name_.emplace(spec.name, &spec);
        for (std::string_view category : acl_categories(spec)) {
            const auto at = std::find(category_names_.begin(), category_names_.end(), category.substr(1));
            by_category_[static_cast<std::size_t>(at - category_names_.begin())].push_back(spec.stats_slot);
        }
    };
    for (const CommandSpec& spec : table.commands()) {
        add(spec);
        for (const CommandSpec& sub : spec.subcommands) add(sub);
    }
}

const CommandSpec* AclCommandIndex::find(std::string_view full_name) const {
    const auto it = by_name_.find(to_lower(full_name));
    return it == by_name_.end() ? nullptr : it->second;
}

const std::vector<std::size_t>* AclCommandIndex::category(std::string_view name) const {
    for (std::size_t i = 0; i < category_names_.size(); ++i) {
        if (iequals(category_names_[i], name)) return &by_category_[i];
    }
    return nullptr;
}

// ---- AclUser -------------------------------------------------------------------------

AclUser::AclUser(std::string user_name, const AclCommandIndex& index)
    : name(std::move(user_name)), commands(index.slots(), false) {}

std::optional<std::string> AclUser::apply(std::string_view rule, const AclCommandIndex& index) {
    std::optional<std::string> error;
    if (rule.empty()) {
        error = std::string(kErrRuleSyntax);
    } else if (rule[0] == '+' || rule[0] == '-') {
        error = apply_command_rule(*this, rule, index);
    } else if (rule[0] == '~' || rule[0] == '%') {
        error = apply_key_rule(*this, rule);
    } else if (rule[0] == '&') {
        error = apply_channel_rule(*this, rule.substr(1));
    } else if (rule[0] == '>' || rule[0] == '<' || rule[0] == '#' || rule[0] == '!') {
        error = apply_password_rule(*this, rule);
    } else if (iequals(rule, "allkeys")) {
        error = apply_key_rule(*this, "~*");
    } else if (iequals(rule, "allchannels")) {
        error = apply_channel_rule(*this, "*");
    } else if (iequals(rule, "allcommands") || iequals(rule, "nocommands")) {
        error = apply_command_rule(*this, iequals(rule, "allcommands") ? "+@all" : "-@all", index);
    } else {
        error = apply_word_rule(*this, rule);
    }
    unrestricted = all_commands && all_keys && all_channels;
    return error;
}

bool AclUser::password_matches(std::string_view password) const {
    const PasswordHash given = sha256(password);
    bool found = false;
    for (const PasswordHash& stored : passwords) {
        // Every stored hash is compared, each in constant time.
        found = (CRYPTO_memcmp(given.data(), stored.data(), given.size()) == 0) || found;
    }
    return found;
}

// ---- descriptions ---------------------------------------------------------------------

namespace {

// Redis 7.0's description of a command bitmap: "+@all" or "-@all", then
// the category that best fits what is left, again and again, then the
// single commands that still differ.
class CommandRulesWriter {
public:
    CommandRulesWriter(const AclUser& user, const AclCommandIndex& index)
        : user_(user), index_(index), fake_(index.slots(), user.future_commands), temp_(user.commands) {}

    std::string write() {
        const bool additive = !user_.future_commands;
        std::string rules = additive ? "-@all" : "+@all";
        std::vector<bool> applied(index_.category_names().size(), false);
        while (true) {
            const std::optional<std::size_t> best = best_category(additive, applied);
            if (!best) break;
            const std::vector<std::size_t>& slots = *index_.category(index_.category_names()[*best]);
            for (std::size_t slot : slots) {
                fake_[slot] = additive;
                temp_[slot] = !additive;
            }
            rules.append(additive ? " +@" : " -@").append(index_.category_names()[*best]);
            applied[*best] = true;
        }
        for (const CommandSpec* spec : index_.all()) {
            const bool allowed = user_.commands[spec->stats_slot];
            if (allowed == fake_[spec->stats_slot]) continue;
            rules.append(allowed ? " +" : " -").append(spec->name);
            set_command(fake_, *spec, allowed);
        }
        return rules;
    }

private:
    // The category with more commands agreeing with the user's than not,
    // the fewest disagreeing (then the most agreeing), not yet applied.
    std::optional<std::size_t> best_category(bool additive, const std::vector<bool>& applied) const {
        std::optional<std::size_t> best;
        std::size_t min_diff = SIZE_MAX;
        std::size_t max_same = 0;
        for (std::size_t i = 0; i < applied.size(); ++i) {
            if (applied[i]) continue;
            std::size_t on = 0;
            const std::vector<std::size_t>& slots = *index_.category(index_.category_names()[i]);
            for (std::size_t slot : slots) on += temp_[slot] ? 1 : 0;
            const std::size_t off = slots.size() - on;
            const std::size_t diff = additive ? off : on;
            const std::size_t same = additive ? on : off;
            if (same > diff && (diff < min_diff || (diff == min_diff && same > max_same))) {
                best = i;
                min_diff = diff;
                max_same = same;
            }
        }
        return best;
    }

    const AclUser& user_;
    const AclCommandIndex& index_;
    std::vector<bool> fake_;  // what the rules written so far allow
    std::vector<bool> temp_;  // the user's commands, less the categories written
};

}  // namespace

std::string describe_commands(const AclUser& user, const AclCommandIndex& index) {
    return CommandRulesWriter(user, index).write();
}

std::string describe_keys(const AclUser& user) {
    if (user.all_keys) return "~*";
    std::string out;
    for (const KeyPattern& key : user.keys) {
        if (!out.empty()) out.push_back(' ');
        out.append(key.read && key.write ? "~" : key.read ? "%R~" : "%W~").append(key.pattern);
    }
    return out;
}

std::string describe_channels(const AclUser& user) {
    if (user.all_channels) return "&*";
    std::string out;
    for (const std::string& channel : user.channels) {
        if (!out.empty()) out.push_back(' ');
        out.append("&").append(channel);
    }
    return out;
}

std::vector<std::string_view> user_flags(const AclUser& user) {
    std::vector<std::string_view> flags{user.enabled ? "on" : "off"};
    if (user.nopass) flags.push_back("nopass");
    if (user.sanitize == AclUser::Sanitize::kSanitize) flags.push_back("sanitize-payload");
    if (user.sanitize == AclUser::Sanitize::kSkip) flags.push_back("skip-sanitize-payload");
    return flags;
}

std::string describe_user(const AclUser& user, const AclCommandIndex& index) {
    std::string out = "user " + user.name;
    for (std::string_view flag : user_flags(user)) out.append(" ").append(flag);
    for (const PasswordHash& hash : user.passwords) out.append(" #").append(to_hex(hash));
    if (const std::string keys = describe_keys(user); !keys.empty()) out.append(" ").append(keys);
    out.append(user.all_channels ? " &*" : " resetchannels");
    if (!user.all_channels && !user.channels.empty()) out.append(" ").append(describe_channels(user));
    out.append(" ").append(describe_commands(user, index));
    return out;
}

// ---- checks ---------------------------------------------------------------------------------

namespace {

bool key_allowed(const AclUser& user, std::string_view key, bool write) {
    return std::any_of(user.keys.begin(), user.keys.end(), [&](const KeyPattern& p) {
        return (write ? p.write : p.read) && storage::glob_match(p.pattern, key);
    });
}

// PSUBSCRIBE must name one of the user's patterns exactly, as Redis.
bool channel_allowed(const AclUser& user, std::string_view channel, bool is_pattern) {
    return std::any_of(user.channels.begin(), user.channels.end(), [&](const std::string& p) {
        return is_pattern ? p == channel : storage::glob_match(p, channel);
    });
}

// The channel of PUBLISH, SUBSCRIBE or PSUBSCRIBE the user may not use.
std::optional<std::string_view> denied_channel(const AclUser& user, const CommandSpec& spec,
                                               std::span<const std::string_view> args) {
    if (spec.name == "publish") {
        if (!channel_allowed(user, args[1], false)) return args[1];
        return std::nullopt;
    }
    if (spec.name != "subscribe" && spec.name != "psubscribe") return std::nullopt;
    for (std::string_view channel : args.subspan(1)) {
        if (!channel_allowed(user, channel, spec.name == "psubscribe")) return channel;
    }
    return std::nullopt;
}

}  // namespace

AclDenial check_permissions(const AclUser& user, const CommandSpec& spec, std::span<const std::string_view> args,
                            std::string_view* denied) {
    if (!user.all_commands && !spec.has_flag(kNoAuth) && !user.commands[spec.stats_slot]) return AclDenial::kCommand;
    if (!user.all_keys && (spec.keys.first > 0 || spec.keys.numkeys_at > 0)) {
        // Write commands need write access to their keys, the others read
        // access (tierkv's key specs: RW+update or RO+access).
        const bool write = spec.has_flag(kWrite);
        for (std::string_view key : spec.key_args(args)) {
            if (key_allowed(user, key, write)) continue;
            if (denied) *denied = key;
            return AclDenial::kKey;
        }
    }
    if (!user.all_channels) {
        if (const auto channel = denied_channel(user, spec, args)) {
            if (denied) *denied = *channel;
            return AclDenial::kChannel;
        }
    }
    return AclDenial::kNone;
}

bool may_receive(const AclUser& user, std::string_view channel, const std::string* pattern) {
    if (user.all_channels) return true;
    return pattern ? channel_allowed(user, *pattern, true) : channel_allowed(user, channel, false);
}

std::string denial_error(AclDenial denial, const CommandSpec& spec) {
    switch (denial) {
        case AclDenial::kCommand:
            return "NOPERM this user has no permissions to run the '" + spec.name + "' command";
        case AclDenial::kKey:
            return "NOPERM this user has no permissions to access one of the keys used as arguments";
        case AclDenial::kChannel:
            return "NOPERM this user has no permissions to access one of the channels used as arguments";
        case AclDenial::kNone:
            break;
    }
    return {};
}

// ---- Acl ------------------------------------------------------------------------------------

Acl::Acl(const CommandTable& table) : index_(table), nobody_(std::make_shared<AclUser>("", index_)) {
    set_default_password("");
}

std::shared_ptr<const AclUser> Acl::find(std::string_view name) const {
    std::lock_guard guard(mutex_);
    const auto it = users_.find(name);
    return it == users_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const AclUser>> Acl::users() const {
    std::lock_guard guard(mutex_);
    std::vector<std::shared_ptr<const AclUser>> out;
    for (const auto& [name, user] : users_) out.push_back(user);
    return out;
}

void Acl::store(std::shared_ptr<const AclUser> user) {
    if (user->name == "default") default_requires_auth_ = !(user->nopass && user->enabled);
    users_[user->name] = std::move(user);
    version_.fetch_add(1, std::memory_order_release);
}

std::optional<std::string> Acl::set_user(std::string_view name, std::span<const std::string_view> rules) {
    if (name.find_first_of(std::string_view(" \0", 2)) != std::string_view::npos) {
        return "ERR Usernames can't contain spaces or null characters";
    }
    std::lock_guard guard(mutex_);
    const auto it = users_.find(name);
    auto user = it == users_.end() ? std::make_shared<AclUser>(std::string(name), index_)
                                   : std::make_shared<AclUser>(*it->second);
    for (std::string_view rule : rules) {
        if (auto err = user->apply(rule, index_)) {
            return "ERR Error in ACL SETUSER modifier '" + std::string(rule) + "': " + *err;
        }
    }
    store(std::move(user));
    return std::nullopt;
}

std::optional<std::string> Acl::set_user_line(std::string_view line) {
    std::vector<std::string_view> words;
    for (std::size_t i = 0; i < line.size();) {
        const std::size_t end = std::min(line.find_first_of(" \t", i), line.size());
        if (end > i) words.push_back(line.substr(i, end - i));
        i = end + 1;
    }
    if (words.empty()) return "ERR empty user rule";
    return set_user(words[0], std::span(words).subspan(1));
}

bool Acl::delete_user(std::string_view name) {
    std::lock_guard guard(mutex_);
    const auto it = users_.find(name);
    if (it == users_.end()) return false;
    users_.erase(it);
    version_.fetch_add(1, std::memory_order_release);
    return true;
}

void Acl::set_default_password(std::string_view password) {
    std::lock_guard guard(mutex_);
    const auto it = users_.find("default");
    std::shared_ptr<AclUser> user;
    if (it == users_.end()) {
        // Redis's default user: "on nopass ~* &* +@all".
        user = std::make_shared<AclUser>("default", index_);
        for (std::string_view rule : {"on", "allkeys", "allchannels", "allcommands"}) user->apply(rule, index_);
    } else {
        user = std::make_shared<AclUser>(*it->second);
    }
    user->apply("resetpass", index_);
    user->apply(password.empty() ? std::string("nopass") : std::string(">").append(password), index_);
    store(std::move(user));
}

std::shared_ptr<const AclUser> Acl::authenticate(std::string_view name, std::string_view password) const {
    std::shared_ptr<const AclUser> user = find(name);
    // An unknown user is compared with the nobody user's (no) passwords,
    // so it costs the same hash as a known one.
    const AclUser& checked = user ? *user : *nobody_;
    const bool matches = checked.password_matches(password);
    if (!user || !user->enabled || !(user->nopass || matches)) return nullptr;
    return user;
}

void switch_user(ClientSession& client, std::shared_ptr<const AclUser> user) {
    client.update_names([&](ClientSession::Names& n) { n.user = user->name; });
    client.user = std::move(user);
    client.user_version = 0;  // read again before the next command
}

const AclUser& current_user(const Acl& acl, ClientSession& client) {
    const std::uint64_t version = acl.version();
    if (client.user_version != version) {
        std::shared_ptr<const AclUser> fresh = acl.find(client.user->name);
        client.user = fresh ? std::move(fresh) : acl.nobody();
        client.user_version = version;
    }
    return *client.user;
}

}  // namespace tierkv::server
