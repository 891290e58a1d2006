#include "storage/value.h"

#include <cctype>

#include "storage/memory.h"
#include "storage/types/canonical_int.h"

namespace tierkv::storage {

static_assert(std::is_same_v<std::variant_alternative_t<static_cast<std::size_t>(ValueType::kZSet), Value::Payload>,
                             ZSetValue>,
              "ValueType and Value::Payload must list the types in the same order");

std::string_view type_name(ValueType type) {
    switch (type) {
        case ValueType::kString: return "string";
        case ValueType::kList: return "list";
        case ValueType::kSet: return "set";
        case ValueType::kHash: return "hash";
        case ValueType::kZSet: return "zset";
    }
    return "none";
}

std::optional<ValueType> type_from_name(std::string_view name) {
    for (ValueType type : {ValueType::kString, ValueType::kList, ValueType::kSet, ValueType::kHash, ValueType::kZSet}) {
        const std::string_view known = type_name(type);
        if (known.size() != name.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < name.size() && same; ++i) {
            same = std::tolower(static_cast<unsigned char>(name[i])) == known[i];
        }
        if (same) return type;
    }
    return std::nullopt;
}

namespace {

std::string_view string_encoding(const StringValue& s) {
    constexpr std::size_t kEmbstrMax = 44;  // Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT
    if (s.modified_in_place) return "raw";
    if (canonical_int64(s.data)) return "int";
    return s.data.size() <= kEmbstrMax ? "embstr" : "raw";
}

std::string_view set_encoding(const SetValue& set) {
    switch (set.encoding()) {
        case SetValue::Encoding::kIntset: return "intset";
        case SetValue::Encoding::kListpack: return "listpack";
        case SetValue::Encoding::kHashtable: return "hashtable";
    }
    return "unknown";
}

}  // namespace

std::string_view encoding_name(const Value& value) {
    switch (value.type()) {
        case ValueType::kString: return string_encoding(value.as<StringValue>());
        case ValueType::kList: return "quicklist";
        case ValueType::kSet: return set_encoding(value.as<SetValue>());
        case ValueType::kHash:
            return value.as<HashValue>().encoding() == HashValue::Encoding::kListpack ? "listpack" : "hashtable";
        case ValueType::kZSet:
            return value.as<ZSetValue>().encoding() == ZSetValue::Encoding::kListpack ? "listpack" : "skiplist";
    }
    return "unknown";
}

std::size_t free_effort(const Value& value) {
    switch (value.type()) {
        case ValueType::kString: return 1;
        case ValueType::kList: return value.as<ListValue>().chunk_count();
        case ValueType::kSet: {
            const SetValue& set = value.as<SetValue>();
            return set.encoding() == SetValue::Encoding::kHashtable ? set.size() : 1;
        }
        case ValueType::kHash: {
            const HashValue& hash = value.as<HashValue>();
            return hash.encoding() == HashValue::Encoding::kHashtable ? hash.size() : 1;
        }
        case ValueType::kZSet: {
            const ZSetValue& zset = value.as<ZSetValue>();
            return zset.encoding() == ZSetValue::Encoding::kSkiplist ? zset.size() : 1;
        }
    }
    return 1;
}

std::size_t value_heap_bytes(const Value& value) {
    switch (value.type()) {
        case ValueType::kString: return string_heap_bytes(value.str());
        case ValueType::kList: return value.as<ListValue>().heap_bytes();
        case ValueType::kSet: return value.as<SetValue>().heap_bytes();
        case ValueType::kHash: return value.as<HashValue>().heap_bytes();
        case ValueType::kZSet: return value.as<ZSetValue>().heap_bytes();
    }
    return 0;
}

}  // namespace tierkv::storage
