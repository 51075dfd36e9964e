// ValueTemplate: every variable source, braces, trailing dots, literals, missing values, escaping.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "gateway/core/value_template.hpp"

namespace {

using gh::core::ValueTemplate;

// 2020-03-10T00:03:59.123Z
const auto kRequestTime =
    std::chrono::system_clock::time_point(std::chrono::milliseconds(1583798639123LL));

struct Fixture {
  gh::core::ApiInfo api{"abc123", "Pets", gh::core::ApiProtocol::kRest, "000000000000", "us-east-1",
                        {},       {}};
  gh::core::StageInfo stage{"dev", {{"env", "prod"}, {"url", "http://x/\"q\""}}};
  gh::core::RouteInfo route{"GET /pets/{id}", "GET", "/pets/{id}", "r3s0id"};
  gh::core::RequestContext ctx;

  Fixture() {
    ctx.request.method = "GET";
    ctx.request.set_target(
        "/dev/pets/7?name=a%20b&tag=x&tag=y&plus=a+b&flag&empty=&a%5Bb%5D=1&a-b=dash&cost=%245");
    ctx.request.headers.add("Host", "abc123.execute-api.localhost:3000");
    ctx.request.headers.add("X-Multi", "1");
    ctx.request.headers.add("x-multi", "2");
    ctx.request.headers.add("User-Agent", "curl/8 \"quoted\"");
    ctx.api = &api;
    ctx.stage = &stage;
    ctx.route = &route;
    ctx.path = "/pets/7";
    ctx.path_params = {{"id", "7"}, {"proxy", "a%2Fb"}};
    ctx.domain_name = "abc123.execute-api.localhost";
    ctx.request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef";
    ctx.extended_request_id = "IOIGVEoIrPEFfJg=";
    ctx.request_time = kRequestTime;
    ctx.received = std::chrono::steady_clock::now();
    ctx.identity.source_ip = "203.0.113.7";
    ctx.identity.user_agent = "curl/8";
    ctx.identity.access_key = "AKIDEXAMPLE";
    ctx.identity.account_id = "111122223333";
    ctx.identity.caller = "AIDACALLER";
    ctx.identity.user = "AIDAUSER";
    ctx.identity.user_arn = "arn:aws:iam::111122223333:user/alice";
    ctx.identity.principal_org_id = "o-abc";
    ctx.identity.api_key = "key-value";
    ctx.identity.api_key_id = "key-id";
    ctx.status = 200;
    ctx.response_length = 42;
    ctx.integration_status = 201;
    ctx.integration_latency = std::chrono::milliseconds(15);
    ctx.integration_error = "boom";
    ctx.error_kind = gh::core::ErrorKind::kIntegrationTimeout;
    ctx.error_message = "Endpoint request timed out";
  }
};

std::string render(const std::string& text, const gh::core::RequestContext& ctx,
                   std::string_view missing = {}, bool json = false,
                   ValueTemplate::Allowed allowed = {}) {
  std::string error;
  auto t = ValueTemplate::compile(text, allowed, error);
  INFO(error);
  REQUIRE(t.has_value());
  CHECK(error == "");
  CHECK(t->source_text() == text);
  std::string out = "prefix:";
  t->render(ctx, out, missing, json);
  REQUIRE(out.starts_with("prefix:"));  // render appends
  return out.substr(7);
}

struct Case {
  const char* text;
  const char* expected;
};

}  // namespace

