// Snapshot::compile: route tables, stages, plugin binding, and the diagnostics compilation adds
// (integration types, mock factory errors, route conflicts, access-log format).
#include <doctest/doctest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <regex>
#include <string>

#include "gateway/config/config.hpp"
#include "gateway/core/plugin_registry.hpp"
#include "gateway/core/services.hpp"
#include "gateway/pipeline/dispatch.hpp"
#include "gateway/pipeline/metrics.hpp"
#include "gateway/pipeline/snapshot.hpp"
#include "plugins/builtin.hpp"
#include "tests/unit/compile_fixture.hpp"

namespace {

using gh::pipeline::Snapshot;
using gh::testing::Compile;
using gh::testing::compile_errors;

// Runs an integration's coroutine to completion on a private io_context (no sockets).
gh::core::IntegrationResult invoke(const gh::core::Integration& integration,
                                   gh::core::RequestContext& ctx) {
  boost::asio::io_context io;
  std::optional<gh::core::IntegrationResult> result;
  boost::asio::co_spawn(io, integration.invoke(ctx),
                        [&](std::exception_ptr e, gh::core::IntegrationResult r) {
                          REQUIRE(e == nullptr);
                          result = std::move(r);
                        });
  io.run();
  REQUIRE(result.has_value());
  return std::move(*result);
}

}  // namespace

TEST_CASE("snapshot: compiles APIs, routes, stages and bindings") {
  gh::pipeline::Metrics metrics(1);
  Compile c(R"(version: 1
aws: {region: eu-west-1, accountId: "123456789012"}
apis:
  - id: shop
    name: Shop API
    protocol: REST
    basePath: /shop
    stages:
      prod: {stageVariables: {zeta: "1", alpha: "2"}}
      dev: {}
    routes:
      "GET /items/": {integration: {type: mock}}
      "ANY /{proxy+}": {integration: {type: mock, statusCode: 404}}
  - id: web
    routes:
      "$default": {integration: {type: mock}}
)",
            &metrics);
  INFO(c.diags.format());
  REQUIRE(c.snapshot != nullptr);
  CHECK(c.diags.all().empty());
  const Snapshot& snap = *c.snapshot;
  REQUIRE(snap.apis().size() == 2);
  CHECK(snap.config().apis.size() == 2);
  CHECK(snap.sole_root_api() == snap.apis()[1].get());
  CHECK(snap.api("web") == snap.apis()[1].get());
  CHECK(snap.api("shop") == snap.apis()[0].get());
  CHECK(snap.api("nope") == nullptr);

  const auto& shop = *snap.apis()[0];
  CHECK(shop.info.id == "shop");
  CHECK(shop.info.name == "Shop API");
  CHECK(shop.info.protocol == gh::core::ApiProtocol::kRest);
  CHECK(shop.info.account_id == "123456789012");
  CHECK(shop.info.region == "eu-west-1");
  CHECK(shop.base_path == "/shop");
  REQUIRE(shop.routes.size() == 2);
  CHECK(shop.routes[0].route_key == "GET /items");  // normalised
  CHECK(shop.routes[0].method == "GET");
  CHECK(shop.routes[0].path == "/items");
  CHECK(shop.routes[1].route_key == "ANY /{proxy+}");
  CHECK(shop.routes[1].path == "/{proxy+}");
  const std::regex resource_id("^[0-9a-z]{6}$");
  CHECK(std::regex_match(shop.routes[0].resource_id, resource_id));
  CHECK(std::regex_match(shop.routes[1].resource_id, resource_id));
  CHECK(shop.routes[0].resource_id != shop.routes[1].resource_id);
  CHECK(shop.table.size() == 2);
  REQUIRE(shop.stages.size() == 2);
  CHECK(shop.stages[0].info.name == "prod");
  CHECK(shop.stages[1].info.name == "dev");
  REQUIRE(shop.stages[0].info.variables.size() == 2);
  CHECK(shop.stages[0].info.variables[0].first == "alpha");
  CHECK(shop.stages[0].info.variables[1].first == "zeta");
  REQUIRE(shop.stages[0].info.variable("alpha") != nullptr);
  CHECK(*shop.stages[0].info.variable("alpha") == "2");
  CHECK(shop.stages[0].info.variable("beta") == nullptr);
  CHECK(shop.stage("dev") == &shop.stages[1]);
  CHECK(shop.stage("test") == nullptr);
  CHECK(shop.default_stage == nullptr);  // REST: no $default stage
  for (const auto& stage : shop.stages) {
    REQUIRE(stage.bindings.size() == 2);
    REQUIRE(stage.bindings[0].integration != nullptr);
    CHECK(stage.bindings[0].integration->describe() == "mock 200");
    REQUIRE(stage.bindings[1].integration != nullptr);
    CHECK(stage.bindings[1].integration->describe() == "mock 404");
    // No auth, no API key: only the Throttle phase (every route passes the account bucket).
    REQUIRE(stage.bindings[0].middleware.size() == 1);
    CHECK(stage.bindings[0].middleware[0]->phase() == gh::core::Phase::kThrottle);
    CHECK(stage.bindings[0].metrics == &metrics.route("shop", "GET /items"));
    CHECK(stage.bindings[1].metrics == &metrics.route("shop", "ANY /{proxy+}"));
  }
  CHECK(shop.unmatched_metrics == &metrics.route("shop", ""));
  CHECK(snap.unknown_api_metrics() == &metrics.route("", ""));

  const auto& web = *snap.apis()[1];
  CHECK(web.info.protocol == gh::core::ApiProtocol::kHttp);
  CHECK(web.info.name == "web");  // defaults to the id
  REQUIRE(web.routes.size() == 1);
  CHECK(web.routes[0].route_key == "$default");
  CHECK(web.routes[0].method == "");
  CHECK(web.routes[0].path == "");
  REQUIRE(web.stages.size() == 1);
  CHECK(web.default_stage == &web.stages[0]);
  CHECK(web.default_stage->info.name == "$default");

  // The default access log is the text preset.
  CHECK(snap.access_log_format().source_text() == gh::config::kAccessLogTextFormat);
  CHECK_FALSE(snap.access_log_json());
}

