// Dispatch: API by Host or base path, stage by first segment, route, and the context it fills.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <utility>

#include "gateway/config/config.hpp"
#include "gateway/core/plugin_registry.hpp"
#include "gateway/core/services.hpp"
#include "gateway/pipeline/dispatch.hpp"
#include "gateway/pipeline/snapshot.hpp"
#include "plugins/builtin.hpp"
#include "tests/unit/compile_fixture.hpp"

namespace {

using gh::pipeline::Snapshot;

struct Compiled : gh::testing::Compile {
  explicit Compiled(const std::string& yaml) : Compile(yaml, nullptr, "dispatch.yaml") {
    INFO(diags.format());
    REQUIRE(snapshot != nullptr);
  }
};

constexpr const char* kConfig = R"(version: 1
apis:
  - id: petstore
    protocol: HTTP
    routes:
      "GET /pets/{id}": {integration: {type: mock}}
      "GET /": {integration: {type: mock}}
      "ANY /files/{proxy+}": {integration: {type: mock}}
  - id: inv
    protocol: REST
    basePath: /inv
    stages: {dev: {}, prod: {}}
    routes:
      "GET /items/{id}": {integration: {type: mock}}
      "GET /": {integration: {type: mock}}
      "ANY /{proxy+}": {integration: {type: mock}}
  - id: inv2
    protocol: REST
    basePath: /inv/v2
    stages: {dev: {}}
    routes:
      "GET /items/{id}": {integration: {type: mock}}
  - id: staged
    protocol: HTTP
    basePath: /staged
    stages: {$default: {}, beta: {}}
    routes:
      "GET /x": {integration: {type: mock}}
      "GET /": {integration: {type: mock}}
      "$default": {integration: {type: mock}}
  - id: nodefault
    protocol: HTTP
    basePath: /nodefault
    stages: {beta: {}}
    routes:
      "GET /x": {integration: {type: mock}}
)";

// What dispatch decided, in one comparable line: "api stage route path [params]".
std::string run(const Snapshot& snap, std::string method, std::string target,
                std::string host = "localhost:3000") {
  gh::core::RequestContext ctx;
  ctx.request.method = std::move(method);
  ctx.request.set_target(std::move(target));
  if (!host.empty()) ctx.request.headers.add("Host", std::move(host));
  auto d = gh::pipeline::dispatch(snap, ctx);
  // The context mirrors the Dispatch result.
  CHECK(ctx.api == (d.api ? &d.api->info : nullptr));
  CHECK(ctx.stage == (d.stage ? &d.stage->info : nullptr));
  if (d.route != gh::routing::RouteTable::npos) {
    CHECK(ctx.route == &d.api->routes[d.route]);
    CHECK(d.matched());
    CHECK(d.binding() == &d.stage->bindings[d.route]);
  } else {
    CHECK(ctx.route == nullptr);
    CHECK_FALSE(d.matched());
    CHECK(d.binding() == nullptr);
  }
  if (!d.api) return "-";
  std::string out = d.api->info.id;
  if (!d.stage) return out + " -";
  out += " " + d.stage->info.name + " ";
  out += ctx.route ? ctx.route->route_key : std::string("-");
  out += " " + ctx.path;
  for (const auto& p : ctx.path_params) out += " " + p.name + "=" + p.value;
  return out;
}

struct Case {
  const char* host;
  const char* target;
  const char* expected;
};

void check_all(const Snapshot& snap, std::initializer_list<Case> cases) {
  for (const auto& c : cases) {
    CAPTURE(c.host);
    CAPTURE(c.target);
    CHECK(run(snap, "GET", c.target, c.host) == c.expected);
  }
}

}  // namespace

TEST_CASE("dispatch: by Host {apiId}.execute-api.*") {
  Compiled c(kConfig);
  check_all(*c.snapshot,
            {
                {"petstore.execute-api.localhost:3000", "/pets/1",
                 "petstore $default GET /pets/{id} /pets/1 id=1"},
                {"petstore.execute-api.localhost", "/pets/1",
                 "petstore $default GET /pets/{id} /pets/1 id=1"},
                {"PETSTORE.Execute-Api.LOCALHOST:3000", "/pets/1",
                 "petstore $default GET /pets/{id} /pets/1 id=1"},
                {"petstore.execute-api.us-east-1.amazonaws.com", "/", "petstore $default GET / /"},
                // Host wins over base paths: the REST API is addressed without its /inv prefix.
                {"inv.execute-api.localhost:3000", "/dev/items/5",
                 "inv dev GET /items/{id} /items/5 id=5"},
                {"inv.execute-api.localhost:3000", "/inv/dev/items/5", "inv -"},
                {"staged.execute-api.localhost", "/beta/x", "staged beta GET /x /x"},
                {"staged.execute-api.localhost", "/x", "staged $default GET /x /x"},
                // An execute-api host naming no API is no API (no base-path or root fallback).
                {"nope.execute-api.localhost:3000", "/pets/1", "-"},
                {"a.petstore.execute-api.localhost", "/pets/1", "-"},
                {".execute-api.localhost", "/pets/1", "-"},
            });
}