TEST_CASE("value template: $context variables") {
  Fixture f;
  const Case cases[] = {
      {"$context.requestId", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"},
      {"$context.extendedRequestId", "IOIGVEoIrPEFfJg="},
      {"$context.apiId", "abc123"},
      {"$context.accountId", "000000000000"},
      {"$context.stage", "dev"},
      {"$context.routeKey", "GET /pets/{id}"},
      {"$context.resourcePath", "/pets/{id}"},
      {"$context.resourceId", "r3s0id"},
      {"$context.httpMethod", "GET"},
      {"$context.path", "/dev/pets/7"},
      {"$context.protocol", "HTTP/1.1"},
      {"$context.requestTime", "10/Mar/2020:00:03:59 +0000"},
      {"$context.requestTimeEpoch", "1583798639123"},
      {"$context.domainName", "abc123.execute-api.localhost"},
      {"$context.domainPrefix", "abc123"},
      {"$context.status", "200"},
      {"$context.responseLength", "42"},
      {"$context.integrationLatency", "15"},
      {"$context.integration.latency", "15"},
      {"$context.integrationStatus", "201"},
      {"$context.integration.status", "201"},
      {"$context.integration.integrationStatus", "201"},
      {"$context.integration.error", "boom"},
      {"$context.integrationErrorMessage", "boom"},
      {"$context.error.message", "Endpoint request timed out"},
      {"$context.error.messageString", "\"Endpoint request timed out\""},
      {"$context.error.responseType", "INTEGRATION_TIMEOUT"},
      {"$context.identity.sourceIp", "203.0.113.7"},
      {"$context.identity.userAgent", "curl/8"},
      {"$context.identity.accessKey", "AKIDEXAMPLE"},
      {"$context.identity.accountId", "111122223333"},
      {"$context.identity.caller", "AIDACALLER"},
      {"$context.identity.user", "AIDAUSER"},
      {"$context.identity.userArn", "arn:aws:iam::111122223333:user/alice"},
      {"$context.identity.principalOrgId", "o-abc"},
      {"$context.identity.apiKey", "key-value"},
      {"$context.identity.apiKeyId", "key-id"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(render(c.text, f.ctx) == c.expected);
    // The braced form gives the same value.
    std::string braced = std::string("${") + (c.text + 1) + "}";
    CHECK(render(braced, f.ctx) == c.expected);
  }
  f.ctx.request.version = 10;
  CHECK(render("$context.protocol", f.ctx) == "HTTP/1.0");
}

TEST_CASE("value template: $context.responseLatency counts from ctx.received") {
  Fixture f;
  f.ctx.received = std::chrono::steady_clock::now() - std::chrono::milliseconds(250);
  int latency = std::stoi(render("$context.responseLatency", f.ctx));
  CHECK(latency >= 250);
  CHECK(latency < 60000);
}

TEST_CASE("value template: request, stage-variable and path sources") {
  Fixture f;
  const Case cases[] = {
      {"$request.path.id", "7"},
      {"$request.path.proxy", "a%2Fb"},  // raw, as matched
      {"${request.path.id}", "7"},
      {"$request.path", "/pets/7"},
      {"${request.path}", "/pets/7"},
      {"$request.path/x", "/pets/7/x"},
      {"$request.querystring.name", "a b"},
      {"$request.querystring.tag", "x,y"},  // duplicates joined
      {"$request.querystring.plus", "a b"},
      {"$request.querystring.flag", ""},
      {"$request.querystring.empty", ""},
      {"${request.querystring.a[b]}", "1"},  // keys compared decoded
      {"$request.querystring.a-b", "dash"},
      {"$request.querystring.cost", "$5"},
      {"$request.header.x-multi", "1,2"},  // case-insensitive, joined
      {"$request.header.X-MULTI", "1,2"},
      {"$request.header.user-agent", "curl/8 \"quoted\""},
      {"$request.header.Host", "abc123.execute-api.localhost:3000"},
      {"$stageVariables.env", "prod"},
      {"${stageVariables.url}", "http://x/\"q\""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(render(c.text, f.ctx, "-") == c.expected);
  }
}

TEST_CASE("value template: names end where name characters end; a trailing dot is text") {
  Fixture f;
  const Case cases[] = {
      {"id=$request.path.id.", "id=7."},
      {"$context.requestId.", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef."},
      {"$context.stage...", "dev..."},
      {"Path is $request.path.", "Path is /pets/7."},
      {"$stageVariables.env.", "prod."},
      {"$request.header.x-multi.", "1,2."},
      {"$context.stage-$context.apiId", "dev-abc123"},  // no '-' in $context names
      {"$request.path.id-x", "-"},                      // '-' allowed in parameter names
      {"$stageVariables.env-x", "prod-x"},              // not in stage variable names
      {"[$context.stage]", "[dev]"},
      {"$context.stage/$request.path.id", "dev/7"},
      {"${context.stage}${request.path.id}", "dev7"},
      {"${context.stage}x", "devx"},
      {"$context.stage x", "dev x"},
      {"\"$context.stage\"", "\"dev\""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(render(c.text, f.ctx, "-") == c.expected);
  }
}

TEST_CASE("value template: a '$' that starts no variable is literal") {
  Fixture f;
  const char* literals[] = {
      "$",
      "$$",
      "cost: $5",
      "$foo.bar",
      "$context",
      "$context.",
      "${context.stage",  // unclosed brace
      "${}",
      "${request.path.}",
      "$request",
      "$request.pathX",
      "$request.path_x",
      "$request.querystring.",
      "$request.header.",
      "$stageVariables.",
      "$Context.stage",
      "${env:HOME}",
      "no variables at all",
      "",
  };
  for (const char* text : literals) {
    CAPTURE(text);
    std::string error;
    auto t = ValueTemplate::compile(text, {}, error);
    REQUIRE(t.has_value());
    CHECK(t->is_constant());
    CHECK(render(text, f.ctx, "-") == text);
  }
  CHECK(render("$$context.stage", f.ctx) == "$dev");
  CHECK(render("${${context.stage}}", f.ctx) == "${dev}");
}

TEST_CASE("value template: unknown $context variables are errors") {
  for (const char* text : {"$context.nope", "${context.nope}", "ok $context.requestID",
                           "$context.requestIdX", "$context.identity", "${context.stage }"}) {
    CAPTURE(text);
    std::string error;
    CHECK_FALSE(ValueTemplate::compile(text, {}, error).has_value());
    CHECK(error != "");
  }
  std::string error;
  CHECK_FALSE(
      ValueTemplate::compile("a $context.stage b ${context.foo.bar} c", {}, error).has_value());
  CHECK(error == "unknown variable $context.foo.bar");
  // Also when request variables are not allowed: $context is always checked.
  CHECK_FALSE(ValueTemplate::compile("$context.x", {false, false}, error).has_value());
  CHECK(error == "unknown variable $context.x");
}

TEST_CASE("value template: allowed sources") {
  Fixture f;
  // Access logs: $context and $stageVariables only; request variables stay literal.
  ValueTemplate::Allowed logs{false, true};
  CHECK(render("$request.path.id $request.path $request.header.Host $stageVariables.env "
               "$context.stage",
               f.ctx, "-", false,
               logs) == "$request.path.id $request.path $request.header.Host prod dev");
  ValueTemplate::Allowed no_stage_vars{true, false};
  CHECK(render("$stageVariables.env $request.path.id", f.ctx, "-", false, no_stage_vars) ==
        "$stageVariables.env 7");
}

TEST_CASE("value template: missing values render as the caller's placeholder") {
  gh::core::RequestContext empty;  // no API, stage, route, status, integration
  const char* texts[] = {
      "$context.apiId",
      "$context.accountId",
      "$context.stage",
      "$context.routeKey",
      "$context.resourcePath",
      "$context.resourceId",
      "$context.requestId",
      "$context.extendedRequestId",
      "$context.httpMethod",
      "$context.path",
      "$context.domainName",
      "$context.domainPrefix",
      "$context.status",
      "$context.responseLength",
      "$context.integrationLatency",
      "$context.integrationStatus",
      "$context.integration.error",
      "$context.error.message",
      "$context.error.messageString",
      "$context.error.responseType",
      "$context.identity.sourceIp",
      "$context.identity.userAgent",
      "$request.path.id",
      "$request.querystring.q",
      "$request.header.x-h",
      "$stageVariables.env",
  };
  for (const char* text : texts) {
    CAPTURE(text);
    CHECK(render(text, empty, "-") == "-");
    CHECK(render(text, empty) == "");
    CHECK(render(std::string("[") + text + "]", empty, "-", true) == "[-]");
  }
  // $request.path is always set (possibly empty); $context.protocol and requestTime always.
  CHECK(render("[$request.path]", empty, "-") == "[]");
  CHECK(render("$context.protocol", empty, "-") == "HTTP/1.1");
  CHECK(render("$context.requestTime", empty, "-") == "01/Jan/1970:00:00:00 +0000");
  CHECK(render("$context.requestTimeEpoch", empty, "-") == "0");

  Fixture f;
  f.ctx.stage = nullptr;
  CHECK(render("$stageVariables.env", f.ctx, "-") == "-");
  CHECK(render("$stageVariables.nope", Fixture().ctx, "-") == "-");
  CHECK(render("$request.path.nope", Fixture().ctx, "-") == "-");
  CHECK(render("$request.querystring.nope", Fixture().ctx, "-") == "-");
  CHECK(render("$request.header.nope", Fixture().ctx, "-") == "-");
  f.ctx.integration_status = 0;  // a real status of 0 is not "none"
  CHECK(render("$context.integrationStatus", f.ctx, "-") == "0");
}

TEST_CASE("value template: JSON escaping applies to values, not to the template text") {
  Fixture f;
  CHECK(render(R"({"ua":"$request.header.User-Agent","url":"$stageVariables.url"})", f.ctx, "-",
               true) == R"({"ua":"curl/8 \"quoted\"","url":"http://x/\"q\""})");
  CHECK(render(R"({"ua":"$request.header.User-Agent"})", f.ctx, "-", false) ==
        R"({"ua":"curl/8 "quoted""})");
  f.ctx.identity.user_agent = "line1\nline2\t\\\x01";
  CHECK(render("$context.identity.userAgent", f.ctx, "-", true) == R"(line1\nline2\t\\\u0001)");
  // messageString is already a JSON string literal; escaping it again is the caller's choice.
  CHECK(render("{\"message\":$context.error.messageString}", f.ctx, "-", false) ==
        R"({"message":"Endpoint request timed out"})");
}

TEST_CASE("value template: is_constant and append_context_variable") {
  std::string error;
  CHECK(ValueTemplate::compile("abc", {}, error)->is_constant());
  CHECK_FALSE(ValueTemplate::compile("$context.requestId", {}, error)->is_constant());
  CHECK_FALSE(ValueTemplate::compile("x$request.path", {}, error)->is_constant());
  CHECK(ValueTemplate::compile("$request.path", {false, true}, error)->is_constant());

  Fixture f;
  std::string out = "[";
  CHECK(gh::core::append_context_variable(f.ctx, "stage", out));
  CHECK(gh::core::append_context_variable(f.ctx, "identity.sourceIp", out));
  CHECK_FALSE(gh::core::append_context_variable(f.ctx, "nope", out));
  gh::core::RequestContext empty;
  CHECK_FALSE(gh::core::append_context_variable(empty, "apiId", out));
  CHECK(out == "[dev203.0.113.7");
}
