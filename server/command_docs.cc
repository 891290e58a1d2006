#include "server/command_docs.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace tierkv::server {
namespace {

// ---- syntax strings: tokens ------------------------------------------------

bool is_bracket(char c) { return c == '[' || c == ']' || c == '(' || c == ')' || c == '<' || c == '>' || c == '|'; }

// Splits a syntax string into words, single bracket/bar characters and "...".
std::vector<std::string_view> lex(std::string_view syntax) {
    std::vector<std::string_view> tokens;
    std::size_t i = 0;
    while (i < syntax.size()) {
        if (std::isspace(static_cast<unsigned char>(syntax[i]))) {
            ++i;
        } else if (syntax.substr(i, 3) == "...") {
            tokens.push_back(syntax.substr(i, 3));
            i += 3;
        } else if (is_bracket(syntax[i])) {
            tokens.push_back(syntax.substr(i, 1));
            ++i;
        } else {
            const std::size_t start = i;
            while (i < syntax.size() && !std::isspace(static_cast<unsigned char>(syntax[i])) &&
                   !is_bracket(syntax[i]) && syntax.substr(i, 3) != "...") {
                ++i;
            }
            tokens.push_back(syntax.substr(start, i - start));
        }
    }
    return tokens;
}

// ---- syntax strings: tree ----------------------------------------------------

struct Node {
    enum Kind { kWord, kGroup, kEllipsis } kind = kWord;
    std::string_view word;
    bool optional = false;                        // [..] rather than (..) / <..>
    std::vector<std::vector<Node>> alternatives;  // of a group, split at '|'
};
using Sequence = std::vector<Node>;

bool is_closer(std::string_view t) { return t == "]" || t == ")" || t == ">"; }

std::string_view closer_of(std::string_view opener) {
    if (opener == "[") return "]";
    return opener == "(" ? ")" : ">";
}

class SyntaxParser {
public:
    explicit SyntaxParser(std::vector<std::string_view> tokens) : tokens_(std::move(tokens)) {}

    std::vector<Sequence> parse_all() {
        std::vector<Sequence> alternatives = parse_alternatives();
        while (pos_ < tokens_.size()) {  // a stray closer: skip it and go on
            ++pos_;
            std::vector<Sequence> more = parse_alternatives();
            alternatives.back().insert(alternatives.back().end(), more.front().begin(), more.front().end());
            alternatives.insert(alternatives.end(), more.begin() + 1, more.end());
        }
        return alternatives;
    }

private:
    bool at_end() const { return pos_ >= tokens_.size(); }
    std::string_view peek() const { return tokens_[pos_]; }

    std::vector<Sequence> parse_alternatives() {
        std::vector<Sequence> alternatives{parse_sequence()};
        while (!at_end() && peek() == "|") {
            ++pos_;
            alternatives.push_back(parse_sequence());
        }
        return alternatives;
    }

    Sequence parse_sequence() {
        Sequence sequence;
        while (!at_end() && peek() != "|" && !is_closer(peek())) {
            const std::string_view token = tokens_[pos_++];
            if (token == "[" || token == "(" || token == "<") {
                sequence.push_back(parse_group(token));
            } else if (token == "...") {
                sequence.push_back(Node{.kind = Node::kEllipsis});
            } else {
                sequence.push_back(Node{.kind = Node::kWord, .word = token});
            }
        }
        return sequence;
    }

    Node parse_group(std::string_view opener) {
        Node group{.kind = Node::kGroup, .optional = opener == "["};
        group.alternatives = parse_alternatives();
        if (!at_end() && peek() == closer_of(opener)) ++pos_;
        return group;
    }

    std::vector<std::string_view> tokens_;
    std::size_t pos_ = 0;
};

// ---- tree to DocArguments -------------------------------------------------------

// "EX", "LIB-NAME": letters all upper case. Values are lower case.
bool is_token_word(std::string_view word) {
    const bool has_upper = std::any_of(word.begin(), word.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); });
    const bool has_lower = std::any_of(word.begin(), word.end(), [](char c) { return std::islower(static_cast<unsigned char>(c)); });
    return has_upper && !has_lower;
}

