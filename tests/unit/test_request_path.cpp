// routing/request_path: how an HTTP API decodes the request path before routing, against the
// live AWS captures the rules come from (hotsock/voker vokerhttp/testdata/ingress-paths.json).
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "gateway/routing/request_path.hpp"

using gh::routing::decode_http_api_path;

TEST_CASE("request path: HTTP APIs decode as the AWS captures show") {
  struct Case {
    const char* sent;
    const char* delivered;  // nullptr: 400
  };
  const Case captures[] = {
      {"/capture/plain", "/capture/plain"},
      {"/capture/space%20value", "/capture/space value"},
      {"/capture/question%3Fvalue", "/capture/question"},
      {"/capture/percent%25done", nullptr},
      {"/capture/hash%23value", "/capture/hash#value"},
      {"/capture/slash%2Fvalue", "/capture/slash/value"},
      {"/capture/unicode-%CE%BB-%E4%B8%96%E7%95%8C",
       "/capture/unicode-\xce\xbb-\xe4\xb8\x96\xe7\x95\x8c"},
      {"/capture/literal%252Fvalue", "/capture/literal/value"},
      {"/capture/literal%253Fvalue", "/capture/literal?value"},
      {"/capture/literal%2525value", "/capture/literal%value"},
  };
  for (const auto& c : captures) {
    CAPTURE(c.sent);
    std::optional<std::string> got = decode_http_api_path(c.sent);
    if (c.delivered) {
      REQUIRE(got.has_value());
      CHECK(*got == c.delivered);
    } else {
      CHECK_FALSE(got.has_value());
    }
  }
}

TEST_CASE("request path: the same rules at the edges") {
  CHECK(decode_http_api_path("/") == "/");
  CHECK(decode_http_api_path("/caf%C3%A9") == "/caf\xc3\xa9");
  CHECK(decode_http_api_path("/caf%c3%a9") == "/caf\xc3\xa9");  // either case of hex digit
  CHECK(decode_http_api_path("/a+b") == "/a+b");                // '+' is not a space in a path
  CHECK(decode_http_api_path("/%3F") == "/");
  CHECK(decode_http_api_path("/a%3Fb%3Fc") == "/a");  // cut at the first '?'
  CHECK(decode_http_api_path("/a%3F%25zz") == "/a");  // what is cut is not decoded again
  CHECK_FALSE(decode_http_api_path("/a%3F%zz"));      // but the first pass reads it all
  CHECK(decode_http_api_path("/a%2541") == "/aA");
  CHECK(decode_http_api_path("/%00") == std::string("/\0", 2));
  for (const char* bad :
       {"/a%", "/a%4", "/a%zz", "/a%%41", "/a%2%41", "/a%25", "/a%254", "/a%25%25"}) {
    CAPTURE(bad);
    CHECK_FALSE(decode_http_api_path(bad).has_value());
  }
}
