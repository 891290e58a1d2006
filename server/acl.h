// ACL users: their rules (Redis 7.0's ACL SETUSER syntax, without
// selectors and first-argument rules), the checks the dispatcher makes
// before a command runs, and the registry of users.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/command.h"

namespace tierkv::server {

class CommandTable;
struct ClientSession;

using PasswordHash = std::array<unsigned char, 32>;  // SHA-256

PasswordHash sha256(std::string_view text);
std::string to_hex(const PasswordHash& hash);

// Every command and subcommand by its slot (CommandSpec::stats_slot) and
// original name, and the slots of each ACL category.
class AclCommandIndex {
public:
    explicit AclCommandIndex(const CommandTable& table);

    std::size_t slots() const { return slots_; }
    // "get" or "client|kill", any case; original names (rename-command
    // does not change ACL rules, as in Redis).
    const CommandSpec* find(std::string_view full_name) const;
    // The slots of category `name` ("read", any case); null if unknown.
    const std::vector<std::size_t>* category(std::string_view name) const;
    // Every command and subcommand, in table order.
    const std::vector<const CommandSpec*>& all() const { return all_; }
    // Category names without '@', in Redis's order.
    const std::vector<std::string_view>& category_names() const { return category_names_; }

private:
    std::size_t slots_ = 0;
    std::vector<const CommandSpec*> all_;
    std::map<std::string, const CommandSpec*, std::less<>> by_name_;
    std::vector<std::string_view> category_names_;
    std::vector<std::vector<std::size_t>> by_category_;
};

// A key pattern with the access it grants (~ both, %R~ read, %W~ write).
struct KeyPattern {
    std::string pattern;
    bool read = true;
    bool write = true;
};

struct AclUser {
    std::string name;
    bool enabled = false;
    bool nopass = false;
    enum class Sanitize { kUnset, kSanitize, kSkip } sanitize = Sanitize::kUnset;
    std::vector<PasswordHash> passwords;
    std::vector<bool> commands;  // by slot
    bool all_commands = false;   // +@all: every command, until any is removed
    bool future_commands = false;  // +@all until -@all: ACL LIST starts from "+@all"
    bool all_keys = false;
    std::vector<KeyPattern> keys;
    bool all_channels = false;
    std::vector<std::string> channels;
    // All commands, keys and channels: the dispatcher checks nothing else.
    bool unrestricted = false;

    // A new user, as ACL SETUSER creates it: off, no rights.
    AclUser(std::string user_name, const AclCommandIndex& index);

    // Applies one rule ("on", ">secret", "+@read", "~cache:*" ...). Returns
    // Redis's reason when it is invalid (the user may be half changed then).
    std::optional<std::string> apply(std::string_view rule, const AclCommandIndex& index);
    // Whether `password` is one of the user's: SHA-256 of it compared with
    // every stored hash in constant time (CRYPTO_memcmp).
    bool password_matches(std::string_view password) const;
};

// Redis's ACL LIST line ("user alice on #... ~cache:* resetchannels -@all +@read")
// and its parts, as ACL GETUSER shows them.
std::string describe_user(const AclUser& user, const AclCommandIndex& index);
std::string describe_commands(const AclUser& user, const AclCommandIndex& index);
std::string describe_keys(const AclUser& user);
std::string describe_channels(const AclUser& user);
std::vector<std::string_view> user_flags(const AclUser& user);

// Why a user may not run a command, as Redis's -NOPERM texts.
enum class AclDenial { kNone, kCommand, kKey, kChannel };
// `denied`, when given, is set to the key or channel refused.
AclDenial check_permissions(const AclUser& user, const CommandSpec& spec, std::span<const std::string_view> args,
                            std::string_view* denied = nullptr);
std::string denial_error(AclDenial denial, const CommandSpec& spec);  // "NOPERM ..."
// Whether a subscription to `channel` (by `pattern` when not null) is
// still allowed: rules may have changed since SUBSCRIBE.
bool may_receive(const AclUser& user, std::string_view channel, const std::string* pattern);

// The users, shared by every thread. A change replaces the user's object
// and bumps version(), so connections pick up the new rules before their
// next command (see ClientSession::user).
class Acl {
public:
    explicit Acl(const CommandTable& table);

    const AclCommandIndex& index() const { return index_; }
    std::uint64_t version() const { return version_.load(std::memory_order_acquire); }

    std::shared_ptr<const AclUser> find(std::string_view name) const;
    std::shared_ptr<const AclUser> default_user() const { return find("default"); }
    std::vector<std::shared_ptr<const AclUser>> users() const;  // by name

    // ACL SETUSER: every rule applies or none (Redis's error text, "ERR ..." ).
    std::optional<std::string> set_user(std::string_view name, std::span<const std::string_view> rules);
    // A rule line from the config: "alice on >secret ~cache:* +@read".
    std::optional<std::string> set_user_line(std::string_view line);
    bool delete_user(std::string_view name);
    // requirepass: the default user's only password, or nopass when empty.
    void set_default_password(std::string_view password);

    // The user when it is on and `password` is one of its (any password for
    // nopass), else null. Unknown users cost a hash and compare too.
    std::shared_ptr<const AclUser> authenticate(std::string_view name, std::string_view password) const;
    // New connections start as "default": authenticated unless it needs a password.
    bool default_requires_auth() const { return default_requires_auth_.load(std::memory_order_relaxed); }
    // A user with no rights, for a connection whose user was deleted.
    const std::shared_ptr<const AclUser>& nobody() const { return nobody_; }

private:
    void store(std::shared_ptr<const AclUser> user);  // holds mutex_

    AclCommandIndex index_;
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<const AclUser>, std::less<>> users_;
    std::atomic<std::uint64_t> version_{1};
    std::atomic<bool> default_requires_auth_{false};
    std::shared_ptr<const AclUser> nobody_;
};

// Makes `client` run as `user` (AUTH, RESET, a new connection).
void switch_user(ClientSession& client, std::shared_ptr<const AclUser> user);
// The client's user as the Acl has it now: read again when any user
// changed since; a deleted user's clients get Acl::nobody() (no rights)
// until they are closed.
const AclUser& current_user(const Acl& acl, ClientSession& client);

}  // namespace tierkv::server
