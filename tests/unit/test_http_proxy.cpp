// http_proxy: URL templates, request-target rendering, upstream headers, factory diagnostics.
#include <doctest/doctest.h>

#include <set>

#include <string>
#include <vector>

#include "gateway/config/yaml_reader.hpp"
#include "gateway/core/services.hpp"
#include "plugins/http_proxy/http_proxy_integration.hpp"
#include "plugins/http_proxy/proxy_request.hpp"

namespace hp = gh::plugins::http_proxy;
using gh::core::ApiProtocol;

namespace {

hp::TargetTemplate parse_ok(const std::string& url) {
  std::string error;
  auto t = hp::parse_target(url, true, error);
  INFO(url << ": " << error);
  REQUIRE(t);
  return *t;
}

std::string parse_error(const std::string& url, bool allow_placeholders = true) {
  std::string error;
  auto t = hp::parse_target(url, allow_placeholders, error);
  CHECK_FALSE(t);
  return error;
}

struct Fixture {
  gh::core::ApiInfo api;
  gh::core::StageInfo stage;
  gh::core::RouteInfo route;
  gh::core::RequestContext ctx;

  explicit Fixture(ApiProtocol protocol, std::string route_key = "ANY /pets/{proxy+}",
                   std::string route_path = "/pets/{proxy+}") {
    api.id = "a1b2c3d4e5";
    api.protocol = protocol;
    stage.name = "dev";
    route.route_key = std::move(route_key);
    route.path = std::move(route_path);
    ctx.api = &api;
    ctx.stage = &stage;
    ctx.route = &route;
    ctx.request.method = "POST";
    ctx.request.connection.source_ip = "203.0.113.7";
    ctx.request.connection.local_port = 3000;
  }
};

std::vector<std::string> names(const gh::core::HeaderMap& h) {
  std::vector<std::string> out;
  for (const auto& f : h) out.push_back(f.name);
  return out;
}

}  // namespace

TEST_CASE("http_proxy: parse_target splits origin, path and query") {
  auto t = parse_ok("http://127.0.0.1:8080/pets/{proxy}?a=1&b={id}");
  CHECK_FALSE(t.origin.https);
  CHECK(t.origin.host == "127.0.0.1");
  CHECK(t.origin.port == 8080);
  CHECK_FALSE(t.path_is_root);
  CHECK(t.placeholders() == std::vector<std::string>{"proxy", "id"});
  CHECK(t.text == "http://127.0.0.1:8080/pets/{proxy}?a=1&b={id}");

  auto s = parse_ok("HTTPS://Example.com");
  CHECK(s.origin.https);
  CHECK(s.origin.host == "Example.com");
  CHECK(s.origin.port == 443);
  CHECK(s.path_is_root);
  CHECK(s.origin.authority() == "Example.com");

  auto v6 = parse_ok("http://[::1]:9000/");
  CHECK(v6.origin.host == "::1");
  CHECK(v6.origin.authority() == "[::1]:9000");
  CHECK(v6.path_is_root);
}

TEST_CASE("http_proxy: parse_target rejects what is not an http(s) URL") {
  CHECK(parse_error("ftp://x/y") == "the scheme must be http or https");
  CHECK(parse_error("127.0.0.1:8080/x") == "expected scheme://host[:port][/path]");
  CHECK(parse_error("http:///x") == "missing host");
  CHECK(parse_error("http://host:0/") == "invalid port '0'");
  CHECK(parse_error("http://host:70000/") == "invalid port '70000'");
  CHECK(parse_error("http://host:abc/") == "invalid host or port");
  CHECK(parse_error("http://u:p@host/") == "user information (user:password@) is not supported");
  CHECK(parse_error("http://host/x#frag") == "a fragment ('#') is not allowed");
  CHECK(parse_error("http://{h}/x") == "the host and port cannot hold placeholders");
  CHECK(parse_error("http://h/{proxy") == "unterminated '{'");
  CHECK(parse_error("http://h/a}") == "unexpected '}'");
  CHECK(parse_error("http://h/{a b}") == "invalid placeholder '{a b}'");
  CHECK(parse_error("http://h/a b") == "invalid characters in the path or query");
  CHECK(parse_error("http://h/{id}", false) ==
        "placeholders such as '{id}' are not allowed here; put them in the route's 'path'");
}

