// util/encoding: hex, base64, percent-encoding, JSON escaping; util/ids; util/time_format.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <regex>
#include <set>
#include <string>
#include <string_view>

#include "gateway/util/crc.hpp"
#include "gateway/util/encoding.hpp"
#include "gateway/util/ids.hpp"
#include "gateway/util/time_format.hpp"

using namespace std::string_literals;

TEST_CASE("encoding: hex_lower") {
  CHECK(gh::util::hex_lower("") == "");
  CHECK(gh::util::hex_lower("\x00\xff\x10\x0a"s) == "00ff100a");
  CHECK(gh::util::hex_lower("abc") == "616263");
}

TEST_CASE("encoding: base64 (RFC 4648 vectors)") {
  struct Case {
    const char* plain;
    const char* encoded;
  };
  const Case cases[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.plain);
    CHECK(gh::util::base64_encode(c.plain) == c.encoded);
    CHECK(gh::util::base64_decode(c.encoded) == std::string(c.plain));
  }
  // Both alphabet ends: '+' and '/'.
  CHECK(gh::util::base64_encode("\xfb\xff\xbf"s) == "+/+/");
  CHECK(gh::util::base64_decode("+/+/") == "\xfb\xff\xbf"s);
}

TEST_CASE("encoding: base64 round-trips every byte and every length") {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t n = 0; n <= all.size(); n += 1) {
    std::string bytes = all.substr(all.size() - n);
    std::string encoded = gh::util::base64_encode(bytes);
    CHECK(encoded.size() == (n + 2) / 3 * 4);
    auto decoded = gh::util::base64_decode(encoded);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == bytes);
  }
}

TEST_CASE("encoding: invalid base64 is rejected") {
  for (const char* bad : {"Zg=", "Zg", "Z", "Zg=a", "Z===", "====", "Zm9vYg==Zm9v", "Zm-_",
                          "Zm9v\n", "Zm 9", "Zm9v====", "Zg==Zg==", "=Zg="}) {
    CAPTURE(bad);
    CHECK_FALSE(gh::util::base64_decode(bad).has_value());
  }
}

