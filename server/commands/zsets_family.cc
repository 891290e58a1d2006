// Sorted set commands: ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK
// ZCOUNT ZLEXCOUNT ZRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX
// ZREVRANGEBYLEX ZREVRANGE ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX
// ZPOPMIN ZPOPMAX ZRANDMEMBER ZUNIONSTORE ZINTERSTORE ZSCAN. Replies, error
// texts and the order of checks follow Redis 7.0's t_zset.c. Every range is
// turned into ranks (ZSetValue::count_while) and walked by rank.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "server/arguments.h"
#include "server/command_table.h"
#include "server/commands/collections.h"

namespace tierkv::server {
namespace {

using storage::DbView;
using storage::Entry;
using storage::SetValue;
using storage::ZSetValue;

constexpr std::string_view kErrNaN = "ERR resulting score is not a number (NaN)";
constexpr std::string_view kErrScoreRange = "ERR min or max is not a float";
constexpr std::string_view kErrLexRange = "ERR min or max not valid string range item";

// A score or weight as Redis reads one: parse_double, and an overflow to
// infinity ("1e400") is refused too.
std::optional<double> parse_score(std::string_view text) {
    const auto v = parse_double(text);
    if (!v || !std::isinf(*v)) return v;
    const std::string_view digits = text.substr(text[0] == '+' || text[0] == '-' ? 1 : 0);
    if (iequals(digits, "inf") || iequals(digits, "infinity")) return v;
    return std::nullopt;
}

std::optional<Entry*> find_zset(CommandContext& ctx, DbView& db, Access access = Access::kRead) {
    return find_typed<ZSetValue>(ctx, db, ctx.args[1], access);
}

const ZSetValue& zset_of(const Entry& entry) { return entry.value.as<ZSetValue>(); }

// ---- Ranges -----------------------------------------------------------------------

struct ScoreRange {
    double min = 0, max = 0;
    bool minex = false, maxex = false;
};

// One end of a score range: "(1.5" is exclusive; strtod's syntax, no NaN.
bool parse_score_bound(std::string_view text, double& value, bool& exclusive) {
    exclusive = !text.empty() && text[0] == '(';
    if (exclusive) text.remove_prefix(1);
    const std::string copy(text);  // "" and "(" read as 0, as strtod does
    char* end = nullptr;
    value = std::strtod(copy.c_str(), &end);
    return end == copy.c_str() + copy.size() && !std::isnan(value);
}

std::optional<ScoreRange> parse_score_range(std::string_view min, std::string_view max) {
    ScoreRange r;
    if (!parse_score_bound(min, r.min, r.minex) || !parse_score_bound(max, r.max, r.maxex)) return std::nullopt;
    return r;
}

struct LexBound {
    enum Kind { kMinusInf, kPlusInf, kValue } kind = kValue;
    std::string_view value;
    bool exclusive = false;
};

std::optional<LexBound> parse_lex_bound(std::string_view text) {
    if (text == "-") return LexBound{LexBound::kMinusInf, {}, false};
    if (text == "+") return LexBound{LexBound::kPlusInf, {}, false};
    if (text.empty() || (text[0] != '(' && text[0] != '[')) return std::nullopt;
    return LexBound{LexBound::kValue, text.substr(1), text[0] == '('};
}

struct LexRange {
    LexBound min, max;
};

std::optional<LexRange> parse_lex_range(std::string_view min, std::string_view max) {
    const auto lo = parse_lex_bound(min);
    const auto hi = parse_lex_bound(max);
    if (!lo || !hi) return std::nullopt;
    return LexRange{*lo, *hi};
}

// Ranks [first, last) of the elements in a range.
struct RankSpan {
    std::size_t first = 0, last = 0;
    std::size_t count() const { return last > first ? last - first : 0; }
};

RankSpan ranks_in(const ZSetValue& z, const ScoreRange& r) {
    if (r.min > r.max || (r.min == r.max && (r.minex || r.maxex))) return {};
    const std::size_t first =
        z.count_while([&](double s, std::string_view) { return s < r.min || (r.minex && s == r.min); });
    const std::size_t last =
        z.count_while([&](double s, std::string_view) { return s < r.max || (!r.maxex && s == r.max); });
    return {first, last};
}

// Whether a member sorts before the range's start, and whether it sorts at
// or before its end (lex order, all scores assumed equal, as Redis).
bool before_min(const LexBound& b, std::string_view m) {
    if (b.kind == LexBound::kMinusInf) return false;
    if (b.kind == LexBound::kPlusInf) return true;
    return b.exclusive ? m <= b.value : m < b.value;
}

bool not_past_max(const LexBound& b, std::string_view m) {
    if (b.kind == LexBound::kMinusInf) return false;
    if (b.kind == LexBound::kPlusInf) return true;
    return b.exclusive ? m < b.value : m <= b.value;
}

RankSpan ranks_in(const ZSetValue& z, const LexRange& r) {
    // Empty ranges, as zslIsInLexRange sees them.
    if (r.min.kind == LexBound::kPlusInf || r.max.kind == LexBound::kMinusInf) return {};
    if (r.min.kind == LexBound::kValue && r.max.kind == LexBound::kValue) {
        if (r.min.value > r.max.value || (r.min.value == r.max.value && (r.min.exclusive || r.max.exclusive))) {
            return {};
        }
    }
    const std::size_t first = z.count_while([&](double, std::string_view m) { return before_min(r.min, m); });
    const std::size_t last = z.count_while([&](double, std::string_view m) { return not_past_max(r.max, m); });
    return {first, last};
}

// Rank arguments as Redis sanitizes them; nullopt when the span is empty.
std::optional<RankSpan> ranks_from_indexes(std::int64_t start, std::int64_t end, std::size_t size) {
    const auto len = static_cast<std::int64_t>(size);
    if (start < 0) start += len;
    if (end < 0) end += len;
    if (start < 0) start = 0;
    if (start > end || start >= len) return std::nullopt;
    if (end >= len) end = len - 1;
    return RankSpan{static_cast<std::size_t>(start), static_cast<std::size_t>(end) + 1};
}

// ---- Replies ------------------------------------------------------------------------

// Replies `count` elements from rank `first` (descending when `reverse`).
void reply_ranks(CommandContext& ctx, const ZSetValue& z, std::size_t first, std::size_t count, bool reverse,
                 bool with_scores) {
    const bool pairs = with_scores && ctx.reply.resp3();
    ctx.reply.array(with_scores && !pairs ? 2 * count : count);
    z.visit_ranks(first, count, reverse, [&](std::string_view member, double score) {
        if (pairs) ctx.reply.array(2);
        ctx.reply.bulk(member);
        if (with_scores) ctx.reply.double_value(score);
    });
}

// ---- ZADD ZINCRBY -----------------------------------------------------------------

enum ZAddFlags : unsigned {
    kNX = 1, kXX = 2, kGT = 4, kLT = 8, kCH = 16, kIncr = 32,
};

void zadd_generic(CommandContext& ctx, unsigned flags, std::size_t score_at) {
    for (; score_at < ctx.argc(); ++score_at) {
        const std::string_view opt = ctx.args[score_at];
        if (iequals(opt, "nx")) flags |= kNX;
        else if (iequals(opt, "xx")) flags |= kXX;
        else if (iequals(opt, "gt")) flags |= kGT;
        else if (iequals(opt, "lt")) flags |= kLT;
        else if (iequals(opt, "ch")) flags |= kCH;
        else if (iequals(opt, "incr")) flags |= kIncr;
        else break;
    }
    const std::size_t elements = ctx.argc() - score_at;
    if (elements == 0 || elements % 2 != 0) return ctx.reply.error(kErrSyntax);
    if ((flags & kNX) && (flags & kXX)) {
        return ctx.reply.error("ERR XX and NX options at the same time are not compatible");
    }
    if (((flags & kGT) && (flags & kNX)) || ((flags & kLT) && (flags & kNX)) || ((flags & kGT) && (flags & kLT))) {
        return ctx.reply.error("ERR GT, LT, and/or NX options at the same time are not compatible");
    }
    const bool incr = flags & kIncr;
    if (incr && elements > 2) return ctx.reply.error("ERR INCR option supports a single increment-element pair");
    std::vector<double> scores;
    for (std::size_t i = score_at; i < ctx.argc(); i += 2) {
        const auto score = parse_score(ctx.args[i]);
        if (!score) return ctx.reply.error(kErrNotFloat);
        scores.push_back(*score);
    }

    DbView db = ctx.db();
    const auto found = find_typed<ZSetValue>(ctx, db, ctx.args[1], Access::kWrite);
    if (!found) return;
    std::int64_t added = 0, updated = 0, processed = 0;
    double last_score = 0;
    bool nan = false;
    if (*found || !(flags & kXX)) {
        Entry* entry = *found ? *found : &db.set(ctx.args[1], storage::Value(ZSetValue()));
        const storage::EncodingLimits limits = encoding_limits(ctx);
        edit_collection<ZSetValue>(db, *entry, ctx.args[1], [&](ZSetValue& z) {
            for (std::size_t i = 0; i < scores.size(); ++i) {
                const std::string_view member = ctx.args[score_at + 2 * i + 1];
                double score = scores[i];
                if (const auto current = z.score(member)) {
                    if (flags & kNX) continue;
                    if (incr) {
                        score += *current;
                        if (std::isnan(score)) {
                            nan = true;
                            return;
                        }
                    }
                    if (((flags & kLT) && score >= *current) || ((flags & kGT) && score <= *current)) continue;
                    if (score != *current) {
                        z.set(member, score, limits);
                        ++updated;
                    }
                } else {
                    if (flags & kXX) continue;
                    z.set(member, score, limits);
                    ++added;
                }
                ++processed;
                last_score = score;
            }
        });
    }
    if (nan) return ctx.reply.error(kErrNaN);
    if (incr) return processed ? ctx.reply.double_value(last_score) : ctx.reply.null();
    ctx.reply.integer((flags & kCH) ? added + updated : added);
}

void zadd(CommandContext& ctx) { zadd_generic(ctx, 0, 2); }
void zincrby(CommandContext& ctx) { zadd_generic(ctx, kIncr, 2); }

// ---- ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ---------------------------------

void zrem(CommandContext& ctx) {
    DbView db = ctx.db();
    const auto entry = find_zset(ctx, db, Access::kWrite);
    if (!entry) return;
    if (!*entry) return ctx.reply.integer(0);
    const std::int64_t removed = edit_collection<ZSetValue>(db, **entry, ctx.args[1], [&](ZSetValue& z) {
        std::int64_t n = 0;
        for (std::size_t i = 2; i < ctx.argc() && !z.empty(); ++i) n += z.erase(ctx.args[i]);
        return n;
    });
    ctx.reply.integer(removed);
}

void zcard(CommandContext& ctx) {
    DbView db = ctx.db();
    const auto entry = find_zset(ctx, db);
    if (!entry) return;
    ctx.reply.integer(*entry ? static_cast<std::int64_t>(zset_of(**entry).size()) : 0);
}

void zscore(CommandContext& ctx) {
    DbView db = ctx.db();
    const auto entry = find_zset(ctx, db);
    if (!entry) return;
    const auto score = *entry ? zset_of(**entry).score(ctx.args[2]) : std::nullopt;
    score ? ctx.reply.double_value(*score) : ctx.reply.null();
}

void zmscore(CommandContext& ctx) {
    DbView db = ctx.db();
    const auto entry = find_zset(ctx, db);
    if (!entry) return;
    ctx.reply.array(ctx.argc() - 2);
    for (std::size_t i = 2; i < ctx.argc(); ++i) {
        const auto score = *entry ? zset_of(**entry).score(ctx.args[i]) : std::nullopt;
        score ? ctx.reply.double_value(*score) : ctx.reply.null();
    }
}

void rank_generic(CommandContext& ctx, bool reverse) {
    DbView db = ctx.db();
    const auto entry = find_zset(ctx, db);
    if (!entry) return;
    if (!*entry) return ctx.reply.null();
    const ZSetValue& z = zset_of(**entry);
    const auto rank = z.rank(ctx.args[2]);
    if (!rank) return ctx.reply.null();
    ctx.reply.integer(static_cast<std::int64_t>(reverse ? z.size() - 1 - *rank : *rank));
}

void zrank(CommandContext& ctx) { rank_generic(ctx, false); }
void zrevrank(CommandContext& ctx) { rank_generic(ctx, true); }

// ---- ZCOUNT ZLEXCOUNT ---------------------------------------------------------------

void zcount(CommandContext& ctx) {
    const auto range = parse_score_range(ctx.args[2], ctx.args[3]);
    if (!range) return ctx.reply.error(kErrScoreRange);
    DbView db = ctx.db();
    const auto entry = find_zset(ctx, db);
    if (!entry) return;
    ctx.reply.integer(*entry ? static_cast<std::int64_t>(ranks_in(zset_of(**entry), *range).count()) : 0);
}

void zlexcount(CommandContext& ctx) {
    const auto range = parse_lex_range(ctx.args[2], ctx.args[3]);
    if (!range) return ctx.reply.error(kErrLexRange);
    DbView db = ctx.db();
    const auto entry = find_zset(ctx, db);
    if (!entry) return;
    ctx.reply.integer(*entry ? static_cast<std::int64_t>(ranks_in(zset_of(**entry), *range).count()) : 0);
}

// ---- ZRANGE and its older forms ------------------------------------------------------

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

// ZRANGE key min max [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
// and the older commands, which fix the type or direction up front.
void zrange_generic(CommandContext& ctx, RangeType type, Direction direction) {
    bool with_scores = false;
    std::int64_t offset = 0, limit = -1;
    for (std::size_t j = 4; j < ctx.argc(); ++j) {
        const std::size_t left = ctx.argc() - j - 1;
        const std::string_view opt = ctx.args[j];
        if (iequals(opt, "withscores")) {
            with_scores = true;
        } else if (iequals(opt, "limit") && left >= 2) {
            const auto o = parse_int64(ctx.args[j + 1]);
            const auto l = o ? parse_int64(ctx.args[j + 2]) : std::nullopt;
            if (!o || !l) return ctx.reply.error(kErrNotInteger);
            offset = *o;
            limit = *l;
            j += 2;
        } else if (direction == Direction::kAuto && iequals(opt, "rev")) {
            direction = Direction::kReverse;
        } else if (type == RangeType::kAuto && iequals(opt, "bylex")) {
            type = RangeType::kLex;
        } else if (type == RangeType::kAuto && iequals(opt, "byscore")) {
            type = RangeType::kScore;
        } else {
            return ctx.reply.error(kErrSyntax);
        }
    }
    if (type == RangeType::kAuto) type = RangeType::kRank;
    if (direction == Direction::kAuto) direction = Direction::kForward;
    const bool reverse = direction == Direction::kReverse;
    if (with_scores && type == RangeType::kLex) {
        return ctx.reply.error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    }
    if ((offset != 0 || limit != -1) && type == RangeType::kRank) {
        return ctx.reply.error(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    }
    std::string_view min = ctx.args[2], max = ctx.args[3];
    if (reverse && type != RangeType::kRank) std::swap(min, max);

    std::int64_t start = 0, end = 0;
    std::optional<ScoreRange> score_range;
    std::optional<LexRange> lex_range;
    if (type == RangeType::kRank) {
        const auto s = parse_int64(min);
        const auto e = s ? parse_int64(max) : std::nullopt;
        if (!s || !e) return ctx.reply.error(kErrNotInteger);
        start = *s;
        end = *e;
    } else if (type == RangeType::kScore) {
        score_range = parse_score_range(min, max);
        if (!score_range) return ctx.reply.error(kErrScoreRange);
    } else {
        lex_range = parse_lex_range(min, max);
        if (!lex_range) return ctx.reply.error(kErrLexRange);
    }

    DbView db = ctx.db();
    const auto entry = find_zset(ctx, db);
    if (!entry) return;
    if (!*entry) return ctx.reply.array(0);
    const ZSetValue& z = zset_of(**entry);
    const std::size_t size = z.size();
    if (type == RangeType::kRank) {
        const auto span = ranks_from_indexes(start, end, size);
        if (!span) return ctx.reply.array(0);
        const std::size_t first = reverse ? size - 1 - span->first : span->first;
        return reply_ranks(ctx, z, first, span->count(), reverse, with_scores);
    }
    const RankSpan span = score_range ? ranks_in(z, *score_range) : ranks_in(z, *lex_range);
    std::size_t count = span.count();
    if (offset < 0 || static_cast<std::uint64_t>(offset) >= count) return ctx.reply.array(0);
    count -= static_cast<std::size_t>(offset);
    if (limit >= 0) count = std::min<std::size_t>(count, static_cast<std::size_t>(limit));
    const std::size_t first = reverse ? span.last - 1 - static_cast<std::size_t>(offset)
                                      : span.first + static_cast<std::size_t>(offset);
    reply_ranks(ctx, z, first, count, reverse, with_scores);
}

void zrange(CommandContext& ctx) { zrange_generic(ctx, RangeType::kAuto, Direction::kAuto); }
void zrevrange(CommandContext& ctx) { zrange_generic(ctx, RangeType::kRank, Direction::kReverse); }
void zrangebyscore(CommandContext& ctx) { zrange_generic(ctx, RangeType::kScore, Direction::kForward); }
void zrevrangebyscore(CommandContext& ctx) { zrange_generic(ctx, RangeType::kScore, Direction::kReverse); }
void zrangebylex(CommandContext& ctx) { zrange_generic(ctx, RangeType::kLex, Direction::kForward); }
void zrevrangebylex(CommandContext& ctx) { zrange_generic(ctx, RangeType::kLex, Direction::kReverse); }

// ---- ZREMRANGEBY* -----------------------------------------------------------------------

// Removes the elements of ranks [first, last) and replies how many.
void remove_ranks(CommandContext& ctx, DbView& db, Entry& entry, RankSpan span) {
    const std::int64_t removed = edit_collection<ZSetValue>(db, entry, ctx.args[1], [&](ZSetValue& z) {
        std::vector<std::string> members;
        members.reserve(span.count());
        z.visit_ranks(span.first, span.count(), false,
                      [&](std::string_view m, double) { members.emplace_back(m); });
        for (const std::string& m : members) z.erase(m);
        return static_cast<std::int64_t>(members.size());
    });
    ctx.reply.integer(removed);
}

void zremrangebyrank(CommandContext& ctx) {
    const auto start = parse_int64(ctx.args[2]);
    const auto end = start ? parse_int64(ctx.args[3]) : std::nullopt;
    if (!start || !end) return ctx.reply.error(kErrNotInteger);
    DbView db = ctx.db();
    const auto entry = find_zset(ctx, db, Access::kWrite);
    if (!entry) return;
    if (!*entry) return ctx.reply.integer(0);
    const auto span = ranks_from_indexes(*start, *end, zset_of(**entry).size());
    if (!span) return ctx.reply.integer(0);
    remove_ranks(ctx, db, **entry, *span);
}

// ZREMRANGEBYSCORE and ZREMRANGEBYLEX: `parse` reads the range (min, max).
template <class Parse>
void remove_range(CommandContext& ctx, Parse parse, std::string_view range_error) {
    const auto range = parse(ctx.args[2], ctx.args[3]);
    if (!range) return ctx.reply.error(range_error);
    DbView db = ctx.db();
    const auto entry = find_zset(ctx, db, Access::kWrite);
    if (!entry) return;
    if (!*entry) return ctx.reply.integer(0);
    const RankSpan span = ranks_in(zset_of(**entry), *range);
    if (span.count() == 0) return ctx.reply.integer(0);
    remove_ranks(ctx, db, **entry, span);
}

void zremrangebyscore(CommandContext& ctx) { remove_range(ctx, parse_score_range, kErrScoreRange); }
void zremrangebylex(CommandContext& ctx) { remove_range(ctx, parse_lex_range, kErrLexRange); }

// ---- ZPOPMIN ZPOPMAX --------------------------------------------------------------------

void pop_generic(CommandContext& ctx, bool max) {
    if (ctx.argc() > 3) return ctx.reply.error(kErrSyntax);
    std::int64_t count = 1;
    const bool count_given = ctx.argc() == 3;
    if (count_given) {
        const auto parsed = parse_int64(ctx.args[2]);
        if (!parsed || *parsed < 0) return ctx.reply.error("ERR value is out of range, must be positive");
        count = *parsed;
        if (count == 0) return ctx.reply.array(0);
    }
    DbView db = ctx.db();
    const auto entry = find_zset(ctx, db, Access::kWrite);
    if (!entry) return;
    if (!*entry) return ctx.reply.array(0);
    const std::size_t n = std::min<std::size_t>(zset_of(**entry).size(), static_cast<std::size_t>(count));
    const bool pairs = count_given && ctx.reply.resp3();
    ctx.reply.array(pairs ? n : 2 * n);
    edit_collection<ZSetValue>(db, **entry, ctx.args[1], [&](ZSetValue& z) {
        std::vector<std::pair<std::string, double>> popped;
        popped.reserve(n);
        z.visit_ranks(max ? z.size() - 1 : 0, n, max,
                      [&](std::string_view m, double s) { popped.emplace_back(std::string(m), s); });
        for (const auto& [member, score] : popped) {
            if (pairs) ctx.reply.array(2);
            ctx.reply.bulk(member);
            ctx.reply.double_value(score);
            z.erase(member);
        }
    });
}

void zpopmin(CommandContext& ctx) { pop_generic(ctx, false); }
void zpopmax(CommandContext& ctx) { pop_generic(ctx, true); }

// ---- ZRANDMEMBER ---------------------------------------------------------------------------

void reply_random_element(CommandContext& ctx, ZSetValue::Element e, bool with_scores) {
    if (with_scores && ctx.reply.resp3()) ctx.reply.array(2);
    ctx.reply.bulk(e.member);
    if (with_scores) ctx.reply.double_value(e.score);
}

void reply_random_elements(CommandContext& ctx, const ZSetValue& z, std::uint64_t count, bool distinct,
                           bool with_scores) {
    if (distinct) count = std::min<std::uint64_t>(count, z.size());
    ctx.reply.array(with_scores && !ctx.reply.resp3() ? 2 * count : count);
    reply_random_picks(
        z.size(), count, distinct, [&] { return z.random(random_engine()); },
        [&] {
            std::vector<ZSetValue::Element> all;
            all.reserve(z.size());
            z.for_each([&](std::string_view m, double s) { all.push_back({m, s}); });
            return all;
        },
        [](const ZSetValue::Element& e) { return e.member; },
        [&](const ZSetValue::Element& e) { reply_random_element(ctx, e, with_scores); });
}

void zrandmember(CommandContext& ctx) {
    DbView db = ctx.db();
    if (ctx.argc() == 2) {
        const auto entry = find_zset(ctx, db);
        if (!entry) return;
        if (!*entry) return ctx.reply.null();
        return ctx.reply.bulk(zset_of(**entry).random(random_engine()).member);
    }
    const auto args = parse_random_count(ctx, "withscores");
    if (!args) return;
    const auto entry = find_zset(ctx, db);
    if (!entry) return;
    if (!*entry || args->count == 0) return ctx.reply.array(0);
    const auto wanted = random_reply_size(ctx, args->count);
    if (!wanted) return;
    reply_random_elements(ctx, zset_of(**entry), *wanted, args->count > 0, args->with_flag);
}

// ---- ZUNIONSTORE ZINTERSTORE --------------------------------------------------------------

enum class Aggregate { kSum, kMin, kMax };

void aggregate(double& target, double value, Aggregate how) {
    switch (how) {
        case Aggregate::kSum:
            target += value;
            if (std::isnan(target)) target = 0;  // inf + -inf, as Redis
            break;
        case Aggregate::kMin: target = std::min(target, value); break;
        case Aggregate::kMax: target = std::max(target, value); break;
    }
}

// A source: a sorted set, a set (every score 1), or missing (empty).
struct Source {
    const ZSetValue* zset = nullptr;
    const SetValue* set = nullptr;
    double weight = 1;
    std::size_t size() const { return zset ? zset->size() : set ? set->size() : 0; }
    std::optional<double> score(std::string_view member) const {
        if (zset) return zset->score(member);
        if (set && set->contains(member)) return 1.0;
        return std::nullopt;
    }
    template <class Visit>
    void for_each(Visit&& visit) const {
        if (zset) zset->for_each(visit);
        if (set) set->for_each([&](std::string_view m) { visit(m, 1.0); });
    }
};

void store_generic(CommandContext& ctx, bool union_op) {
    const auto numkeys = parse_int64(ctx.args[2]);
    if (!numkeys) return ctx.reply.error(kErrNotInteger);
    if (*numkeys < 1) {
        return ctx.reply.error(std::string("ERR at least 1 input key is needed for '") +
                               (union_op ? "zunionstore" : "zinterstore") + "' command");
    }
    if (static_cast<std::uint64_t>(*numkeys) > ctx.argc() - 3) return ctx.reply.error(kErrSyntax);
    const auto n = static_cast<std::size_t>(*numkeys);
    DbView db = ctx.db();
    std::vector<Source> sources(n);
    for (std::size_t i = 0; i < n; ++i) {
        Entry* e = db.find_for_write(ctx.args[3 + i]);
        if (!e) continue;
        if (e->value.is<ZSetValue>()) {
            sources[i].zset = &e->value.as<ZSetValue>();
        } else if (e->value.is<SetValue>()) {
            sources[i].set = &e->value.as<SetValue>();
        } else {
            return ctx.reply.error(kErrWrongType);
        }
    }
    Aggregate how = Aggregate::kSum;
    for (std::size_t j = 3 + n; j < ctx.argc();) {
        const std::size_t remaining = ctx.argc() - j;
        if (remaining >= n + 1 && iequals(ctx.args[j], "weights")) {
            ++j;
            for (std::size_t i = 0; i < n; ++i, ++j) {
                const auto w = parse_score(ctx.args[j]);
                if (!w) return ctx.reply.error("ERR weight value is not a float");
                sources[i].weight = *w;
            }
        } else if (remaining >= 2 && iequals(ctx.args[j], "aggregate")) {
            const std::string_view what = ctx.args[j + 1];
            if (iequals(what, "sum")) how = Aggregate::kSum;
            else if (iequals(what, "min")) how = Aggregate::kMin;
            else if (iequals(what, "max")) how = Aggregate::kMax;
            else return ctx.reply.error(kErrSyntax);
            j += 2;
        } else {
            return ctx.reply.error(kErrSyntax);
        }
    }
    // Smallest first, as Redis (the order its sums are taken in).
    std::stable_sort(sources.begin(), sources.end(),
                     [](const Source& a, const Source& b) { return a.size() < b.size(); });
    const auto weighted = [](double score, double weight) {
        const double v = score * weight;
        return std::isnan(v) ? 0.0 : v;
    };
    std::vector<std::pair<std::string, double>> result;
    if (union_op) {
        std::unordered_map<std::string, std::size_t> index;
        for (const Source& src : sources) {
            src.for_each([&](std::string_view m, double s) {
                const double v = weighted(s, src.weight);
                const auto [it, fresh] = index.try_emplace(std::string(m), result.size());
                if (fresh) {
                    result.emplace_back(it->first, v);
                } else {
                    aggregate(result[it->second].second, v, how);
                }
            });
        }
    } else if (sources.front().size() > 0) {
        sources.front().for_each([&](std::string_view m, double s) {
            double total = weighted(s, sources.front().weight);
            for (std::size_t i = 1; i < sources.size(); ++i) {
                const auto other = sources[i].score(m);
                if (!other) return;
                aggregate(total, weighted(*other, sources[i].weight), how);
            }
            result.emplace_back(std::string(m), total);
        });
    }
    const std::string_view dest = ctx.args[1];
    if (result.empty()) {
        db.erase(dest);
        return ctx.reply.integer(0);
    }
    const storage::EncodingLimits limits = encoding_limits(ctx);
    ZSetValue out;
    for (const auto& [member, score] : result) out.set(member, score, limits);
    const auto size = static_cast<std::int64_t>(out.size());
    db.set(dest, storage::Value(std::move(out)));
    ctx.reply.integer(size);
}

void zunionstore(CommandContext& ctx) { store_generic(ctx, true); }
void zinterstore(CommandContext& ctx) { store_generic(ctx, false); }

// ---- ZSCAN ---------------------------------------------------------------------------------

void zscan(CommandContext& ctx) {
    const auto cursor = parse_scan_cursor(ctx.args[2]);
    if (!cursor) return ctx.reply.error("ERR invalid cursor");
    DbView db = ctx.db();
    const auto entry = find_zset(ctx, db);
    if (!entry) return;
    if (!*entry) return reply_empty_scan(ctx);
    const auto opts = parse_element_scan_options(ctx, 3);
    if (!opts) return;
    const ZSetValue& z = zset_of(**entry);
    reply_element_scan(ctx, *cursor, *opts, 2, [&](std::uint64_t at, std::vector<std::string>& items) {
        return z.scan(at, [&](std::string_view member, double score) {
            items.emplace_back(member);
            items.push_back(protocol::format_double(score));
        });
    });
}

}  // namespace

void register_zset_commands(CommandTable& table) {
    const KeyPositions key{1, 1, 1};
    const KeyPositions store_keys{.first = 1, .last = 1, .step = 1, .numkeys_at = 2};
    constexpr std::uint32_t kWriteFast = kWrite | kDenyOom | kFast;
    constexpr std::uint32_t kRead = kReadOnly;
    constexpr std::uint32_t kReadFast = kReadOnly | kFast;
    const auto add = [&](std::string name, int arity, std::uint32_t flags, KeyPositions keys, CommandHandler handler,
                         std::string_view summary, std::string_view since, std::string_view complexity,
                         std::string_view syntax, std::string_view tips = {}) {
        table.add({.name = std::move(name), .arity = arity, .flags = flags, .keys = keys, .handler = handler,
                   .group = "sorted-set", .summary = summary, .since = since, .complexity = complexity,
                   .syntax = syntax, .tips = tips});
    };
    add("zadd", -4, kWriteFast, key, zadd,
        "Adds members to a sorted set, or updates their scores; creates the key if missing.", "1.2.0",
        "O(log(N)) for each item added, where N is the number of elements in the sorted set.",
        "key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]");
    add("zincrby", 4, kWriteFast, key, zincrby, "Adds to the score of a member of a sorted set (0 if missing).",
        "1.2.0", "O(log(N)) where N is the number of elements in the sorted set.", "key increment member");
    add("zrem", -3, kWrite | kFast, key, zrem, "Removes members of a sorted set; deletes it when none are left.",
        "1.2.0", "O(M*log(N)) with N the number of elements in the sorted set and M the number removed.",
        "key member [member ...]");
    add("zcard", 2, kReadFast, key, zcard, "Returns the number of members of a sorted set.", "1.2.0", "O(1)", "key");
    add("zscore", 3, kReadFast, key, zscore, "Returns the score of a member of a sorted set.", "1.2.0", "O(1)",
        "key member");
    add("zmscore", -3, kReadFast, key, zmscore, "Returns the scores of members of a sorted set.", "6.2.0",
        "O(N) where N is the number of members being requested.", "key member [member ...]");
    add("zrank", 3, kReadFast, key, zrank, "Returns the index of a member in a sorted set ordered by score.",
        "2.0.0", "O(log(N))", "key member");
    add("zrevrank", 3, kReadFast, key, zrevrank,
        "Returns the index of a member in a sorted set ordered by descending score.", "2.0.0", "O(log(N))",
        "key member");
    add("zcount", 4, kReadFast, key, zcount, "Counts the members of a sorted set with scores within a range.",
        "2.0.0", "O(log(N)) with N being the number of elements in the sorted set.", "key min max");
    add("zlexcount", 4, kReadFast, key, zlexcount,
        "Counts the members of a sorted set within a lexicographical range.", "2.8.9",
        "O(log(N)) with N being the number of elements in the sorted set.", "key min max");
    add("zrange", -4, kRead, key, zrange, "Returns members of a sorted set within a range of indexes, scores or lex.",
        "1.2.0",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        "key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]");
    add("zrevrange", -4, kRead, key, zrevrange, "Returns members of a sorted set within a range of indexes, in reverse.",
        "1.2.0",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        "key start stop [WITHSCORES]");
    add("zrangebyscore", -4, kRead, key, zrangebyscore, "Returns members of a sorted set within a range of scores.",
        "1.0.5",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        "key min max [WITHSCORES] [LIMIT offset count]");
    add("zrevrangebyscore", -4, kRead, key, zrevrangebyscore,
        "Returns members of a sorted set within a range of scores, in reverse.", "2.2.0",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        "key max min [WITHSCORES] [LIMIT offset count]");
    add("zrangebylex", -4, kRead, key, zrangebylex,
        "Returns members of a sorted set within a lexicographical range.", "2.8.9",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        "key min max [LIMIT offset count]");
    add("zrevrangebylex", -4, kRead, key, zrevrangebylex,
        "Returns members of a sorted set within a lexicographical range, in reverse.", "2.8.9",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.",
        "key max min [LIMIT offset count]");
    add("zremrangebyrank", 4, kWrite, key, zremrangebyrank,
        "Removes the members of a sorted set within a range of indexes.", "2.0.0",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number removed.",
        "key start stop");
    add("zremrangebyscore", 4, kWrite, key, zremrangebyscore,
        "Removes the members of a sorted set within a range of scores.", "1.2.0",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number removed.",
        "key min max");
    add("zremrangebylex", 4, kWrite, key, zremrangebylex,
        "Removes the members of a sorted set within a lexicographical range.", "2.8.9",
        "O(log(N)+M) with N being the number of elements in the sorted set and M the number removed.",
        "key min max");
    add("zpopmin", -2, kWrite | kFast, key, zpopmin, "Removes and returns the members with the lowest scores.",
        "5.0.0", "O(log(N)*M) with N being the number of elements in the sorted set, and M the number popped.",
        "key [count]");
    add("zpopmax", -2, kWrite | kFast, key, zpopmax, "Removes and returns the members with the highest scores.",
        "5.0.0", "O(log(N)*M) with N being the number of elements in the sorted set, and M the number popped.",
        "key [count]");
    add("zrandmember", -2, kRead, key, zrandmember, "Returns random members of a sorted set, optionally with scores.",
        "6.2.0", "O(N) where N is the number of members returned.", "key [count [WITHSCORES]]",
        "nondeterministic_output");
    add("zunionstore", -4, kWrite | kDenyOom, store_keys, zunionstore,
        "Stores the union of sorted sets (or sets) in a key.", "2.0.0",
        "O(N)+O(M log(M)) with N the sum of the sizes of the inputs and M the size of the result.",
        "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]");
    add("zinterstore", -4, kWrite | kDenyOom, store_keys, zinterstore,
        "Stores the intersection of sorted sets (or sets) in a key.", "2.0.0",
        "O(N*K)+O(M*log(M)) worst case with N the smallest input, K the number of inputs and M the result size.",
        "destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM|MIN|MAX]");
    add("zscan", -3, kRead, key, zscan, "Walks the members and scores of a sorted set a page at a time.", "2.8.0",
        "O(1) per call, O(N) for a complete walk.", "key cursor [MATCH pattern] [COUNT count]",
        "nondeterministic_output");
}

}  // namespace tierkv::server