TEST_CASE("snapshot: resource ids are stable across compiles") {
  const char* yaml = R"(version: 1
apis:
  - id: a
    routes:
      "GET /pets": {integration: {type: mock}}
      "POST /pets": {integration: {type: mock}}
)";
  Compile one(yaml);
  Compile two(yaml);
  REQUIRE(one.snapshot != nullptr);
  REQUIRE(two.snapshot != nullptr);
  const auto& r1 = one.snapshot->apis()[0]->routes;
  const auto& r2 = two.snapshot->apis()[0]->routes;
  CHECK(r1[0].resource_id == r2[0].resource_id);
  CHECK(r1[1].resource_id == r2[1].resource_id);
  CHECK(r1[0].resource_id != r1[1].resource_id);
}

TEST_CASE("snapshot: no sole root API when several APIs have no base path") {
  Compile c(R"(version: 1
apis:
  - id: a
    routes: {"GET /": {integration: {type: mock}}}
  - id: b
    routes: {"GET /": {integration: {type: mock}}}
  - id: c
    basePath: /c
    routes: {"GET /": {integration: {type: mock}}}
)");
  REQUIRE(c.snapshot != nullptr);
  CHECK(c.snapshot->sole_root_api() == nullptr);
}

TEST_CASE("snapshot: integration type errors") {
  SUBCASE("unknown type, with did-you-mean") {
    CHECK(compile_errors(R"(version: 1
apis:
  - id: a
    routes:
      "GET /":
        integration: {type: mokc}
)") == "snap.yaml:6:29: error: apis[0].routes[\"GET /\"].integration.type: unknown integration "
       "type 'mokc'; did you mean 'mock'?\n");
  }
  SUBCASE("unknown type, nothing close") {
    CHECK(compile_errors(R"(version: 1
apis:
  - id: a
    routes:
      "GET /":
        integration:
          type: lambda_function_url
)") == "snap.yaml:7:17: error: apis[0].routes[\"GET /\"].integration.type: unknown integration "
       "type 'lambda_function_url'\n");
  }
  SUBCASE("missing type") {
    CHECK(compile_errors(R"(version: 1
apis:
  - id: a
    routes:
      "GET /":
        integration:
          statusCode: 200
)") == "snap.yaml:7:11: error: apis[0].routes[\"GET /\"].integration.type: missing required "
       "key 'type'\n");
  }
  SUBCASE("type is not a string") {
    CHECK(compile_errors(R"(version: 1
apis:
  - id: a
    routes:
      "GET /":
        integration: {type: [mock]}
)") == "snap.yaml:6:29: error: apis[0].routes[\"GET /\"].integration.type: expected a string, "
       "got a list\n");
  }
  SUBCASE("integration is not a mapping") {
    CHECK(compile_errors(R"(version: 1
apis:
  - id: a
    routes:
      "GET /":
        integration: mock
)") == "snap.yaml:6:22: error: apis[0].routes[\"GET /\"].integration: expected a mapping, got "
       "a string\n");
  }
}

TEST_CASE("snapshot: mock factory errors") {
  SUBCASE("statusCode out of range") {
    CHECK(compile_errors(R"(version: 1
apis:
  - id: a
    routes:
      "GET /":
        integration: {type: mock, statusCode: 700}
)") == "snap.yaml:6:47: error: apis[0].routes[\"GET /\"].integration.statusCode: must be "
       "between 100 and 599, got 700\n");
  }
  SUBCASE("statusCode not a number") {
    CHECK(compile_errors(R"(version: 1
apis:
  - id: a
    routes:
      "GET /":
        integration: {type: mock, statusCode: ok}
)") == "snap.yaml:6:47: error: apis[0].routes[\"GET /\"].integration.statusCode: expected an "
       "integer, got 'ok'\n");
  }
  SUBCASE("statusCode quoted") {
    CHECK(compile_errors(R"(version: 1
apis:
  - id: a
    routes:
      "GET /":
        integration: {type: mock, statusCode: "200"}
)") == "snap.yaml:6:47: error: apis[0].routes[\"GET /\"].integration.statusCode: expected an "
       "integer, got the quoted string '200'\n");
  }
  SUBCASE("unknown key, with did-you-mean") {
    CHECK(compile_errors(R"(version: 1
apis:
  - id: a
    routes:
      "GET /":
        integration:
          type: mock
          bdy: hello
          statuscode: 201
)") == "snap.yaml:8:11: error: apis[0].routes[\"GET /\"].integration.bdy: unknown key 'bdy'; "
       "did you mean 'body'?\n"
       "snap.yaml:9:11: error: apis[0].routes[\"GET /\"].integration.statuscode: unknown key "
       "'statuscode'; did you mean 'statusCode'?\n");
  }
  SUBCASE("unknown $context variable in the body") {
    CHECK(compile_errors(R"(version: 1
apis:
  - id: a
    routes:
      "GET /":
        integration:
          type: mock
          body: '{"id": "$context.requestID"}'
)") == "snap.yaml:8:17: error: apis[0].routes[\"GET /\"].integration.body: unknown variable "
       "$context.requestID\n");
  }
  SUBCASE("unknown $context variable in a header; headers not a mapping") {
    CHECK(compile_errors(R"(version: 1
apis:
  - id: a
    routes:
      "GET /a":
        integration:
          type: mock
          headers: {X-Id: "${context.nope}"}
      "GET /b":
        integration:
          type: mock
          headers: [X-Id]
)") == "snap.yaml:8:27: error: apis[0].routes[\"GET /a\"].integration.headers.X-Id: unknown "
       "variable $context.nope\n"
       "snap.yaml:12:20: error: apis[0].routes[\"GET /b\"].integration.headers: expected a "
       "mapping, got a list\n");
  }
}

TEST_CASE("snapshot: route conflicts") {
  CHECK(compile_errors(R"(version: 1
apis:
  - id: a
    routes:
      "GET /a/{x}": {integration: {type: mock}}
      "GET /a/{y}": {integration: {type: mock}}
      "GET /b": {integration: {type: mock}}
      "GET /b/": {integration: {type: mock}}
)") == "snap.yaml:6:7: error: apis[0].routes[\"GET /a/{y}\"]: route \"GET /a/{y}\" conflicts "
       "with route \"GET /a/{x}\"\n"
       "snap.yaml:8:7: error: apis[0].routes[\"GET /b/\"]: route \"GET /b/\" conflicts with "
       "route \"GET /b\"\n");
}

TEST_CASE("snapshot: the same error in every stage is reported once") {
  Compile c(R"(version: 1
apis:
  - id: a
    protocol: REST
    stages: {dev: {}, prod: {}, test: {}}
    routes:
      "GET /":
        integration: {type: mock, body: "$context.nope", statusCode: 1}
)");
  REQUIRE(c.loaded);
  CHECK(c.snapshot == nullptr);
  CHECK(c.diags.error_count() == 2);
  CHECK(c.diags.format() ==
        "snap.yaml:8:41: error: apis[0].routes[\"GET /\"].integration.body: unknown variable "
        "$context.nope\n"
        "snap.yaml:8:70: error: apis[0].routes[\"GET /\"].integration.statusCode: must be between "
        "100 and 599, got 1\n");
}

TEST_CASE("snapshot: access-log format") {
  SUBCASE("unknown $context variable") {
    CHECK(compile_errors(R"(version: 1
logging:
  accessLog: {format: "$context.requestId $context.sourceIp"}
apis:
  - id: a
    routes: {"GET /": {integration: {type: mock}}}
)") == "snap.yaml:3:23: error: logging.accessLog.format: unknown variable $context.sourceIp\n");
  }
  struct Case {
    const char* format;
    bool json;
    const char* source;  // expected source text ("" = same as format)
  };
  const Case cases[] = {
      {"text", false, gh::config::kAccessLogTextFormat},
      {"json", true, gh::config::kAccessLogJsonFormat},
      {"'  {\"id\": \"$context.requestId\"}'", true, "  {\"id\": \"$context.requestId\"}"},
      {"'$context.requestId {x}'", false, "$context.requestId {x}"},
      // access logs take $context and $stageVariables only: $request.* is literal text
      {"'$request.path.id $context.stage'", false, "$request.path.id $context.stage"},
  };
  for (const auto& k : cases) {
    CAPTURE(k.format);
    Compile c(std::string("version: 1\nlogging:\n  accessLog:\n    format: ") + k.format +
              "\napis:\n  - id: a\n    routes: {\"GET /\": {integration: {type: mock}}}\n");
    INFO(c.diags.format());
    REQUIRE(c.snapshot != nullptr);
    CHECK(c.snapshot->access_log_json() == k.json);
    CHECK(c.snapshot->access_log_format().source_text() == k.source);
  }
  // $request.* stays literal when rendered.
  Compile c(R"(version: 1
logging: {accessLog: {format: "$request.path.id $context.stage"}}
apis:
  - id: a
    routes: {"GET /": {integration: {type: mock}}}
)");
  REQUIRE(c.snapshot != nullptr);
  gh::core::StageInfo stage{"dev", {}};
  gh::core::RequestContext ctx;
  ctx.stage = &stage;
  std::string line;
  c.snapshot->access_log_format().render(ctx, line, "-");
  CHECK(line == "$request.path.id dev");
}

TEST_CASE("snapshot: mock integration renders status, headers and body") {
  Compile c(R"(version: 1
apis:
  - id: pets
    protocol: REST
    stages:
      dev: {stageVariables: {env: development}}
    routes:
      "GET /pets/{id}":
        integration:
          type: mock
          statusCode: 201
          headers:
            Content-Type: application/json
            X-Id: $request.path.id
            X-Env: "${stageVariables.env}!"
            X-Missing: "[$request.header.x-none]"
          body: '{"id": "$request.path.id", "rid": "$context.requestId", "q": "$request.querystring.q", "h": "$request.header.X-H", "route": "$context.routeKey", "stage": "$context.stage", "path": "$request.path"}'
      "GET /empty": {integration: {type: mock}}
)");
  INFO(c.diags.format());
  REQUIRE(c.snapshot != nullptr);

  gh::core::RequestContext ctx;
  ctx.request.method = "GET";
  ctx.request.set_target("/dev/pets/a%20b?q=x%22y&q=2");
  ctx.request.headers.add("Host", "pets.execute-api.localhost:3000");
  ctx.request.headers.add("X-H", "v1");
  ctx.request.headers.add("x-h", "v2");
  ctx.request_id = "0f1e2d3c-0000-4000-8000-000000000000";
  auto d = gh::pipeline::dispatch(*c.snapshot, ctx);
  REQUIRE(d.matched());
  auto result = invoke(*d.binding()->integration, ctx);
  REQUIRE(std::holds_alternative<gh::core::Response>(result));
  const auto& response = std::get<gh::core::Response>(result);
  CHECK(response.status == 201);
  std::vector<std::string> headers;
  for (const auto& f : response.headers) headers.push_back(f.name + ": " + f.value);
  CHECK(headers == std::vector<std::string>{"Content-Type: application/json", "X-Id: a%20b",
                                            "X-Env: development!", "X-Missing: []"});
  CHECK(response.body ==
        R"({"id": "a%20b", "rid": "0f1e2d3c-0000-4000-8000-000000000000", "q": "x"y,2", )"
        R"("h": "v1,v2", "route": "GET /pets/{id}", "stage": "dev", "path": "/pets/a%20b"})");

  // No statusCode, headers or body: 200, nothing else.
  gh::core::RequestContext ctx2;
  ctx2.request.method = "GET";
  ctx2.request.set_target("/dev/empty");
  ctx2.request.headers.add("Host", "pets.execute-api.localhost");
  auto d2 = gh::pipeline::dispatch(*c.snapshot, ctx2);
  REQUIRE(d2.matched());
  CHECK(d2.binding()->integration->describe() == "mock 200");
  auto result2 = invoke(*d2.binding()->integration, ctx2);
  REQUIRE(std::holds_alternative<gh::core::Response>(result2));
  CHECK(std::get<gh::core::Response>(result2).status == 200);
  CHECK(std::get<gh::core::Response>(result2).headers.empty());
  CHECK(std::get<gh::core::Response>(result2).body == "");
}
