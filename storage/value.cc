#include "storage/value.h"

#include <cctype>

#include "storage/memory.h"
#include "storage/types/canonical_int.h"

namespace tierkv::storage {

static_assert(sizeof(Value) <= 40, "a Value is a string's size: table entries depend on it");

Value::Value(const Value& other) : type_(ValueType::kString) {
    new (&rep_.str) std::string();
    copy_from(other);
}

Value::Value(Value&& other) noexcept : type_(ValueType::kString) {
    new (&rep_.str) std::string();
    move_from(other);
}

Value& Value::operator=(const Value& other) {
    if (this != &other) copy_from(other);
    return *this;
}

Value& Value::operator=(Value&& other) noexcept {
    if (this != &other) move_from(other);
    return *this;
}

Value Value::share_string(const SharedString& bytes) {
    Value v;
    v.rep_.str.~basic_string();
    new (&v.rep_.shared) SharedString(bytes);
    v.shared_ = true;
    return v;
}

std::string& Value::mutable_str() {
    if (shared_) {
        std::string bytes(rep_.shared.view());
        rep_.shared.~SharedString();
        new (&rep_.str) std::string(std::move(bytes));
        shared_ = false;
    }
    return rep_.str;
}

void Value::destroy() {
    switch (type_) {
        case ValueType::kString:
            if (shared_) {
                rep_.shared.~SharedString();
            } else {
                rep_.str.~basic_string();
            }
            break;
        case ValueType::kList: delete rep_.list; break;
        case ValueType::kSet: delete rep_.set; break;
        case ValueType::kHash: delete rep_.hash; break;
        case ValueType::kZSet: delete rep_.zset; break;
    }
}

void Value::copy_from(const Value& other) {
    Value copy;  // built first: a failed copy leaves this value as it was
    switch (other.type_) {
        case ValueType::kString:
            // COPY shares a large string; the first change in place copies it.
            if (other.shared_) {
                copy = share_string(other.rep_.shared);
            } else {
                copy.rep_.str = other.rep_.str;
            }
            break;
        case ValueType::kList: copy = Value(*other.rep_.list); break;
        case ValueType::kSet: copy = Value(*other.rep_.set); break;
        case ValueType::kHash: copy = Value(*other.rep_.hash); break;
        case ValueType::kZSet: copy = Value(*other.rep_.zset); break;
    }
    copy.modified_in_place_ = other.modified_in_place_;
    move_from(copy);
}

void Value::move_from(Value& other) noexcept {
    destroy();
    type_ = other.type_;
    shared_ = other.shared_;
    modified_in_place_ = other.modified_in_place_;
    switch (type_) {
        case ValueType::kString:
            if (shared_) {
                new (&rep_.shared) SharedString(std::move(other.rep_.shared));
            } else {
                new (&rep_.str) std::string(std::move(other.rep_.str));
            }
            break;
        case ValueType::kList: rep_.list = other.rep_.list; break;
        case ValueType::kSet: rep_.set = other.rep_.set; break;
        case ValueType::kHash: rep_.hash = other.rep_.hash; break;
        case ValueType::kZSet: rep_.zset = other.rep_.zset; break;
    }
    if (type_ != ValueType::kString || shared_) {
        // The collection or shared string now belongs to this value; `other`
        // is left an empty string.
        if (shared_) other.rep_.shared.~SharedString();
        other.type_ = ValueType::kString;
        other.shared_ = false;
        new (&other.rep_.str) std::string();
    }
    other.modified_in_place_ = false;
}

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

std::string_view string_encoding(const Value& s) {
    constexpr std::size_t kEmbstrMax = 44;  // Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT
    if (s.modified_in_place()) return "raw";
    if (canonical_int64(s.str())) return "int";
    return s.str().size() <= kEmbstrMax ? "embstr" : "raw";
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
        case ValueType::kString: return string_encoding(value);
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
        case ValueType::kString:
            if (value.shared_) {
                return allocation_size(SharedString::block_size()) + allocation_size(value.rep_.shared.size());
            }
            return string_heap_bytes(value.rep_.str);
        // A collection also owns the block that holds its object.
        case ValueType::kList: return allocation_size(sizeof(ListValue)) + value.as<ListValue>().heap_bytes();
        case ValueType::kSet: return allocation_size(sizeof(SetValue)) + value.as<SetValue>().heap_bytes();
        case ValueType::kHash: return allocation_size(sizeof(HashValue)) + value.as<HashValue>().heap_bytes();
        case ValueType::kZSet: return allocation_size(sizeof(ZSetValue)) + value.as<ZSetValue>().heap_bytes();
    }
    return 0;
}

}  // namespace tierkv::storage