TEST_CASE("http_proxy: an upstream base path prefixes the route path") {
  auto t = parse_ok("http://backend:8080/api/?v=2");
  std::string error;
  REQUIRE(hp::append_path(t, "/pets/{proxy}?x=1", error));
  CHECK(t.text == "http://backend:8080/api/pets/{proxy}?v=2&x=1");
  CHECK_FALSE(t.path_is_root);

  auto root = parse_ok("http://backend");
  REQUIRE(hp::append_path(root, "/", error));
  CHECK(root.path_is_root);
  CHECK_FALSE(hp::append_path(root, "pets", error));
  CHECK(error == "must start with '/'");
}

TEST_CASE("http_proxy: stage variables are substituted, undefined ones collected") {
  gh::core::StageInfo stage;
  stage.name = "dev";
  stage.variables = {{"host", "10.0.0.5"}, {"port", "81"}};
  std::vector<std::string> undefined;
  CHECK(hp::substitute_stage_variables(
            "http://${stageVariables.host}:${stageVariables.port}/${stageVariables.nope}/"
            "${stageVariables.nope}",
            stage, undefined) == "http://10.0.0.5:81//");
  CHECK(undefined == std::vector<std::string>{"nope"});
}

TEST_CASE("http_proxy: route path parameters") {
  CHECK(hp::route_path_parameters("/pets/{petId}/toys/{proxy+}") ==
        std::vector<std::string>{"petId", "proxy"});
  CHECK(hp::route_path_parameters("").empty());
}

TEST_CASE("http_proxy: query strings merge with '&'") {
  CHECK(hp::merge_query("", "") == "");
  CHECK(hp::merge_query("a=1", "") == "a=1");
  CHECK(hp::merge_query("", "b=2") == "b=2");
  CHECK(hp::merge_query("a=1", "b=2&c") == "a=1&b=2&c");
}

TEST_CASE("http_proxy: render_target fills placeholders with raw values") {
  Fixture f(ApiProtocol::kRest);
  f.ctx.path_params = {{"proxy", "dogs/rex%20jr"}};
  f.ctx.request.query = "q=a%26b&x";
  auto t = parse_ok("http://h:1/pets/{proxy}?fixed=1");
  CHECK(hp::render_target(t, f.ctx) == "/pets/dogs/rex%20jr?fixed=1&q=a%26b&x");

  f.ctx.request.query.clear();
  CHECK(hp::render_target(parse_ok("http://h:1"), f.ctx) == "/");
  CHECK(hp::render_target(parse_ok("http://h:1?k=v"), f.ctx) == "/?k=v");
}

TEST_CASE("http_proxy: an HTTP API $default route appends the request path") {
  Fixture f(ApiProtocol::kHttp, "$default", "");
  f.ctx.path = "/orders/42";
  f.ctx.request.query = "expand=1";
  CHECK(hp::render_target(parse_ok("http://h"), f.ctx) == "/orders/42?expand=1");
  CHECK(hp::render_target(parse_ok("http://h/"), f.ctx) == "/orders/42?expand=1");
  // A URI with its own path is used as written.
  CHECK(hp::render_target(parse_ok("http://h/fixed"), f.ctx) == "/fixed?expand=1");

  // Only $default does this: a normal route with a root URI goes to "/".
  Fixture g(ApiProtocol::kHttp, "GET /orders/{id}", "/orders/{id}");
  g.ctx.path = "/orders/42";
  CHECK(hp::render_target(parse_ok("http://h"), g.ctx) == "/");
}