TEST_CASE("encoding: percent_decode") {
  struct Case {
    std::string text;
    bool plus;
    std::string decoded;
  };
  const Case cases[] = {
      {"", false, ""},
      {"plain", false, "plain"},
      {"a%20b", false, "a b"},
      {"%41%42", false, "AB"},
      {"%4a%4A", false, "JJ"},  // either case of hex digit
      {"%E2%82%AC", false, "\xe2\x82\xac"},
      {"%00", false, "\0"s},
      {"%2F", false, "/"},
      // Invalid escapes are kept as written.
      {"%", false, "%"},
      {"%4", false, "%4"},
      {"a%4", false, "a%4"},
      {"%zz", false, "%zz"},
      {"%g1", false, "%g1"},
      {"100%", false, "100%"},
      {"%%41", false, "%A"},
      {"%2", false, "%2"},
      // '+' is a space only in query strings.
      {"a+b", false, "a+b"},
      {"a+b", true, "a b"},
      {"%2B", true, "+"},
      {"a%20b+c", true, "a b c"},
      {"+%", true, " %"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CAPTURE(c.plus);
    CHECK(gh::util::percent_decode(c.text, c.plus) == c.decoded);
  }
}

TEST_CASE("encoding: percent_encode (AWS UriEncode)") {
  struct Case {
    std::string text;
    bool keep_slash;
    const char* encoded;
  };
  const Case cases[] = {
      {"", false, ""},
      {"AZaz09-_.~", false, "AZaz09-_.~"},
      {"a b/c~d", false, "a%20b%2Fc~d"},
      {"a b/c~d", true, "a%20b/c~d"},
      {"+*=&?#%", false, "%2B%2A%3D%26%3F%23%25"},
      {"\xe2\x82\xac", false, "%E2%82%AC"},
      {"\0\x7f\xff"s, false, "%00%7F%FF"},
      {"//", true, "//"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(gh::util::percent_encode(c.text, c.keep_slash) == c.encoded);
    CHECK(gh::util::percent_decode(gh::util::percent_encode(c.text, c.keep_slash)) == c.text);
  }
}

TEST_CASE("encoding: JSON escaping") {
  struct Case {
    std::string text;
    const char* escaped;
  };
  const Case cases[] = {
      {"", ""},
      {"plain / text", "plain / text"},
      {"\"", "\\\""},
      {"\\", "\\\\"},
      {"\b\f\n\r\t", "\\b\\f\\n\\r\\t"},
      {"\x01", "\\u0001"},
      {"\x1f", "\\u001f"},
      {"\x0b", "\\u000b"},
      {"\0"s, "\\u0000"},
      {"\x20\x7f", " \x7f"},
      {"caf\xc3\xa9 \xe2\x82\xac", "caf\xc3\xa9 \xe2\x82\xac"},  // UTF-8 passes through
      {"</script>", "</script>"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    std::string out = "x";
    gh::util::append_json_escaped(out, c.text);
    CHECK(out == std::string("x") + c.escaped);
    CHECK(gh::util::json_quote(c.text) == std::string("\"") + c.escaped + "\"");
  }
  // Every control character is escaped: no raw byte below 0x20 survives.
  std::string controls;
  for (int i = 0; i < 0x20; ++i) controls.push_back(static_cast<char>(i));
  std::string escaped = gh::util::json_quote(controls);
  for (char ch : escaped) CHECK(static_cast<unsigned char>(ch) >= 0x20);
  CHECK(escaped.size() == 2 + 5 * 2 + 27 * 6);  // \b \t \n \f \r, and 27 \u00XX
}

TEST_CASE("ids: uuid v4") {
  const std::regex shape("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = gh::util::uuid_v4();
    REQUIRE(std::regex_match(id, shape));
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("ids: short request ids are 15 URL-safe base64 characters and '='") {
  // 11 random bytes = 88 bits; the 15th character carries 4 bits and two zero bits.
  const std::regex shape("^[A-Za-z0-9_-]{14}[AEIMQUYcgkosw048]=$");
  std::set<std::string> seen;
  bool dash = false;
  bool underscore = false;
  for (int i = 0; i < 2000; ++i) {
    std::string id = gh::util::short_request_id();
    REQUIRE(id.size() == 16);
    REQUIRE(std::regex_match(id, shape));
    dash = dash || id.find('-') != std::string::npos;
    underscore = underscore || id.find('_') != std::string::npos;
    seen.insert(id);
  }
  CHECK(seen.size() == 2000);
  // 30,000 characters: each URL-safe replacement shows up (and '+' '/' never do, per the regex).
  CHECK(dash);
  CHECK(underscore);
}

TEST_CASE("ids: trace ids") {
  const std::regex shape("^Root=1-([0-9a-f]{8})-[0-9a-f]{24}$");
  auto before = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::string id = gh::util::trace_id();
  auto after = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  std::smatch m;
  REQUIRE(std::regex_match(id, m, shape));
  long long epoch = std::stoll(m[1].str(), nullptr, 16);
  CHECK(epoch >= before);
  CHECK(epoch <= after);
  CHECK(gh::util::trace_id() != id);
}

TEST_CASE("ids: random_bytes fills exactly n bytes") {
  unsigned char buf[40];
  for (std::size_t n : {0u, 1u, 7u, 8u, 9u, 17u, 32u}) {
    CAPTURE(n);
    std::fill(std::begin(buf), std::end(buf), 0xAA);
    gh::util::random_bytes(buf, n);
    for (std::size_t i = n; i < sizeof buf; ++i) CHECK(buf[i] == 0xAA);
  }
  unsigned char a[32] = {};
  unsigned char b[32] = {};
  gh::util::random_bytes(a, sizeof a);
  gh::util::random_bytes(b, sizeof b);
  CHECK(std::memcmp(a, b, sizeof a) != 0);
}

TEST_CASE("time formats for fixed instants") {
  using std::chrono::milliseconds;
  using std::chrono::system_clock;
  struct Case {
    long long epoch_ms;
    const char* clf;
    const char* http;
    const char* iso;
  };
  const Case cases[] = {
      {0, "01/Jan/1970:00:00:00 +0000", "Thu, 01 Jan 1970 00:00:00 GMT",
       "1970-01-01T00:00:00.000Z"},
      {1583798639123LL, "10/Mar/2020:00:03:59 +0000", "Tue, 10 Mar 2020 00:03:59 GMT",
       "2020-03-10T00:03:59.123Z"},
      {1709251199999LL, "29/Feb/2024:23:59:59 +0000", "Thu, 29 Feb 2024 23:59:59 GMT",
       "2024-02-29T23:59:59.999Z"},
      {1704067200001LL, "01/Jan/2024:00:00:00 +0000", "Mon, 01 Jan 2024 00:00:00 GMT",
       "2024-01-01T00:00:00.001Z"},
      {4102444799000LL, "31/Dec/2099:23:59:59 +0000", "Thu, 31 Dec 2099 23:59:59 GMT",
       "2099-12-31T23:59:59.000Z"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.epoch_ms);
    system_clock::time_point t{milliseconds(c.epoch_ms)};
    CHECK(gh::util::clf_time(t) == c.clf);
    CHECK(gh::util::http_date(t) == c.http);
    CHECK(gh::util::iso8601_millis(t) == c.iso);
    CHECK(gh::util::epoch_millis(t) == c.epoch_ms);
  }
}

TEST_CASE("time formats: http_date_now is the current second") {
  const std::regex shape(
      "^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-3][0-9] "
      "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-2][0-9]:[0-5][0-9]:[0-6][0-9] "
      "GMT$");
  auto before = std::chrono::system_clock::now();
  std::string now(gh::util::http_date_now());
  auto after = std::chrono::system_clock::now();
  CHECK(std::regex_match(now, shape));
  CHECK((now == gh::util::http_date(before) || now == gh::util::http_date(after)));
}

TEST_CASE("crc: CRC-32 and CRC-32C check values, incremental, every length around the fast path") {
  using gh::util::crc32_update;
  using gh::util::crc32c_update;
  CHECK(crc32_update(0, "") == 0u);
  CHECK(crc32_update(0, "123456789") == 0xCBF43926u);
  CHECK(crc32c_update(0, "123456789") == 0xE3069283u);
  CHECK(crc32_update(0, "The quick brown fox jumps over the lazy dog") == 0x414FA339u);
  // Incremental equals one shot, across the 8-byte fast path, for every split point.
  const std::string text = "The quick brown fox jumps over the lazy dog";
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    std::string_view all(text), a = all.substr(0, cut), b = all.substr(cut);
    CHECK(crc32_update(crc32_update(0, a), b) == 0x414FA339u);
    CHECK(crc32c_update(crc32c_update(0, a), b) == crc32c_update(0, all));
  }
}

TEST_CASE("encoding: percent_decode_strict refuses a '%' that starts no escape") {
  CHECK(gh::util::percent_decode_strict("") == "");
  CHECK(gh::util::percent_decode_strict("a%20b%2F%e2%82%AC+") == "a b/\xe2\x82\xac+");
  CHECK(gh::util::percent_decode_strict("%2525") == "%25");  // one pass only
  for (const char* bad : {"%", "%4", "a%4", "%zz", "%g1", "100%", "%%41", "%2%41", "a%2"}) {
    CAPTURE(bad);
    CHECK_FALSE(gh::util::percent_decode_strict(bad).has_value());
  }
}

TEST_CASE("encoding: percent_encode_path escapes only what a path cannot hold") {
  struct Case {
    std::string text;
    const char* encoded;
  };
  const Case cases[] = {
      {"", ""},
      {"/AZaz09-_.~/", "/AZaz09-_.~/"},
      {"!$&'()*+,;=:@", "!$&'()*+,;=:@"},  // sub-delims, ':' and '@'
      {"a b", "a%20b"},
      {"%?#", "%25%3F%23"},
      {"\"<>[\\]^`{|}", "%22%3C%3E%5B%5C%5D%5E%60%7B%7C%7D"},
      {"caf\xc3\xa9", "caf%C3%A9"},
      {"\0\t\x7f"s, "%00%09%7F"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(gh::util::percent_encode_path(c.text) == c.encoded);
    CHECK(gh::util::percent_decode_strict(gh::util::percent_encode_path(c.text)) == c.text);
  }
  std::string out = "/prefix";
  gh::util::append_percent_encoded_path(out, "/a b");
  CHECK(out == "/prefix/a%20b");
}
