// ListObjects over the key index: UTF-8 byte order, prefix, delimiter → common prefixes,
// start-after / marker, max-keys and resuming pages, all against hand-computed expectations.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "plugins/s3/object_listing.hpp"

using namespace gh::plugins::s3;

namespace {

KeyIndex make_index(const std::vector<std::string>& keys) {
  KeyIndex index;
  for (const auto& k : keys) index.emplace(k, ObjectSummary{k.size(), "\"e\"", 0});
  return index;
}

std::vector<std::string> keys_of(const ListPage& p) {
  std::vector<std::string> out;
  for (const auto& e : p.contents) out.push_back(e.key);
  return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("listing is in UTF-8 binary order") {
  // 'B' < 'a' < '~' < U+00E9 (C3 A9) < U+20AC (E2 82 AC) as bytes.
  const auto index = make_index({"\xE2\x82\xAC", "a", "\xC3\xA9", "B", "~", "a/b", "a-b"});
  const auto page = list_index(index, ListQuery{});
  CHECK(keys_of(page) == V{"B", "a", "a-b", "a/b", "~", "\xC3\xA9", "\xE2\x82\xAC"});
  CHECK(!page.is_truncated);
}

TEST_CASE("prefix and delimiter roll keys into common prefixes") {
  const auto index =
      make_index({"photos/2006/jan/1.jpg", "photos/2006/feb/2.jpg", "photos/2006/index.html",
                  "photos/2007/x.jpg", "photos/top.jpg", "photosx", "readme.txt", "zeta/a"});
  ListQuery q;
  q.delimiter = "/";
  auto p = list_index(index, q);
  CHECK(keys_of(p) == V{"photosx", "readme.txt"});
  CHECK(p.common_prefixes == V{"photos/", "zeta/"});

  q.prefix = "photos/";
  p = list_index(index, q);
  CHECK(keys_of(p) == V{"photos/top.jpg"});
  CHECK(p.common_prefixes == V{"photos/2006/", "photos/2007/"});

  q.prefix = "photos/2006/";
  p = list_index(index, q);
  CHECK(keys_of(p) == V{"photos/2006/index.html"});
  CHECK(p.common_prefixes == V{"photos/2006/feb/", "photos/2006/jan/"});

  // A multi-character delimiter, and a prefix that is not a "directory".
  ListQuery q2;
  q2.prefix = "photos";
  q2.delimiter = "/20";
  p = list_index(index, q2);
  CHECK(p.common_prefixes == V{"photos/20"});
  CHECK(keys_of(p) == V{"photos/top.jpg", "photosx"});
}

TEST_CASE("max-keys counts keys and common prefixes; pages resume after the last returned") {
  const auto index = make_index({"a/1", "a/2", "b", "c/1", "c/2", "d", "e"});
  ListQuery q;
  q.delimiter = "/";
  q.max_keys = 2;
  std::vector<std::string> seen;
  int pages = 0;
  for (;;) {
    const auto p = list_index(index, q);
    ++pages;
    for (const auto& k : keys_of(p)) seen.push_back(k);
    for (const auto& c : p.common_prefixes) seen.push_back(c);
    if (!p.is_truncated) break;
    q.after = p.last_returned;  // what a continuation token / NextMarker carries
  }
  CHECK(pages == 3);
  std::sort(seen.begin(), seen.end());
  CHECK(seen == V{"a/", "b", "c/", "d", "e"});

  // Exactly max-keys entries left: not truncated.
  ListQuery exact;
  exact.max_keys = 7;
  CHECK(!list_index(index, exact).is_truncated);
  exact.max_keys = 6;
  const auto p6 = list_index(index, exact);
  CHECK(p6.is_truncated);
  CHECK(p6.last_returned == "d");
}

TEST_CASE("start-after inside a common prefix skips that prefix") {
  const auto index = make_index({"a/1", "a/2", "a/3", "b/1", "c"});
  ListQuery q;
  q.delimiter = "/";
  q.after = "a/1";
  auto p = list_index(index, q);
  CHECK(p.common_prefixes == V{"b/"});
  CHECK(keys_of(p) == V{"c"});
  q.after = "a";
  p = list_index(index, q);
  CHECK(p.common_prefixes == V{"a/", "b/"});
  // Without a delimiter, start-after is a plain exclusive lower bound.
  ListQuery flat;
  flat.after = "a/2";
  CHECK(keys_of(list_index(index, flat)) == V{"a/3", "b/1", "c"});
  flat.after = "zzz";
  CHECK(list_index(index, flat).contents.empty());
}

TEST_CASE("start-after before the prefix, max-keys 0, prefix successor") {
  const auto index = make_index({"a", "m/1", "m/2", "z"});
  ListQuery q;
  q.prefix = "m/";
  q.after = "b";
  CHECK(keys_of(list_index(index, q)) == V{"m/1", "m/2"});
  q.max_keys = 0;
  const auto p = list_index(index, q);
  CHECK(p.contents.empty());
  CHECK(!p.is_truncated);
  CHECK(prefix_successor("a/") == "a0");
  CHECK(prefix_successor("a\xFF") == "b");
  CHECK(prefix_successor("\xFF\xFF").empty());
}

TEST_CASE("a page over 50,000 keys touches only the page") {
  KeyIndex index;
  for (int d = 0; d < 500; ++d) {
    for (int f = 0; f < 100; ++f) {
      index.emplace("dir" + std::to_string(1000 + d) + "/f" + std::to_string(f), ObjectSummary{});
    }
  }
  ListQuery q;
  q.delimiter = "/";
  q.max_keys = 1000;
  const auto p = list_index(index, q);
  CHECK(p.common_prefixes.size() == 500);  // one seek per prefix, not 50,000 steps
  CHECK(!p.is_truncated);
  q.delimiter.clear();
  q.after = "dir1250/f5";
  const auto flat = list_index(index, q);
  CHECK(flat.contents.size() == 1000);
  CHECK(flat.contents.front().key == "dir1250/f50");
  CHECK(flat.is_truncated);
}

TEST_CASE("v2 continuation tokens round trip and resume") {
  const auto index = make_index({"a", "b", "c"});
  ListQuery q;
  q.max_keys = 1;
  q.after = v2_list_after("", std::nullopt);
  auto p = list_index(index, q);
  REQUIRE(p.is_truncated);
  const std::string token = encode_continuation_token(p.last_returned);
  const auto decoded = decode_continuation_token(token);
  REQUIRE(decoded);
  q.after = v2_list_after("a", decoded);
  p = list_index(index, q);
  CHECK(keys_of(p) == V{"b"});
  CHECK(!decode_continuation_token("!!not base64!!"));
  CHECK(!decode_continuation_token(""));
  CHECK(v2_list_after("b", std::nullopt) == "b");
}