TEST_CASE("http_proxy: HTTP API values were decoded by routing and are escaped again") {
  // What dispatch leaves for GET /pets/dogs/rex%20jr%2Fcaf%C3%A9%25%3F%23+x@y:z (after the second
  // decoding pass; a '?' can only come from "%253F"): the escapes are gone.
  Fixture f(ApiProtocol::kHttp);
  f.ctx.path_params = {{"proxy", "dogs/rex jr/caf\xc3\xa9%?#+x@y:z"}};
  f.ctx.request.query = "q=a%26b";
  auto t = parse_ok("http://h:1/pets/{proxy}?fixed=1&p={proxy}");
  // Path: only what cannot stand in a path is escaped ('/', '+', '@', ':' stay); query: all but
  // unreserved characters.
  CHECK(hp::render_target(t, f.ctx) ==
        "/pets/dogs/rex%20jr/caf%C3%A9%25%3F%23+x@y:z"
        "?fixed=1&p=dogs%2Frex%20jr%2Fcaf%C3%A9%25%3F%23%2Bx%40y%3Az&q=a%26b");

  // The same values on a REST API are the raw text as sent, passed on as they are.
  Fixture r(ApiProtocol::kRest);
  r.ctx.path_params = {{"proxy", "a%2Fb%20c"}};
  CHECK(hp::render_target(parse_ok("http://h:1/x/{proxy}"), r.ctx) == "/x/a%2Fb%20c");

  // A $default route forwards the decoded request path, escaped again.
  Fixture d(ApiProtocol::kHttp, "$default", "");
  d.ctx.path = "/store/caf\xc3\xa9 menu/a%b";
  CHECK(hp::render_target(parse_ok("http://h"), d.ctx) == "/store/caf%C3%A9%20menu/a%25b");
}

TEST_CASE("http_proxy: Forwarded values follow RFC 7239") {
  CHECK(hp::forwarded_value("192.0.2.60", true) == "192.0.2.60");
  CHECK(hp::forwarded_value("2001:db8:cafe::17", true) == "\"[2001:db8:cafe::17]\"");
  CHECK(hp::forwarded_value("[2001:db8::1]:4711", true) == "\"[2001:db8::1]:4711\"");
  CHECK(hp::forwarded_value("192.0.2.43:47011", true) == "\"192.0.2.43:47011\"");
  CHECK(hp::forwarded_value("api.example.com", false) == "api.example.com");
  CHECK(hp::forwarded_value("api.example.com:8443", false) == "\"api.example.com:8443\"");
  CHECK(hp::forwarded_value("a\"b", false) == "\"a\\\"b\"");
}

TEST_CASE("http_proxy: REST upstream headers") {
  Fixture f(ApiProtocol::kRest);
  auto& h = f.ctx.request.headers;
  h.add("Host", "api.example.com");
  h.add("User-Agent", "curl/8.0");
  h.add("Connection", "keep-alive, X-Secret-Hop");
  h.add("X-Secret-Hop", "1");
  h.add("Keep-Alive", "timeout=5");
  h.add("Transfer-Encoding", "chunked");
  h.add("Content-Length", "5");
  h.add("Expect", "100-continue");
  h.add("Content-Encoding", "gzip");
  h.add("Proxy-Authorization", "Basic x");
  h.add("Authorization", "Bearer t");
  h.add("X-Forwarded-For", "198.51.100.1, 198.51.100.2");
  h.add("X-Forwarded-For", "198.51.100.3");
  h.add("X-Forwarded-Proto", "ftp");
  h.add("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793");
  f.ctx.request.connection.secure = true;
  f.ctx.request.connection.local_port = 8443;

  auto out = hp::build_upstream_headers(f.ctx, "backend:8080");
  CHECK(names(out) == std::vector<std::string>{"Host", "User-Agent", "Authorization",
                                               "X-Forwarded-For", "X-Forwarded-Proto",
                                               "X-Forwarded-Port", "X-Amzn-Trace-Id",
                                               "X-Amzn-Apigateway-Api-Id"});
  CHECK(out.get("Host") == "backend:8080");
  CHECK(out.get("X-Forwarded-For") == "198.51.100.1, 198.51.100.2, 198.51.100.3, 203.0.113.7");
  CHECK(out.get("X-Forwarded-Proto") == "https");
  CHECK(out.get("X-Forwarded-Port") == "8443");
  CHECK(out.get("X-Amzn-Trace-Id") == "Root=1-5759e988-bd862e3fe1be46a994272793");
  CHECK(out.get("X-Amzn-Apigateway-Api-Id") == "a1b2c3d4e5");
}

TEST_CASE("http_proxy: REST generates a trace id when the client sent none") {
  Fixture f(ApiProtocol::kRest);
  auto out = hp::build_upstream_headers(f.ctx, "b");
  CHECK(out.get("X-Forwarded-For") == "203.0.113.7");
  CHECK(out.get("X-Forwarded-Proto") == "http");
  CHECK(out.get("X-Forwarded-Port") == "3000");
  std::string trace(out.get("X-Amzn-Trace-Id"));
  CHECK(trace.rfind("Root=1-", 0) == 0);
  CHECK(trace.size() == 7 + 8 + 1 + 24);
}

