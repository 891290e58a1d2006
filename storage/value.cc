#include "storage/value.h"

#include <cctype>
#include <memory>

#include "storage/memory.h"
#include "storage/sized_bytes.h"
#include "storage/types/canonical_int.h"

namespace tierkv::storage {

static_assert(sizeof(SharedString) <= sizeof(void*) && alignof(SharedString) <= 8,
              "a SharedString is held in the Value's word");

Value::Value(const Value& other) : Value() {
    switch (other.type_) {
        case ValueType::kString:
            // COPY shares a large string; the first change in place copies it.
            if (const SharedString* bytes = other.shared_string()) {
                *this = share_string(*bytes);
            } else {
                *this = string(other.str());
            }
            break;
        case ValueType::kList: *this = Value(other.as<ListValue>()); break;
        case ValueType::kSet: *this = Value(other.as<SetValue>()); break;
        case ValueType::kHash: *this = Value(other.as<HashValue>()); break;
        case ValueType::kZSet: *this = Value(other.as<ZSetValue>()); break;
    }
    modified_in_place_ = other.modified_in_place_;
}

Value::Value(Value&& other) noexcept : Value() { move_from(other); }

Value& Value::operator=(const Value& other) {
    if (this != &other) {
        Value copy(other);  // built first: a failed copy leaves this value as it was
        move_from(copy);
    }
    return *this;
}

Value& Value::operator=(Value&& other) noexcept {
    if (this != &other) move_from(other);
    return *this;
}

Value Value::string(std::string_view bytes) {
    if (bytes.size() >= kSharedStringMin) return share_string(SharedString(bytes));
    Value v;
    if (bytes.size() <= kInlineMax) {
        if (!bytes.empty()) std::memcpy(v.word_, bytes.data(), bytes.size());
        v.word_[kInlineMax] = static_cast<unsigned char>(bytes.size());
        return v;
    }
    char* block = static_cast<char*>(::operator new(sized_bytes::footprint(bytes.size())));
    sized_bytes::write(block, bytes);
    v.set_pointer(block);
    v.rep_ = StringRep::kExact;
    return v;
}

Value Value::share_string(const SharedString& bytes) {
    Value v;
    new (v.word_) SharedString(bytes);
    v.rep_ = StringRep::kShared;
    return v;
}

void Value::embed_in_node(const char* sized, bool modified_in_place) noexcept {
    destroy();
    reset_to_empty();
    set_pointer(sized);
    rep_ = StringRep::kEmbedded;
    modified_in_place_ = modified_in_place;
}

std::string_view Value::str() const {
    switch (rep_) {
        case StringRep::kInline: return {reinterpret_cast<const char*>(word_), word_[kInlineMax]};
        case StringRep::kExact:
        case StringRep::kEmbedded: return sized_bytes::read(pointer<const char*>());
        case StringRep::kShared: return shared()->view();
        case StringRep::kGrowable: return *pointer<std::string*>();
    }
    return {};
}

std::string& Value::mutable_str() {
    if (rep_ != StringRep::kGrowable) {
        auto grown = std::make_unique<std::string>(str());
        const bool modified = modified_in_place_;
        destroy();
        reset_to_empty();
        set_pointer(grown.release());
        rep_ = StringRep::kGrowable;
        modified_in_place_ = modified;
    }
    return *pointer<std::string*>();
}

void Value::destroy() noexcept {
    switch (type_) {
        case ValueType::kString:
            switch (rep_) {
                case StringRep::kInline:
                case StringRep::kEmbedded: break;  // nothing of its own on the heap
                case StringRep::kExact: ::operator delete(pointer<char*>()); break;
                case StringRep::kShared: shared()->~SharedString(); break;
                case StringRep::kGrowable: delete pointer<std::string*>(); break;
            }
            break;
        case ValueType::kList: delete pointer<ListValue*>(); break;
        case ValueType::kSet: delete pointer<SetValue*>(); break;
        case ValueType::kHash: in_place_hash()->~HashValue(); break;
        case ValueType::kZSet: delete pointer<ZSetValue*>(); break;
    }
}

void Value::reset_to_empty() noexcept {
    std::memset(word_, 0, sizeof(word_));
    type_ = ValueType::kString;
    rep_ = StringRep::kInline;
    modified_in_place_ = false;
}

void Value::move_from(Value& other) noexcept {
    destroy();
    if (other.is_string_rep(StringRep::kEmbedded)) {
        // The bytes belong to the node: take a copy of them instead.
        Value copy = string(other.str());
        copy.modified_in_place_ = other.modified_in_place_;
        other = std::move(copy);
    }
    // Everything else moves by its bytes: a SharedString or a HashValue is
    // one pointer and does not care where it lives.
    std::memcpy(word_, other.word_, sizeof(word_));
    type_ = other.type_;
    rep_ = other.rep_;
    modified_in_place_ = other.modified_in_place_;
    other.reset_to_empty();
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
            switch (value.rep_) {
                case Value::StringRep::kInline:
                case Value::StringRep::kEmbedded: return 0;  // counted with whatever holds the value
                case Value::StringRep::kExact: return allocation_size(sized_bytes::footprint(value.str().size()));
                case Value::StringRep::kShared:
                    return allocation_size(SharedString::block_size()) + value.shared()->bytes_held();
                case Value::StringRep::kGrowable:
                    return allocation_size(sizeof(std::string)) + string_heap_bytes(*value.pointer<std::string*>());
            }
            return 0;
        // A list, set or sorted set also owns the block that holds its object.
        case ValueType::kList: return allocation_size(sizeof(ListValue)) + value.as<ListValue>().heap_bytes();
        case ValueType::kSet: return allocation_size(sizeof(SetValue)) + value.as<SetValue>().heap_bytes();
        case ValueType::kHash: return value.as<HashValue>().heap_bytes();  // held in the Value itself
        case ValueType::kZSet: return allocation_size(sizeof(ZSetValue)) + value.as<ZSetValue>().heap_bytes();
    }
    return 0;
}

}  // namespace tierkv::storage
