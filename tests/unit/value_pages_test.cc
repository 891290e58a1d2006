// storage/value_pages: large values' ranges in one memfd. Ranges are
// page-aligned and sized in powers of two, and a freed range is reused by
// the next value of its size: with its pages when it was never sent, with
// fresh ones (it reads as zeros) when it went to a socket by sendfile, which
// is what keeps bytes a socket still holds from changing.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include <sys/sendfile.h>
#include <unistd.h>

#include "storage/value_pages.h"

using tierkv::storage::ValuePages;

namespace {

ValuePages& pages() {
    ValuePages* p = ValuePages::instance();
    REQUIRE(p);  // memfd and a 256 GiB MAP_NORESERVE mapping: every Linux this runs on has them
    return *p;
}

}  // namespace

TEST_CASE("value pages: ranges are page-aligned, counted in pages, and reused by size", "[value_pages]") {
    ValuePages& p = pages();
    p.trim();
    const std::uint64_t before = p.bytes_in_use();
    char* a = p.allocate(100000);
    char* b = p.allocate(16 * 1024);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(*p.offset_of(a) % ValuePages::kPage == 0);
    CHECK(*p.offset_of(b) % ValuePages::kPage == 0);
    CHECK(p.bytes_in_use() - before == ValuePages::pages_for(100000) + 16 * 1024);
    CHECK(ValuePages::pages_for(100000) == 25 * 4096);
    std::memset(a, 'a', 100000);
    std::memset(b, 'b', 16 * 1024);

    // A range never sent keeps its pages for the next value of its range
    // size (128 KiB): no page faults, the old bytes still there.
    p.release(a, 100000, false);
    CHECK(p.bytes_in_use() - before == 16 * 1024);
    CHECK(p.bytes_retained() == ValuePages::pages_for(100000));
    char* c = p.allocate(120000);
    CHECK(c == a);
    CHECK(p.bytes_retained() == 0);
    CHECK(std::string(c, 100000) == std::string(100000, 'a'));

    // A range that was sent is punched out: reused, it reads as zeros.
    p.release(c, 120000, true);
    CHECK(p.bytes_retained() == 0);
    char* d = p.allocate(110000);
    CHECK(d == a);
    CHECK(std::string(d, 110000) == std::string(110000, '\0'));

    // Kept pages beyond a smaller value's are punched out when it takes the range.
    std::memset(d, 'd', 110000);
    p.release(d, 110000, false);
    char* e = p.allocate(70000);
    CHECK(e == a);
    CHECK(p.bytes_retained() == 0);
    CHECK(p.bytes_in_use() - before == ValuePages::pages_for(70000) + 16 * 1024);
    p.release(e, 70000, false);
    p.release(b, 16 * 1024, false);
    CHECK(p.bytes_in_use() == before);
    p.trim();
    CHECK(p.bytes_retained() == 0);

    const std::string outside(10, 'x');
    CHECK_FALSE(p.offset_of(outside.data()));
}

TEST_CASE("value pages: bytes handed to a pipe by sendfile stay as they were after the range is freed and reused",
          "[value_pages]") {
    // What a socket does with a reply's pages, with a pipe (whose buffer
    // holds page references the same way) and no network.
    ValuePages& p = pages();
    constexpr std::size_t kSize = 64 * 1024;  // a pipe's default capacity
    char* value = p.allocate(kSize);
    REQUIRE(value);
    std::memset(value, 'o', kSize);
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    auto offset = static_cast<off_t>(*p.offset_of(value));
    REQUIRE(sendfile(fds[1], p.fd(), &offset, kSize) == static_cast<ssize_t>(kSize));
    p.release(value, kSize, true);
    char* reused = p.allocate(kSize);
    REQUIRE(reused == value);
    std::memset(reused, 'n', kSize);

    std::string got(kSize, '\0');
    std::size_t read_so_far = 0;
    while (read_so_far < kSize) {
        const ssize_t n = read(fds[0], got.data() + read_so_far, kSize - read_so_far);
        REQUIRE(n > 0);
        read_so_far += static_cast<std::size_t>(n);
    }
    CHECK(got == std::string(kSize, 'o'));
    close(fds[0]);
    close(fds[1]);
    p.release(reused, kSize, false);
}

TEST_CASE("value pages: sizes beyond the largest range are refused", "[value_pages]") {
    CHECK(pages().allocate(std::size_t{2} << 30) == nullptr);  // 2 GiB: the caller falls back to malloc
}

TEST_CASE("value pages: freed ranges keep at most kRetainMax bytes of pages", "[value_pages]") {
    ValuePages& p = pages();
    p.trim();
    constexpr std::size_t kSize = 4 * 1024 * 1024;
    std::vector<char*> values;
    for (int i = 0; i < 20; ++i) {
        values.push_back(p.allocate(kSize));
        REQUIRE(values.back());
        values.back()[0] = 'x';  // a page of each, to punch or keep
    }
    for (char* v : values) p.release(v, kSize, false);
    CHECK(p.bytes_retained() == ValuePages::kRetainMax);  // 16 of the 20 kept their pages
    p.trim();  // MEMORY PURGE
    CHECK(p.bytes_retained() == 0);
    // Trimmed ranges come back with fresh pages.
    char* again = p.allocate(kSize);
    CHECK(again[0] == '\0');
    p.release(again, kSize, false);
    p.trim();
}