TEST_CASE("http_proxy: HTTP API upstream headers fold X-Forwarded-* into Forwarded") {
  Fixture f(ApiProtocol::kHttp);
  auto& h = f.ctx.request.headers;
  h.add("host", "api.example.com:3000");
  h.add("x-forwarded-for", "198.51.100.1, 2001:db8::9");
  h.add("X-Forwarded-Proto", "https");
  h.add("X-Forwarded-Port", "443");
  h.add("X-Forwarded-Host", "front.example.com");
  h.add("Content-Encoding", "gzip");  // HTTP APIs keep it
  h.add("Via", "1.1 edge");
  h.add("te", "trailers");
  f.ctx.domain_name = "api.example.com";
  f.ctx.request.connection.source_ip = "2001:db8::7";

  auto out = hp::build_upstream_headers(f.ctx, "backend");
  CHECK(names(out) == std::vector<std::string>{"Host", "Content-Encoding", "Forwarded", "Via",
                                               "X-Amzn-Trace-Id"});
  CHECK(out.get("Host") == "backend");
  CHECK(out.get("Forwarded") ==
        "for=198.51.100.1, for=\"[2001:db8::9]\", "
        "for=\"[2001:db8::7]\";host=api.example.com;proto=http");
  CHECK(out.get("Via") == "1.1 edge, HTTP/1.1 AmazonAPIGateway");
  CHECK_FALSE(out.contains("X-Amzn-Apigateway-Api-Id"));
  CHECK_FALSE(out.contains("X-Forwarded-For"));

  // Without a domain name the Host header is used (quoted: it has a port).
  f.ctx.domain_name.clear();
  f.ctx.request.headers = {};
  f.ctx.request.headers.add("Host", "localhost:3000");
  f.ctx.request.connection.source_ip = "127.0.0.1";
  f.ctx.request.connection.secure = true;
  auto plain = hp::build_upstream_headers(f.ctx, "backend");
  CHECK(plain.get("Forwarded") == "for=127.0.0.1;host=\"localhost:3000\";proto=https");
  CHECK(plain.get("Via") == "HTTP/1.1 AmazonAPIGateway");
}

TEST_CASE("http_proxy: every special field name, in either case, for both API types") {
  // Which incoming fields reach the upstream with their own value: the rest are dropped,
  // replaced by the gateway's own, or folded into another field.
  const std::vector<std::string> special = {"Connection",
                                            "Keep-Alive",
                                            "Proxy-Connection",
                                            "TE",
                                            "Trailer",
                                            "Transfer-Encoding",
                                            "Upgrade",
                                            "Proxy-Authenticate",
                                            "Proxy-Authorization",
                                            "Expect",
                                            "Content-Length",
                                            "Host",
                                            "X-Forwarded-For",
                                            "X-Forwarded-Proto",
                                            "X-Forwarded-Port",
                                            "X-Forwarded-Host",
                                            "Forwarded",
                                            "Via",
                                            "X-Amzn-Apigateway-Api-Id",
                                            "Content-Encoding",
                                            "Content-MD5",
                                            "Max-Forwards",
                                            "Server",
                                            "WWW-Authenticate",
                                            "X-Amzn-Trace-Id",
                                            "X-Plain"};
  const std::set<std::string> rest_passes = {"X-Forwarded-Host", "Forwarded", "Via",
                                             "X-Amzn-Trace-Id", "X-Plain"};
  const std::set<std::string> http_passes = {
      "X-Amzn-Apigateway-Api-Id", "Content-Encoding", "Content-MD5", "Max-Forwards", "Server",
      "WWW-Authenticate",         "X-Amzn-Trace-Id",  "X-Plain"};
  for (ApiProtocol protocol : {ApiProtocol::kRest, ApiProtocol::kHttp}) {
    for (const std::string& name : special) {
      for (const std::string& spelled : {name, gh::core::to_lower(name)}) {
        CAPTURE(spelled);
        CAPTURE(protocol == ApiProtocol::kRest);
        Fixture f(protocol);
        // A value each field could carry (the trace id must look like one to be passed on).
        const std::string value = name == "X-Amzn-Trace-Id"
                                      ? "Root=1-5759e988-bd862e3fe1be46a994272793"
                                      : "incoming-" + name;
        f.ctx.request.headers.add(spelled, value);
        const auto out = hp::build_upstream_headers(f.ctx, "backend");
        bool passed = false;
        for (const auto& field : out) passed |= field.value == value;
        const auto& passes = protocol == ApiProtocol::kRest ? rest_passes : http_passes;
        CHECK(passed == (passes.count(name) == 1));
      }
    }
  }
}