// The type of a value, guessed from its name as Redis names its arguments.
std::string value_type(std::string_view name) {
    static constexpr std::array<std::string_view, 23> kIntegers = {
        "count", "seconds", "milliseconds", "index", "offset", "start", "end", "timeout", "numkeys",
        "db", "port", "client-id", "increment", "decrement", "protover", "length", "numreplicas",
        "cursor", "limit", "rank", "num-matches", "len", "stop"};
    if (name == "key" || name.ends_with("key") || name == "source" || name == "destination") return "key";
    if (name.starts_with("unix-time")) return "unix-time";
    if (name == "pattern") return "pattern";
    if (std::find(kIntegers.begin(), kIntegers.end(), name) != kIntegers.end()) return "integer";
    return "string";
}

DocArgument value_argument(std::string_view word) { return DocArgument{.name = std::string(word), .type = value_type(word)}; }

std::string joined_names(const std::vector<DocArgument>& args) {
    std::string name;
    for (const DocArgument& a : args) name += (name.empty() ? "" : "_") + a.name;
    return name;
}

DocArgument block(std::vector<DocArgument> args) {
    return DocArgument{.name = joined_names(args), .type = "block", .arguments = std::move(args)};
}

// One argument for a list: itself when alone, a block otherwise.
DocArgument single(std::vector<DocArgument> args) {
    if (args.size() == 1) return std::move(args.front());
    return block(std::move(args));
}

// A token and the values that follow it: a pure token, the value carrying
// the token, or a block named after the token.
DocArgument tokenized(std::string_view token, std::vector<DocArgument> values) {
    std::string lower(token);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (values.empty()) return DocArgument{.name = lower, .type = "pure-token", .token = std::string(token)};
    if (values.size() == 1 && values.front().token.empty()) {
        DocArgument arg = std::move(values.front());
        arg.token = std::string(token);
        return arg;
    }
    return DocArgument{.name = lower, .type = "block", .token = std::string(token), .arguments = std::move(values)};
}

std::vector<DocArgument> convert_sequence(const Sequence& sequence);

DocArgument convert_alternatives(const std::vector<Sequence>& alternatives) {
    if (alternatives.size() == 1) return single(convert_sequence(alternatives.front()));
    DocArgument oneof{.type = "oneof"};
    for (const Sequence& alternative : alternatives) oneof.arguments.push_back(single(convert_sequence(alternative)));
    oneof.name = joined_names(oneof.arguments);
    return oneof;
}

DocArgument convert_group(const Node& group) {
    DocArgument arg = convert_alternatives(group.alternatives);
    arg.optional = arg.optional || group.optional;
    return arg;
}

// "[x ...]": an optional group of one alternative ending in "...".
bool is_repetition(const Node& node) {
    return node.kind == Node::kGroup && node.optional && node.alternatives.size() == 1 &&
           !node.alternatives.front().empty() && node.alternatives.front().back().kind == Node::kEllipsis;
}

bool same_names(const std::vector<DocArgument>& out, const std::vector<DocArgument>& repeated) {
    if (repeated.empty() || out.size() < repeated.size()) return false;
    return std::equal(repeated.begin(), repeated.end(), out.end() - static_cast<std::ptrdiff_t>(repeated.size()),
                      [](const DocArgument& a, const DocArgument& b) { return a.name == b.name; });
}

// "key [key ...]" makes the previous argument(s) multiple; a repetition of
// something not just written ("[key ...]" alone) is an optional multiple one.
void apply_repetition(std::vector<DocArgument>& out, const Node& group) {
    Sequence content = group.alternatives.front();
    content.pop_back();  // the "..."
    std::vector<DocArgument> repeated = convert_sequence(content);
    if (!same_names(out, repeated)) {
        DocArgument arg = single(std::move(repeated));
        arg.optional = arg.multiple = true;
        out.push_back(std::move(arg));
        return;
    }
    if (repeated.size() > 1) {
        std::vector<DocArgument> members(std::make_move_iterator(out.end() - static_cast<std::ptrdiff_t>(repeated.size())),
                                         std::make_move_iterator(out.end()));
        out.resize(out.size() - repeated.size());
        out.push_back(block(std::move(members)));
    }
    out.back().multiple = true;
    out.back().multiple_token = out.back().multiple_token || !repeated.front().token.empty();
}

