// Route keys as AWS writes them: parsing, validation messages, normalisation.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "gateway/routing/route_key.hpp"

namespace {

using gh::routing::parse_route_key;
using gh::routing::parse_route_path;
using gh::routing::PathSegment;
using Kind = gh::routing::PathSegment::Kind;

// "L:pets", "P:id", "G:proxy" per segment, to compare whole segment lists in one CHECK.
std::string describe(const std::vector<PathSegment>& segments) {
  std::string out;
  for (const auto& s : segments) {
    if (!out.empty()) out += ' ';
    out += s.kind == Kind::kLiteral ? "L:" : s.kind == Kind::kParam ? "P:" : "G:";
    out += s.text;
  }
  return out;
}

}  // namespace

TEST_CASE("route key: valid keys are parsed and normalised") {
  struct Case {
    const char* text;
    const char* method;
    const char* path;       // normalised template
    const char* segments;   // describe() of the segments
    const char* to_string;  // RouteKey::to_string()
  };
  const Case cases[] = {
      {"GET /pets", "GET", "/pets", "L:pets", "GET /pets"},
      {"GET /", "GET", "/", "", "GET /"},
      {"GET /pets/", "GET", "/pets", "L:pets", "GET /pets"},  // trailing slash dropped
      {"POST /pets/{petId}", "POST", "/pets/{petId}", "L:pets P:petId", "POST /pets/{petId}"},
      {"ANY /{proxy+}", "ANY", "/{proxy+}", "G:proxy", "ANY /{proxy+}"},
      {"ANY /{proxy+}/", "ANY", "/{proxy+}", "G:proxy", "ANY /{proxy+}"},
      {"DELETE /a/{b}/c/{d+}", "DELETE", "/a/{b}/c/{d+}", "L:a P:b L:c G:d",
       "DELETE /a/{b}/c/{d+}"},
      {"PUT /v1.0/items", "PUT", "/v1.0/items", "L:v1.0 L:items", "PUT /v1.0/items"},
      {"PATCH /{a.b}/{c-d}/{E_9}", "PATCH", "/{a.b}/{c-d}/{E_9}", "P:a.b P:c-d P:E_9",
       "PATCH /{a.b}/{c-d}/{E_9}"},
      {"HEAD /x", "HEAD", "/x", "L:x", "HEAD /x"},
      {"OPTIONS /x", "OPTIONS", "/x", "L:x", "OPTIONS /x"},
      {"GET /caf%C3%A9/:colon/@at", "GET", "/caf%C3%A9/:colon/@at", "L:caf%C3%A9 L::colon L:@at",
       "GET /caf%C3%A9/:colon/@at"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto r = parse_route_key(c.text);
    REQUIRE(r.key.has_value());
    CHECK(r.error == "");
    CHECK_FALSE(r.key->is_default);
    CHECK(r.key->method == c.method);
    CHECK(r.key->path == c.path);
    CHECK(describe(r.key->segments) == c.segments);
    CHECK(r.key->to_string() == c.to_string);
  }
}

TEST_CASE("route key: $default") {
  auto r = parse_route_key("$default");
  REQUIRE(r.key.has_value());
  CHECK(r.key->is_default);
  CHECK(r.key->method == "");
  CHECK(r.key->segments.empty());
  CHECK(r.key->to_string() == "$default");
}

TEST_CASE("route key: invalid keys and their exact messages") {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"", R"(a route key is "METHOD /path" (e.g. "GET /pets/{id}") or "$default")"},
      {"GET", R"(a route key is "METHOD /path" (e.g. "GET /pets/{id}") or "$default")"},
      {"/pets", R"(a route key is "METHOD /path" (e.g. "GET /pets/{id}") or "$default")"},
      {"$Default", R"(a route key is "METHOD /path" (e.g. "GET /pets/{id}") or "$default")"},
      {"get /pets", "unknown method 'get' (GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS or ANY)"},
      {"TRACE /pets",
       "unknown method 'TRACE' (GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS or ANY)"},
      {" GET /pets", "unknown method '' (GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS or ANY)"},
      {"$default /x",
       "unknown method '$default' (GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS or ANY)"},
      {"GET  /pets", "a route key has exactly one space, between method and path"},
      {"GET /pets extra", "a route key has exactly one space, between method and path"},
      {"GET /{a b}", "a route key has exactly one space, between method and path"},
      {"GET pets", "the path must start with '/'"},
      {"GET ", "the path must start with '/'"},
      {"GET /a//b", "empty path segment ('//') in '/a//b'"},
      {"GET //", "empty path segment ('//') in '//'"},
      {"GET /pets//", "empty path segment ('//') in '/pets//'"},
      {"ANY /{proxy+}/x", "a greedy path parameter {proxy+} must be the last segment"},
      {"ANY /{proxy+}/{id}", "a greedy path parameter {proxy+} must be the last segment"},
      {"GET /a{b}", "path parameter 'a{b}' must be a whole segment written {name} or {name+}"},
      {"GET /{b}c", "path parameter '{b}c' must be a whole segment written {name} or {name+}"},
      {"GET /{}", "path parameter '{}' must be a whole segment written {name} or {name+}"},
      {"GET /}", "path parameter '}' must be a whole segment written {name} or {name+}"},
      {"GET /{a", "path parameter '{a' must be a whole segment written {name} or {name+}"},
      {"GET /{+}", "invalid path parameter name '' (letters, digits, '_', '-', '.')"},
      {"GET /{a*}", "invalid path parameter name 'a*' (letters, digits, '_', '-', '.')"},
      {"GET /{a++}", "invalid path parameter name 'a+' (letters, digits, '_', '-', '.')"},
      {"GET /{a/b}", "path parameter '{a' must be a whole segment written {name} or {name+}"},
      {"GET /{id}/{id}", "path parameter 'id' appears twice"},
      {"GET /{id}/x/{id+}", "path parameter 'id' appears twice"},
      {"GET /a?b", "invalid character in path segment 'a?b'"},
      {"GET /a#b", "invalid character in path segment 'a#b'"},
      {"GET /a{", "invalid character in path segment 'a{'"},
      {"GET /a\tb", "invalid character in path segment 'a\tb'"},
      {"GET /a\x01", "invalid character in path segment 'a\x01'"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto r = parse_route_key(c.text);
    CHECK_FALSE(r.key.has_value());
    CHECK(r.error == c.error);
  }
}

TEST_CASE("route key: parse_route_path alone") {
  auto ok = parse_route_path("/pets/{id}/");
  REQUIRE(ok.key.has_value());
  CHECK(ok.key->method == "");
  CHECK(ok.key->path == "/pets/{id}");
  CHECK(describe(ok.key->segments) == "L:pets P:id");

  auto root = parse_route_path("/");
  REQUIRE(root.key.has_value());
  CHECK(root.key->path == "/");
  CHECK(root.key->segments.empty());

  auto bad = parse_route_path("");
  CHECK_FALSE(bad.key.has_value());
  CHECK(bad.error == "the path must start with '/'");
}

TEST_CASE("route key: is_route_method") {
  for (const char* m : {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY"}) {
    CAPTURE(m);
    CHECK(gh::routing::is_route_method(m));
  }
  for (const char* m : {"get", "Any", "TRACE", "CONNECT", "", "GET "}) {
    CAPTURE(m);
    CHECK_FALSE(gh::routing::is_route_method(m));
  }
}