TEST_CASE("http_proxy: HTTP API Forwarded and Via fold only what may be forwarded") {
  Fixture f(ApiProtocol::kHttp);
  auto& h = f.ctx.request.headers;
  h.add("Host", "api.example.com");
  h.add("Connection", "Via");  // Via is hop-by-hop for this message
  h.add("Via", "1.1 hidden");
  h.add("Forwarded", "");  // empty: adds nothing
  h.add("Forwarded", "for=192.0.2.60");
  f.ctx.domain_name = "api.example.com";
  f.ctx.request.connection.source_ip = "203.0.113.7";
  auto out = hp::build_upstream_headers(f.ctx, "backend");
  CHECK(out.get("Via") == "HTTP/1.1 AmazonAPIGateway");
  CHECK(out.get("Forwarded") == "for=192.0.2.60, for=203.0.113.7;host=api.example.com;proto=http");

  h.erase("Connection");
  h.add("Connection", "Forwarded");
  out = hp::build_upstream_headers(f.ctx, "backend");
  CHECK(out.get("Via") == "1.1 hidden, HTTP/1.1 AmazonAPIGateway");
  CHECK(out.get("Forwarded") == "for=203.0.113.7;host=api.example.com;proto=http");
}

TEST_CASE("http_proxy: the wire form of the upstream headers is the HeaderMap's, in order") {
  for (ApiProtocol protocol : {ApiProtocol::kRest, ApiProtocol::kHttp}) {
    CAPTURE(static_cast<int>(protocol));
    Fixture f(protocol);
    auto& h = f.ctx.request.headers;
    h.add("Host", "api.example.com");
    h.add("Connection", "keep-alive, X-Hop");
    h.add("X-Hop", "1");
    h.add("User-Agent", "curl/8.0");
    h.add("X-Forwarded-For", "198.51.100.1, 2001:db8::9");
    h.add("Forwarded", "for=192.0.2.60");
    h.add("Via", "1.1 edge");
    h.add("X-Forwarded-For", "198.51.100.3");
    h.add("Accept", "*/*");
    h.add("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793");
    std::string expected;
    for (const auto& field : hp::build_upstream_headers(f.ctx, "backend:8080")) {
      expected += field.name + ": " + field.value + "\r\n";
    }
    std::string wire = "GET / HTTP/1.1\r\n";  // appended to, not replaced
    hp::append_upstream_fields(wire, f.ctx, "backend:8080");
    CHECK(wire == "GET / HTTP/1.1\r\n" + expected);
    CHECK(expected.find("X-Hop") == std::string::npos);
    // REST forwards Forwarded and Via as they came; HTTP APIs fold them into their own.
    CHECK(expected.rfind(protocol == ApiProtocol::kRest
                             ? "Host: backend:8080\r\nUser-Agent: curl/8.0\r\nForwarded: "
                             : "Host: backend:8080\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\n",
                         0) == 0);
  }
}

// ------------------------------------------------------------------------------------- factory

namespace {

struct Build {
  std::shared_ptr<const gh::core::Integration> integration;
  gh::config::Diagnostics diags;
};

Build build(const std::string& yaml, ApiProtocol protocol = ApiProtocol::kRest,
            std::string route_key = "ANY /pets/{proxy+}",
            std::string route_path = "/pets/{proxy+}") {
  Build b;
  auto root = gh::config::load_yaml_text(yaml, "t.yaml", b.diags);
  REQUIRE(root);
  gh::core::ApiInfo api;
  api.id = "abc123";
  api.protocol = protocol;
  gh::core::StageInfo stage;
  stage.name = "dev";
  stage.variables = {{"backendHost", "127.0.0.1"}};
  gh::core::RouteInfo route;
  route.route_key = std::move(route_key);
  route.path = std::move(route_path);
  gh::core::Services services;
  gh::config::Node node = root->child("integration");
  gh::config::Config config;
  config.root = *root;
  gh::core::CompileScope scope(config, services);
  gh::core::IntegrationBuildContext ctx{node, *root, api, stage, route, services, scope};
  auto factory = hp::make_factory();
  CHECK(factory->type() == "http_proxy");
  CHECK(factory->top_level_keys() == std::vector<std::string>{"upstreams"});
  b.integration = factory->create(ctx, b.diags);
  return b;
}

}  // namespace