TEST_CASE("dispatch: domain name is the Host without its port") {
  Compiled c(kConfig);
  struct HostCase {
    const char* host;
    const char* domain;
  };
  for (const auto& h :
       {HostCase{"petstore.execute-api.localhost:3000", "petstore.execute-api.localhost"},
        HostCase{"Example.COM", "Example.COM"}, HostCase{"[::1]:3000", "[::1]"},
        HostCase{"[::1]", "[::1]"}, HostCase{"127.0.0.1:80", "127.0.0.1"}, HostCase{"", ""}}) {
    CAPTURE(h.host);
    gh::core::RequestContext ctx;
    ctx.request.method = "GET";
    ctx.request.set_target("/pets/1");
    if (*h.host) ctx.request.headers.add("host", h.host);
    gh::pipeline::dispatch(*c.snapshot, ctx);
    CHECK(ctx.domain_name == h.domain);
  }
}

TEST_CASE("dispatch: by base path (longest, segment-aligned), else the sole root API") {
  Compiled c(kConfig);
  check_all(
      *c.snapshot,
      {
          {"localhost:3000", "/inv/dev/items/5", "inv dev GET /items/{id} /items/5 id=5"},
          {"localhost:3000", "/inv/prod/items/5?x=1", "inv prod GET /items/{id} /items/5 id=5"},
          {"localhost:3000", "/inv/v2/dev/items/5", "inv2 dev GET /items/{id} /items/5 id=5"},
          // /inv/v2x is not under /inv/v2: /inv serves it, with stage "v2x" unknown.
          {"localhost:3000", "/inv/v2x/dev/items/5", "inv -"},
          // "/invX" must not match base path "/inv": the sole root API (petstore) gets it.
          {"localhost:3000", "/invX/dev/items/1", "petstore $default - /invX/dev/items/1"},
          {"localhost:3000", "/pets/1", "petstore $default GET /pets/{id} /pets/1 id=1"},
          {"127.0.0.1:3000", "/", "petstore $default GET / /"},
          {"", "/pets/2", "petstore $default GET /pets/{id} /pets/2 id=2"},
          {"localhost:3000", "/staged/x", "staged $default GET /x /x"},
      });
}

TEST_CASE("dispatch: REST stage from the first segment") {
  Compiled c(kConfig);
  check_all(*c.snapshot,
            {
                {"localhost", "/inv/dev", "inv dev GET / /"},
                {"localhost", "/inv/dev/", "inv dev GET / /"},
                {"localhost", "/inv/dev/a/b", "inv dev ANY /{proxy+} /a/b proxy=a/b"},
                // "/dev//x" collapses to "/x"
                {"localhost", "/inv/dev//items/5", "inv dev GET /items/{id} /items/5 id=5"},
                {"localhost", "/inv//dev/items/5", "inv dev GET /items/{id} /items/5 id=5"},
                // unknown stage, or none: API found, no stage
                {"localhost", "/inv/test/items/5", "inv -"},
                {"localhost", "/inv", "inv -"},
                {"localhost", "/inv/", "inv -"},
                {"localhost", "/inv/$default/items/5", "inv -"},
                {"localhost", "/inv/Dev/items/5", "inv -"},
            });
}

TEST_CASE("dispatch: HTTP API named stage vs $default") {
  Compiled c(kConfig);
  check_all(*c.snapshot, {
                             {"localhost", "/staged/beta/x", "staged beta GET /x /x"},
                             {"localhost", "/staged/beta", "staged beta GET / /"},
                             {"localhost", "/staged/beta/", "staged beta GET / /"},
                             {"localhost", "/staged/x", "staged $default GET /x /x"},
                             {"localhost", "/staged", "staged $default GET / /"},
                             {"localhost", "/staged/", "staged $default GET / /"},
                             {"localhost", "/staged/gamma/x", "staged $default $default /gamma/x"},
                             // HTTP APIs do not collapse "//": the rest of the path stays as sent.
                             {"localhost", "/staged/beta//x", "staged beta $default //x"},
                             // No $default stage: only named stages are reachable.
                             {"localhost", "/nodefault/beta/x", "nodefault beta GET /x /x"},
                             {"localhost", "/nodefault/x", "nodefault -"},
                             {"localhost", "/nodefault", "nodefault -"},
                         });
}

