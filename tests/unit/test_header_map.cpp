// HeaderMap semantics, iequals/to_lower, and Request::set_target.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "gateway/core/header_map.hpp"
#include "gateway/core/request.hpp"
#include "gateway/pipeline/response_headers.hpp"
#include "gateway/util/ascii.hpp"

namespace {

using gh::core::HeaderMap;

std::vector<std::string> lines(const HeaderMap& h) {
  std::vector<std::string> out;
  for (const auto& f : h) out.push_back(f.name + ": " + f.value);
  return out;
}

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("header map: iequals and to_lower") {
  CHECK(gh::core::iequals("Content-Type", "content-type"));
  CHECK(gh::core::iequals("", ""));
  CHECK(gh::core::iequals("X-AMZ-DATE", "x-amz-date"));
  CHECK_FALSE(gh::core::iequals("Content-Type", "Content-Typ"));
  CHECK_FALSE(gh::core::iequals("a", "b"));
  CHECK_FALSE(gh::core::iequals("\xc3\xa9", "\xc3\x89"));  // ASCII only
  CHECK_FALSE(gh::core::iequals("[", "{"));                // '[' is not 'A'+26
  CHECK(gh::core::to_lower("Hello-WORLD_09 \xc3\x89") == "hello-world_09 \xc3\x89");
  CHECK(gh::core::to_lower("") == "");
}

TEST_CASE("header map: add keeps duplicates and order; lookups ignore case") {
  HeaderMap h;
  CHECK(h.empty());
  CHECK(h.size() == 0);
  h.add("Accept", "a/b");
  h.add("X-Multi", "1");
  h.add("x-multi", "2");
  h.add("Host", "example.com");
  h.add("X-MULTI", "3");
  CHECK_FALSE(h.empty());
  CHECK(h.size() == 5);
  CHECK(lines(h) ==
        Lines{"Accept: a/b", "X-Multi: 1", "x-multi: 2", "Host: example.com", "X-MULTI: 3"});
  REQUIRE(h.find("x-MuLtI") != nullptr);
  CHECK(*h.find("x-MuLtI") == "1");
  CHECK(h.find("nope") == nullptr);
  CHECK(h.contains("HOST"));
  CHECK_FALSE(h.contains("Hos"));
  CHECK(h.get("accept") == "a/b");
  CHECK(h.get("nope") == "");
  CHECK(h.get("nope", "fallback") == "fallback");
  CHECK(h.values("x-multi") == std::vector<std::string_view>{"1", "2", "3"});
  CHECK(h.values("nope").empty());
  CHECK(h.joined("X-Multi") == "1,2,3");
  CHECK(h.joined("X-Multi", ", ") == "1, 2, 3");
  CHECK(h.joined("Host") == "example.com");
  CHECK(h.joined("nope") == "");
}

TEST_CASE("header map: empty values are values") {
  HeaderMap h;
  h.add("X-Empty", "");
  h.add("x-empty", "b");
  CHECK(h.contains("x-empty"));
  REQUIRE(h.find("X-EMPTY") != nullptr);
  CHECK(*h.find("X-EMPTY") == "");
  CHECK(h.get("x-empty", "fallback") == "");
  CHECK(h.joined("x-empty") == ",b");
}

TEST_CASE("header map: set replaces every field of a name at the first one's place") {
  HeaderMap h;
  h.add("A", "1");
  h.add("X-Multi", "1");
  h.add("B", "2");
  h.add("x-multi", "2");
  h.set("X-MULTI", "new");
  // The first field keeps its position and its name as sent; the others are gone.
  CHECK(lines(h) == Lines{"A: 1", "X-Multi: new", "B: 2"});
  h.set("C", "3");  // absent: appended with the given name
  CHECK(lines(h) == Lines{"A: 1", "X-Multi: new", "B: 2", "C: 3"});
  h.set("a", "");
  CHECK(lines(h) == Lines{"A: ", "X-Multi: new", "B: 2", "C: 3"});
}

TEST_CASE("header map: erase removes every field of a name") {
  HeaderMap h;
  h.add("A", "1");
  h.add("X", "1");
  h.add("B", "2");
  h.add("x", "2");
  CHECK(h.erase("X") == 2);
  CHECK(lines(h) == Lines{"A: 1", "B: 2"});
  CHECK(h.erase("X") == 0);
  CHECK(h.erase("nope") == 0);
  CHECK(h.erase("a") == 1);
  CHECK(lines(h) == Lines{"B: 2"});
  h.clear();
  CHECK(h.empty());
  h.reserve(10);
  CHECK(h.empty());
}

TEST_CASE("request: set_target splits path and query") {
  struct Case {
    const char* target;
    const char* path;
    const char* query;
  };
  const Case cases[] = {
      {"/dev/pets/1?a=1&b=2", "/dev/pets/1", "a=1&b=2"},
      {"/", "/", ""},
      {"", "/", ""},
      {"/p?", "/p", ""},
      {"/p??x", "/p", "?x"},
      {"/p#frag", "/p", ""},
      {"/p?q=1#frag", "/p", "q=1"},
      {"/p#frag?notquery", "/p", ""},
      {"/a%20b/%2F?x=%20", "/a%20b/%2F", "x=%20"},  // raw, never decoded
      {"//double//slash/", "//double//slash/", ""},
      {"http://example.com:8080/x/y?z=1", "/x/y", "z=1"},
      {"https://example.com/", "/", ""},
      {"http://example.com", "/", ""},
      {"*", "/*", ""},
      {"pets?x", "/pets", "x"},
      {"?only", "/", "only"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.target);
    gh::core::Request r;
    r.query = "stale";
    r.set_target(c.target);
    CHECK(r.target == c.target);
    CHECK(r.path == c.path);
    CHECK(r.query == c.query);
  }
}

TEST_CASE("hop-by-hop: the nine names in any case, nothing else") {
  using gh::pipeline::is_hop_by_hop;
  for (const char* name : {"Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
                           "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length"}) {
    CHECK_MESSAGE(is_hop_by_hop(name), name);
    CHECK_MESSAGE(is_hop_by_hop(gh::core::to_lower(name)), name);
  }
  CHECK(is_hop_by_hop("CONNECTION"));
  CHECK(is_hop_by_hop("keep-ALIVE"));
  for (const char* name : {"", "T", "TE2", "Date", "Server", "Content-Type", "Connectio",
                           "Connections", "Keep-Alivf", "Trailers", "Upgrades", "Content-Lengt",
                           "Proxy-Connectio", "Transfer-Encodings", "Proxy-Authorization"}) {
    CHECK_FALSE_MESSAGE(is_hop_by_hop(name), name);
  }
}

TEST_CASE("iequals_ascii: word-at-a-time agrees with the byte rule for every pair of bytes") {
  using gh::util::ascii_lower;
  using gh::util::iequals_ascii;
  // One byte differs, at the start, middle and end of names that take each path (8-byte
  // words, a 4-byte step, single bytes).
  for (std::size_t length : {1u, 3u, 4u, 5u, 8u, 11u, 12u, 16u, 19u}) {
    for (std::size_t at : {std::size_t{0}, length / 2, length - 1}) {
      std::string a(length, 'k');
      std::string b(length, 'K');
      for (int c = 0; c < 256; ++c) {
        for (int d = 0; d < 256; ++d) {
          a[at] = static_cast<char>(c);
          b[at] = static_cast<char>(d);
          const bool expected = ascii_lower(a[at]) == ascii_lower(b[at]);
          if (iequals_ascii(a, b) != expected) {
            FAIL("length " << length << " at " << at << ": " << c << " vs " << d);
          }
        }
      }
    }
  }
  CHECK(iequals_ascii("Content-Length", "content-LENGTH"));
  CHECK_FALSE(iequals_ascii("Content-Length", "Content_Length"));
  CHECK_FALSE(iequals_ascii("x-amzn-requestid", "x-amzn-requestie"));
  CHECK(iequals_ascii("", ""));
  static_assert(iequals_ascii("User-Agent", "user-agent"));
}