TEST_CASE("http_proxy factory: builds from a uri, with stage variables and defaults") {
  auto b = build(
      "integration:\n"
      "  type: http_proxy\n"
      "  uri: http://${stageVariables.backendHost}:8080/pets/{proxy}\n");
  INFO(b.diags.format());
  REQUIRE(b.integration);
  CHECK(b.integration->describe() ==
        "http_proxy ANY http://127.0.0.1:8080/pets/{proxy} (29000 ms)");

  auto h =
      build("integration: {type: http_proxy, uri: 'https://api.example.com', httpMethod: POST}\n",
            ApiProtocol::kHttp, "$default", "");
  INFO(h.diags.format());
  REQUIRE(h.integration);
  CHECK(h.integration->describe() == "http_proxy POST https://api.example.com (30000 ms)");
}

TEST_CASE("http_proxy factory: builds from a named upstream plus path") {
  auto b = build(
      "upstreams:\n"
      "  backend:\n"
      "    url: http://127.0.0.1:8080/api\n"
      "    tls: {verify: false}\n"
      "    maxIdleConnections: 8\n"
      "    idleTimeoutMillis: 5000\n"
      "integration:\n"
      "  type: http_proxy\n"
      "  upstream: backend\n"
      "  path: /pets/{proxy}\n"
      "  timeoutInMillis: 500\n");
  INFO(b.diags.format());
  REQUIRE(b.integration);
  CHECK(b.integration->describe() ==
        "http_proxy ANY http://127.0.0.1:8080/api/pets/{proxy} (500 ms)");
}