TEST_CASE("dispatch: context is filled: path, raw params, route info") {
  Compiled c(kConfig);
  gh::core::RequestContext ctx;
  ctx.request.method = "DELETE";
  ctx.request.set_target("/inv/prod/a%20b//c%2Fd/?q=1");
  ctx.request.headers.add("Host", "localhost:3000");
  auto d = gh::pipeline::dispatch(*c.snapshot, ctx);
  REQUIRE(d.matched());
  CHECK(d.protocol() == gh::core::ApiProtocol::kRest);
  REQUIRE(ctx.api != nullptr);
  CHECK(ctx.api->id == "inv");
  CHECK(ctx.api->protocol == gh::core::ApiProtocol::kRest);
  CHECK(ctx.api->account_id == "000000000000");
  CHECK(ctx.api->region == "us-east-1");
  REQUIRE(ctx.stage != nullptr);
  CHECK(ctx.stage->name == "prod");
  REQUIRE(ctx.route != nullptr);
  CHECK(ctx.route->route_key == "ANY /{proxy+}");
  CHECK(ctx.route->method == "ANY");
  CHECK(ctx.route->path == "/{proxy+}");
  CHECK(ctx.path == "/a%20b//c%2Fd/");
  REQUIRE(ctx.path_params.size() == 1);
  CHECK(ctx.path_params[0].name == "proxy");
  CHECK(ctx.path_params[0].value == "a%20b//c%2Fd");
  REQUIRE(d.binding() != nullptr);
  CHECK(d.binding()->integration != nullptr);
  CHECK(d.binding()->integration->describe() == "mock 200");
}

TEST_CASE("dispatch: HTTP APIs route on the decoded path, REST APIs on the path as sent") {
  Compiled c(R"(version: 1
apis:
  - id: web
    protocol: HTTP
    stages: {$default: {}, beta: {}}
    routes:
      "GET /café": {integration: {type: mock}}
      "GET /a/b": {integration: {type: mock}}
      "GET /items/{id}": {integration: {type: mock}}
      "ANY /files/{proxy+}": {integration: {type: mock}}
  - id: legacy
    protocol: REST
    basePath: /legacy
    stages: {prod: {}}
    routes:
      "GET /café": {integration: {type: mock}}
      "GET /items/{id}": {integration: {type: mock}}
      "ANY /files/{proxy+}": {integration: {type: mock}}
)");
  check_all(*c.snapshot,
            {
                {"web.execute-api.localhost", "/caf%C3%A9", "web $default GET /café /café"},
                {"web.execute-api.localhost", "/caf%c3%a9?x=%20", "web $default GET /café /café"},
                // The stage segment is decoded too.
                {"web.execute-api.localhost", "/b%65ta/caf%C3%A9", "web beta GET /café /café"},
                // %2F is a real '/': two segments.
                {"web.execute-api.localhost", "/a%2Fb", "web $default GET /a/b /a/b"},
                {"web.execute-api.localhost", "/items/a%2Fb", "web $default - /items/a/b"},
                {"web.execute-api.localhost", "/items/Chester%20Mall",
                 "web $default GET /items/{id} /items/Chester Mall id=Chester Mall"},
                {"web.execute-api.localhost", "/items/x%3Fy",
                 "web $default GET /items/{id} /items/x id=x"},
                {"web.execute-api.localhost", "/files/a%2Fb/c%252Fd",
                 "web $default ANY /files/{proxy+} /files/a/b/c/d proxy=a/b/c/d"},
                // REST: nothing is decoded; an escaped literal matches no literal route.
                {"localhost", "/legacy/prod/caf%C3%A9", "legacy prod - /caf%C3%A9"},
                {"localhost", "/legacy/prod/items/Chester%20Mall",
                 "legacy prod GET /items/{id} /items/Chester%20Mall id=Chester%20Mall"},
                {"localhost", "/legacy/prod/files/a%2Fb",
                 "legacy prod ANY /files/{proxy+} /files/a%2Fb proxy=a%2Fb"},
                {"localhost", "/legacy/prod/items/a%zz",
                 "legacy prod GET /items/{id} /items/a%zz id=a%zz"},
            });

  // The decoded path with the stage is what the API reports; REST reports the path as sent.
  auto context = [&](const char* host, const char* target) {
    gh::core::RequestContext ctx;
    ctx.request.method = "GET";
    ctx.request.set_target(target);
    ctx.request.headers.add("Host", host);
    gh::pipeline::Dispatch d = gh::pipeline::dispatch(*c.snapshot, ctx);
    return std::make_pair(d, std::move(ctx));
  };
  {
    auto [d, ctx] = context("web.execute-api.localhost", "/beta/items/caf%C3%A9%20x?q=1");
    CHECK(d.matched());
    CHECK(ctx.path_decoded());
    CHECK(ctx.request.path == "/beta/items/caf%C3%A9%20x");  // the wire path is kept for SigV4
    CHECK(ctx.request_path() == "/beta/items/café x");
    CHECK(ctx.path == "/items/café x");
  }
  {
    // Without escapes nothing is copied: the reported path is the request's own.
    auto [d, ctx] = context("web.execute-api.localhost", "/items/7");
    CHECK(d.matched());
    CHECK(ctx.decoded_request_path.empty());
    CHECK(ctx.request_path() == "/items/7");
  }
  {
    // A base path is Gatehouse's own prefix: kept as sent in front of the decoded rest.
    Compiled based(R"(version: 1
apis:
  - id: web
    protocol: HTTP
    basePath: /web
    routes:
      "GET /items/{id}": {integration: {type: mock}}
)");
    gh::core::RequestContext ctx;
    ctx.request.method = "GET";
    ctx.request.set_target("/web/items/a%20b");
    gh::pipeline::Dispatch d = gh::pipeline::dispatch(*based.snapshot, ctx);
    CHECK(d.matched());
    CHECK(ctx.request_path() == "/web/items/a b");
    CHECK(ctx.path_params.at(0).value == "a b");
  }
  {
    auto [d, ctx] = context("localhost", "/legacy/prod/items/caf%C3%A9");
    CHECK(d.matched());
    CHECK_FALSE(ctx.path_decoded());
    CHECK(ctx.request_path() == "/legacy/prod/items/caf%C3%A9");
  }
  // A path AWS cannot decode: the API is known (HTTP-style errors), no stage or route, and the
  // gateway answers 400 instead of a miss.
  for (const char* bad : {"/items/percent%25done", "/items/a%zz", "/items/a%"}) {
    CAPTURE(bad);
    auto [d, ctx] = context("web.execute-api.localhost", bad);
    CHECK(d.undecodable_path);
    CHECK(d.api != nullptr);
    CHECK(d.stage == nullptr);
    CHECK_FALSE(d.matched());
    CHECK(d.protocol() == gh::core::ApiProtocol::kHttp);
  }
  CHECK_FALSE(context("web.execute-api.localhost", "/items/7").first.undecodable_path);
}