std::vector<DocArgument> convert_sequence(const Sequence& sequence) {
    std::vector<DocArgument> out;
    for (std::size_t i = 0; i < sequence.size();) {
        const Node& node = sequence[i++];
        if (node.kind == Node::kEllipsis) {
            if (!out.empty()) out.back().multiple = true;
        } else if (is_repetition(node)) {
            apply_repetition(out, node);
        } else if (node.kind == Node::kGroup) {
            out.push_back(convert_group(node));
        } else if (!is_token_word(node.word)) {
            out.push_back(value_argument(node.word));
        } else {
            // The token's values: the lower-case words after it, or one required group.
            std::vector<DocArgument> values;
            while (i < sequence.size() && sequence[i].kind == Node::kWord && !is_token_word(sequence[i].word)) {
                values.push_back(value_argument(sequence[i++].word));
            }
            if (values.empty() && i < sequence.size() && sequence[i].kind == Node::kGroup && !sequence[i].optional) {
                values.push_back(convert_group(sequence[i++]));
            }
            out.push_back(tokenized(node.word, std::move(values)));
        }
    }
    return out;
}

// ---- replies --------------------------------------------------------------------

std::vector<std::string_view> split_words(std::string_view text) {
    std::vector<std::string_view> words;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = std::min(text.find(' ', start), text.size());
        if (end > start) words.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return words;
}

void reply_flags(protocol::ReplyBuilder& reply, const std::vector<std::string_view>& flags) {
    reply.set(flags.size());
    for (std::string_view f : flags) reply.simple(f);
}

void reply_arguments(protocol::ReplyBuilder& reply, const std::vector<DocArgument>& args);

void reply_argument(protocol::ReplyBuilder& reply, const DocArgument& arg) {
    std::vector<std::string_view> flags;
    if (arg.optional) flags.push_back("optional");
    if (arg.multiple) flags.push_back("multiple");
    if (arg.multiple_token) flags.push_back("multiple_token");
    const bool is_key = arg.type == "key";
    const bool has_children = arg.type == "oneof" || arg.type == "block";
    reply.map(2 + is_key + !arg.token.empty() + !flags.empty() + has_children);
    reply.bulk("name");
    reply.bulk(arg.name);
    reply.bulk("type");
    reply.bulk(arg.type);
    if (is_key) {
        // tierkv describes a command's keys with one key spec.
        reply.bulk("key_spec_index");
        reply.integer(0);
    }
    if (!arg.token.empty()) {
        reply.bulk("token");
        reply.bulk(arg.token);
    }
    if (!flags.empty()) {
        reply.bulk("flags");
        reply_flags(reply, flags);
    }
    if (has_children) {
        reply.bulk("arguments");
        reply_arguments(reply, arg.arguments);
    }
}

void reply_arguments(protocol::ReplyBuilder& reply, const std::vector<DocArgument>& args) {
    reply.array(args.size());
    for (const DocArgument& arg : args) reply_argument(reply, arg);
}

// Redis's command flag names, in the order COMMAND INFO lists them.
std::vector<std::string_view> flag_names(const CommandSpec& spec) {
    static constexpr std::array<std::pair<CommandFlag, std::string_view>, 12> kNames = {{
        {kWrite, "write"},
        {kReadOnly, "readonly"},
        {kDenyOom, "denyoom"},
        {kAdmin, "admin"},
        {kNoScript, "noscript"},
        {kBlocking, "blocking"},
        {kLoading, "loading"},
        {kStale, "stale"},
        {kSkipSlowlog, "skip_slowlog"},
        {kFast, "fast"},
        {kNoAuth, "no_auth"},
        {kAllowBusy, "allow_busy"},
    }};
    std::vector<std::string_view> names;
    for (const auto& [flag, name] : kNames) {
        if (spec.has_flag(flag)) names.push_back(name);
    }
    if (spec.keys.numkeys_at > 0) names.push_back("movablekeys");
    return names;
}

