// Writes replies in RESP2 or RESP3, choosing for each reply kind the bytes
// Redis 7 sends for that protocol (a map is a flat array in RESP2, a null is
// "$-1" in RESP2 and "_" in RESP3, ...). No I/O: it appends to a buffer the
// connection owns and flushes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tierkv::protocol {

// A large bulk's bytes that a reply references instead of copying: they go
// to the socket from where they are (scatter-gather I/O) at `offset` of the
// reply bytes, and `owner` keeps them alive until then.
struct ReplyRef {
    std::size_t offset;
    std::string_view bytes;
    std::shared_ptr<const void> owner;
};

class ReplyBuilder {
public:
    explicit ReplyBuilder(std::string& out, int resp_version = 2) : out_(&out), resp_(resp_version) {}

    int resp_version() const { return resp_; }
    void set_resp_version(int version) { resp_ = version; }
    bool resp3() const { return resp_ >= 3; }

    void simple(std::string_view text);     // +OK
    void ok() { simple("OK"); }
    // `message` starts with the error code, e.g. "ERR syntax error" or
    // "WRONGTYPE Operation against ...". Newlines are replaced by spaces.
    void error(std::string_view message);
    void integer(std::int64_t value);       // :42
    void bulk(std::string_view data);       // $3\r\nabc
    // bulk(), but referencing `data` instead of copying it when the builder
    // collects references (see collect_refs); `owner` keeps it alive.
    void bulk_ref(std::string_view data, std::shared_ptr<const void> owner);
    void null();                            // missing value: $-1 / _
    void null_array();                      // missing aggregate: *-1 / _
    void array(std::size_t count);          // header; the elements follow
    void map(std::size_t pairs);            // RESP3 %N, RESP2 *2N
    void set(std::size_t count);            // RESP3 ~N, RESP2 *N
    void push(std::size_t count);           // RESP3 >N, RESP2 *N
    void boolean(bool value);               // RESP3 #t, RESP2 :1
    void double_value(double value);        // RESP3 ,1.5 RESP2 bulk, "%.17g" as Redis 7.0
    void verbatim(std::string_view text, std::string_view format = "txt");  // RESP3 =, RESP2 bulk
    void raw(std::string_view bytes) { out_->append(bytes); }

    // Convenience for the common "array of bulk strings" reply.
    template <class Range>
    void bulk_array(const Range& items) {
        array(std::size(items));
        for (const auto& item : items) bulk(item);
    }

    std::string& buffer() { return *out_; }
    void retarget(std::string& out) { out_ = &out; }

    // Where bulk_ref() records its references; null (the default): it copies.
    void collect_refs(std::vector<ReplyRef>* refs) { refs_ = refs; }
    bool collects_refs() const { return refs_ != nullptr; }
    // Drops the reply bytes, and the references among them, from `size` on.
    void truncate(std::size_t size);

private:
    void header(char type, std::int64_t count);

    std::string* out_;
    int resp_;
    std::vector<ReplyRef>* refs_ = nullptr;
};

// Formats a double the way Redis 7.0 replies it ("%.17g", "inf", "-inf").
std::string format_double(double value);

}  // namespace tierkv::protocol