TEST_CASE("dispatch: no API → HTTP-style protocol, nothing filled") {
  // Two APIs without a base path: no sole root API, so an unknown path has no API.
  Compiled c(R"(version: 1
apis:
  - id: one
    routes: {"GET /a": {integration: {type: mock}}}
  - id: two
    protocol: REST
    routes: {"GET /a": {integration: {type: mock}}}
)");
  CHECK(c.snapshot->sole_root_api() == nullptr);
  gh::core::RequestContext ctx;
  ctx.request.method = "GET";
  ctx.request.set_target("/a");
  ctx.request.headers.add("Host", "localhost");
  auto d = gh::pipeline::dispatch(*c.snapshot, ctx);
  CHECK(d.api == nullptr);
  CHECK(d.stage == nullptr);
  CHECK(d.route == gh::routing::RouteTable::npos);
  CHECK(d.protocol() == gh::core::ApiProtocol::kHttp);
  CHECK(ctx.api == nullptr);
  CHECK(ctx.stage == nullptr);
  CHECK(ctx.route == nullptr);
  CHECK(ctx.path == "");
  // Each is still reachable by Host.
  CHECK(run(*c.snapshot, "GET", "/a", "one.execute-api.localhost") == "one $default GET /a /a");
  CHECK(run(*c.snapshot, "GET", "/dev/a", "two.execute-api.localhost") == "two dev GET /a /a");
  CHECK(run(*c.snapshot, "GET", "/a", "two.execute-api.localhost") == "two -");
}

TEST_CASE("dispatch: methods go through to the route table") {
  Compiled c(kConfig);
  CHECK(run(*c.snapshot, "POST", "/pets/1") == "petstore $default - /pets/1");
  CHECK(run(*c.snapshot, "HEAD", "/pets/1") == "petstore $default - /pets/1");
  CHECK(run(*c.snapshot, "PUT", "/files/a/b") ==
        "petstore $default ANY /files/{proxy+} /files/a/b proxy=a/b");
  CHECK(run(*c.snapshot, "POST", "/staged/beta/x") == "staged beta $default /x");
}