std::string_view group_category(std::string_view group) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kCategories = {{
        {"generic", "@keyspace"},
        {"string", "@string"},
        {"list", "@list"},
        {"set", "@set"},
        {"sorted-set", "@sortedset"},
        {"hash", "@hash"},
        {"bitmap", "@bitmap"},
        {"hyperloglog", "@hyperloglog"},
        {"geo", "@geo"},
        {"stream", "@stream"},
        {"pubsub", "@pubsub"},
        {"connection", "@connection"},
        {"transactions", "@transaction"},
        {"scripting", "@scripting"},
    }};
    for (const auto& [name, category] : kCategories) {
        if (name == group) return category;
    }
    return {};
}

// Redis's key spec flags for a command's one key range.
std::vector<std::string_view> key_spec_flags(const CommandSpec& spec) {
    if (spec.has_flag(kWrite)) return {"RW", "update"};
    return {"RO", "access"};
}

// A key spec's map up to its find_keys part: the flags, and a search that
// begins at argument `index`.
void reply_key_spec_start(protocol::ReplyBuilder& reply, const std::vector<std::string_view>& flags, int index) {
    reply.map(3);
    reply.bulk("flags");
    reply_flags(reply, flags);
    reply.bulk("begin_search");
    reply.map(2);
    reply.bulk("type");
    reply.bulk("index");
    reply.bulk("spec");
    reply.map(1);
    reply.bulk("index");
    reply.integer(index);
}

// A key count followed by the keys (SINTERCARD numkeys key ...).
void reply_keynum_spec(protocol::ReplyBuilder& reply, const CommandSpec& spec,
                       const std::vector<std::string_view>& flags) {
    reply_key_spec_start(reply, flags, spec.keys.numkeys_at);
    reply.bulk("find_keys");
    reply.map(2);
    reply.bulk("type");
    reply.bulk("keynum");
    reply.bulk("spec");
    reply.map(3);
    reply.bulk("keynumidx");
    reply.integer(0);
    reply.bulk("firstkey");
    reply.integer(1);
    reply.bulk("keystep");
    reply.integer(1);
}

// Keys at fixed positions, first..last by step.
void reply_range_spec(protocol::ReplyBuilder& reply, const CommandSpec& spec,
                      const std::vector<std::string_view>& flags) {
    // Redis counts the last key from the first one; negative counts from the end.
    const int lastkey = spec.keys.last >= 0 ? spec.keys.last - spec.keys.first : spec.keys.last;
    reply_key_spec_start(reply, flags, spec.keys.first);
    reply.bulk("find_keys");
    reply.map(2);
    reply.bulk("type");
    reply.bulk("range");
    reply.bulk("spec");
    reply.map(3);
    reply.bulk("lastkey");
    reply.integer(lastkey);
    reply.bulk("keystep");
    reply.integer(std::max(spec.keys.step, 1));
    reply.bulk("limit");
    reply.integer(0);
}

void reply_key_specs(protocol::ReplyBuilder& reply, const CommandSpec& spec) {
    if (spec.keys.numkeys_at > 0 && spec.keys.first > 0) {
        // A destination, then counted sources (ZUNIONSTORE destination numkeys key ...).
        reply.set(2);
        reply_range_spec(reply, spec, {"OW", "update"});
        reply_keynum_spec(reply, spec, {"RO", "access"});
        return;
    }
    if (spec.keys.numkeys_at > 0) {
        reply.set(1);
        reply_keynum_spec(reply, spec, key_spec_flags(spec));
        return;
    }
    if (spec.keys.first <= 0) {
        reply.set(0);
        return;
    }
    reply.set(1);
    reply_range_spec(reply, spec, key_spec_flags(spec));
}

}  // namespace

std::vector<DocArgument> parse_syntax(std::string_view syntax) {
    SyntaxParser parser(lex(syntax));
    const std::vector<Sequence> alternatives = parser.parse_all();
    if (alternatives.size() == 1) return convert_sequence(alternatives.front());
    return {convert_alternatives(alternatives)};
}