TEST_CASE("http_proxy factory: diagnostics") {
  SUBCASE("neither uri nor upstream") {
    auto b = build("integration:\n  type: http_proxy\n");
    CHECK_FALSE(b.integration);
    CHECK(b.diags.format() ==
          "t.yaml:2:3: error: integration: set 'uri' (a full URL) or 'upstream' (a name from the "
          "top-level 'upstreams' section)\n");
  }
  SUBCASE("both uri and upstream") {
    auto b = build(
        "upstreams: {backend: {url: 'http://h'}}\n"
        "integration:\n  type: http_proxy\n  uri: http://h/\n  upstream: backend\n");
    CHECK_FALSE(b.integration);
    CHECK(b.diags.format() ==
          "t.yaml:5:13: error: integration.upstream: set either 'uri' or 'upstream', not both\n");
  }
  SUBCASE("unknown upstream with a suggestion") {
    auto b = build(
        "upstreams:\n  backend:\n    url: http://h\n"
        "integration:\n  type: http_proxy\n  upstream: bakend\n");
    CHECK_FALSE(b.integration);
    CHECK(b.diags.format() ==
          "t.yaml:6:13: error: integration.upstream: unknown upstream 'bakend'; did you mean "
          "'backend'?\n");
  }
  SUBCASE("unknown upstream without an upstreams section") {
    auto b = build("integration:\n  type: http_proxy\n  upstream: backend\n");
    CHECK(b.diags.format() ==
          "t.yaml:3:13: error: integration.upstream: unknown upstream 'backend' (there is no "
          "top-level 'upstreams' section)\n");
  }
  SUBCASE("invalid URL") {
    auto b = build("integration:\n  type: http_proxy\n  uri: ftp://h/x\n");
    CHECK_FALSE(b.integration);
    CHECK(b.diags.format() ==
          "t.yaml:3:8: error: integration.uri: invalid URL 'ftp://h/x': the scheme must be http "
          "or https\n");
  }
  SUBCASE("placeholder that is not a path parameter") {
    auto b = build("integration:\n  type: http_proxy\n  uri: http://h/pets/{prox}/{id}\n");
    CHECK_FALSE(b.integration);
    CHECK(b.diags.format() ==
          "t.yaml:3:8: error: integration.uri: '{prox}' is not a path parameter of route \"ANY "
          "/pets/{proxy+}\"; did you mean '{proxy}'?\n"
          "t.yaml:3:8: error: integration.uri: '{id}' is not a path parameter of route \"ANY "
          "/pets/{proxy+}\"\n");
  }
  SUBCASE("placeholder in an upstream path is checked at the path") {
    auto b = build(
        "upstreams: {backend: {url: 'http://h'}}\n"
        "integration:\n  type: http_proxy\n  upstream: backend\n  path: /x/{nope}\n");
    CHECK(b.diags.format() ==
          "t.yaml:5:9: error: integration.path: '{nope}' is not a path parameter of route \"ANY "
          "/pets/{proxy+}\"\n");
  }
  SUBCASE("undefined stage variable") {
    auto b =
        build("integration:\n  type: http_proxy\n  uri: 'http://${stageVariables.missingHost}/'\n");
    CHECK_FALSE(b.integration);
    CHECK(b.diags.format() ==
          "t.yaml:3:8: error: integration.uri: stage variable 'missingHost' is not defined in "
          "stage 'dev'\n");
  }
  SUBCASE("unknown keys, bad method and timeout") {
    auto b = build(
        "integration:\n"
        "  type: http_proxy\n"
        "  uri: http://h/\n"
        "  httpMethod: FETCH\n"
        "  timeoutInMillis: 10\n"
        "  timeoutMillis: 10\n");
    CHECK_FALSE(b.integration);
    CHECK(b.diags.format() ==
          "t.yaml:4:15: error: integration.httpMethod: expected one of ANY, GET, POST, PUT, PATCH, "
          "DELETE, HEAD, OPTIONS, got 'FETCH'\n"
          "t.yaml:5:20: error: integration.timeoutInMillis: must be between 50 and 300000, got "
          "10\n"
          "t.yaml:6:3: error: integration.timeoutMillis: unknown key 'timeoutMillis'; did you "
          "mean 'timeoutInMillis'?\n");
  }
  SUBCASE("path without upstream") {
    auto b = build("integration:\n  type: http_proxy\n  uri: http://h/\n  path: /x\n");
    CHECK(b.diags.format() ==
          "t.yaml:4:9: error: integration.path: 'path' goes with 'upstream'; with 'uri', write "
          "the path in the URI\n");
  }
  SUBCASE("errors inside the upstreams section") {
    auto b = build(
        "upstreams:\n"
        "  backend:\n"
        "    url: http://h/{id}\n"
        "    tls: {verify: maybe, caFile: /nonexistent/ca.pem}\n"
        "    maxIdle: 3\n"
        "integration:\n  type: http_proxy\n  upstream: backend\n");
    CHECK_FALSE(b.integration);
    CHECK(b.diags.format() ==
          "t.yaml:3:10: error: upstreams.backend.url: invalid URL 'http://h/{id}': placeholders "
          "such as '{id}' are not allowed here; put them in the route's 'path'\n"
          "t.yaml:4:19: error: upstreams.backend.tls.verify: expected true or false, got "
          "'maybe'\n"
          "t.yaml:5:5: error: upstreams.backend.maxIdle: unknown key 'maxIdle'\n");
  }
  SUBCASE("the upstreams section is checked for uri routes too") {
    auto b = build(
        "upstreams:\n"
        "  spare: {url: 'http://h', idleTimeoutMillis: 0}\n"
        "integration:\n  type: http_proxy\n  uri: http://h/\n");
    CHECK(b.diags.format() ==
          "t.yaml:2:47: error: upstreams.spare.idleTimeoutMillis: must be between 1 and 86400000, "
          "got 0\n");
  }
  SUBCASE("an unreadable caFile is reported at caFile") {
    auto b = build(
        "upstreams:\n"
        "  secure:\n"
        "    url: https://h\n"
        "    tls: {caFile: /nonexistent/ca.pem}\n"
        "integration:\n  type: http_proxy\n  upstream: secure\n");
    CHECK_FALSE(b.integration);
    REQUIRE(b.diags.all().size() == 1);
    const auto& d = b.diags.all()[0];
    CHECK(d.where.line == 4);
    CHECK(d.where.column == 19);
    CHECK(d.path == "upstreams.secure.tls.caFile");
    CHECK(d.message.rfind("cannot load CA file '/nonexistent/ca.pem': ", 0) == 0);
  }
}