std::span<const std::string_view> acl_category_names() {
    static constexpr std::array<std::string_view, 21> kOrder = {
        "@keyspace", "@read", "@write", "@set", "@sortedset", "@list", "@hash",
        "@string", "@bitmap", "@hyperloglog", "@geo", "@stream", "@pubsub", "@admin",
        "@fast", "@slow", "@blocking", "@dangerous", "@connection", "@transaction", "@scripting"};
    return kOrder;
}

std::vector<std::string_view> acl_categories(const CommandSpec& spec) {
    const std::vector<std::string_view> extra = split_words(spec.extra_acl_categories);
    // A bare container (CLIENT, CONFIG) is in no category of its group.
    const bool container = spec.handler == nullptr && !spec.subcommands.empty();
    const std::string_view group = container ? std::string_view() : group_category(spec.group);
    auto applies = [&](std::string_view category) {
        if (category == group) return true;
        if (std::find(extra.begin(), extra.end(), category) != extra.end()) return true;
        if (category == "@read") return spec.has_flag(kReadOnly);
        if (category == "@write") return spec.has_flag(kWrite);
        if (category == "@admin" || category == "@dangerous") return spec.has_flag(kAdmin);
        if (category == "@fast") return spec.has_flag(kFast);
        if (category == "@slow") return !spec.has_flag(kFast);
        if (category == "@blocking") return spec.has_flag(kBlocking);
        return false;
    };
    std::vector<std::string_view> categories;
    for (std::string_view category : acl_category_names()) {
        if (applies(category)) categories.push_back(category);
    }
    return categories;
}

const CommandSpec* find_command(const CommandTable& table, std::string_view full_name) {
    const std::size_t bar = full_name.find('|');
    const CommandSpec* parent = table.find(full_name.substr(0, bar));
    if (parent == nullptr || bar == std::string_view::npos) return parent;
    return table.find_subcommand(*parent, full_name.substr(bar + 1));
}

void reply_command_info(protocol::ReplyBuilder& reply, const CommandSpec& spec) {
    reply.array(10);
    reply.bulk(spec.public_name());
    reply.integer(spec.arity);
    reply_flags(reply, flag_names(spec));
    reply.integer(spec.keys.first);
    reply.integer(spec.keys.last);
    reply.integer(spec.keys.step);
    reply_flags(reply, acl_categories(spec));
    const std::vector<std::string_view> tips = split_words(spec.tips);
    reply.set(tips.size());
    for (std::string_view tip : tips) reply.bulk(tip);
    reply_key_specs(reply, spec);
    // Redis replies an empty set, not an empty array, when there are none.
    if (spec.subcommands.empty()) {
        reply.set(0);
        return;
    }
    reply.array(spec.subcommands.size());
    for (const CommandSpec& sub : spec.subcommands) reply_command_info(reply, sub);
}

void reply_command_docs(protocol::ReplyBuilder& reply, const CommandSpec& spec) {
    const std::vector<DocArgument> arguments = parse_syntax(spec.syntax);
    reply.map(2 + !spec.since.empty() + !spec.complexity.empty() + !arguments.empty() + !spec.subcommands.empty());
    reply.bulk("summary");
    reply.bulk(spec.summary);
    if (!spec.since.empty()) {
        reply.bulk("since");
        reply.bulk(spec.since);
    }
    reply.bulk("group");
    reply.bulk(spec.group);
    if (!spec.complexity.empty()) {
        reply.bulk("complexity");
        reply.bulk(spec.complexity);
    }
    if (!arguments.empty()) {
        reply.bulk("arguments");
        reply_arguments(reply, arguments);
    }
    if (!spec.subcommands.empty()) {
        reply.bulk("subcommands");
        reply.map(spec.subcommands.size());
        for (const CommandSpec& sub : spec.subcommands) {
            reply.bulk(sub.public_name());
            reply_command_docs(reply, sub);
        }
    }
}

}  // namespace tierkv::server
