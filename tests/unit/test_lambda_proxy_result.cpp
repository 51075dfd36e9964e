// Lambda proxy results: every row of aws-behaviour.md §1.4 for REST 1.0 (strict), HTTP API 1.0
// (statusCode required) and HTTP API 2.0 (inference), with the exact status, header lines in
// order, and body bytes — or the gateway error the output maps to.
#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "gateway/core/api_info.hpp"
#include "plugins/lambda/proxy_result.hpp"

namespace {

using gh::core::ApiProtocol;
using gh::core::ErrorKind;
using gh::plugins::lambda::interpret_proxy_result;
using gh::plugins::lambda::PayloadFormat;
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Expected {
  bool error = false;
  ErrorKind kind = ErrorKind::kInternal;
  int status = 0;
  Headers headers;
  std::string body;
};

Expected ok(int status, Headers headers = {}, std::string body = {}) {
  return {false, ErrorKind::kInternal, status, std::move(headers), std::move(body)};
}
Expected fails(ErrorKind kind = ErrorKind::kIntegrationResponseError) {
  return {true, kind, 0, {}, {}};
}

struct Row {
  const char* name;
  std::string payload;
  Expected expected;
  std::string accept = {};                     // the client's Accept header ("" = none)
  std::vector<std::string> binary_types = {};  // REST binaryMediaTypes
};

void run(ApiProtocol protocol, PayloadFormat format, const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    gh::core::ApiInfo api{"a1b2c3d4e5", "Pets",           protocol, "123456789012",
                          "us-east-1",  row.binary_types, {}};
    gh::core::Request request;
    request.method = "GET";
    if (!row.accept.empty()) request.headers.add("Accept", row.accept);
    auto result = interpret_proxy_result(row.payload, api, format, request);
    INFO(row.name << ": " << row.payload);
    if (row.expected.error) {
      REQUIRE(std::holds_alternative<gh::core::GatewayError>(result));
      const auto& e = std::get<gh::core::GatewayError>(result);
      CHECK(e.kind == row.expected.kind);
      CHECK(e.message.empty());  // the body must stay AWS's default
      continue;
    }
    REQUIRE(std::holds_alternative<gh::core::Response>(result));
    const auto& r = std::get<gh::core::Response>(result);
    CHECK(r.status == row.expected.status);
    Headers headers;
    for (const auto& f : r.headers) headers.emplace_back(f.name, f.value);
    CHECK(headers == row.expected.headers);
    CHECK(r.body == row.expected.body);
  }
}

// "test-data", and its base64.
constexpr const char* kData = "test-data";
constexpr const char* kData64 = "dGVzdC1kYXRh";
const Headers kTextPlain = {{"Content-Type", "text/plain; charset=utf-8"}};
const Headers kJson = {{"Content-Type", "application/json"}};

}  // namespace

TEST_CASE("lambda proxy result: REST payload 1.0 is strict") {
  const std::vector<Row> rows = {
      // The rows validated against AWS [LS-AWS]. Content-Type application/json is the
      // pipeline's to add, so none appears here.
      {"status only", R"({"statusCode":200})", ok(200)},
      {"headers only", R"({"headers":{"test-header":"value"}})",
       ok(200, {{"test-header", "value"}})},
      {"numeric string status", R"({"statusCode":"201"})", ok(201)},
      {"non-numeric status", R"({"statusCode":"test"})", fails()},
      {"boolean header",
       R"({"statusCode":200,"headers":{"test-header":"value","header-bool":true}})",
       ok(200, {{"test-header", "value"}, {"header-bool", "true"}})},
      {"null headers", R"({"statusCode":200,"headers":null})", ok(200)},
      {"unknown key", R"({"statusCode":200,"wrongValue":"value"})", fails()},
      {"JSON string", R"("justAString")", fails()},
      {"multi-value headers",
       R"({"statusCode":200,"multiValueHeaders":{"test-multi":["value1","value2"]}})",
       ok(200, {{"test-multi", "value1"}, {"test-multi", "value2"}})},
      {"multi-value header not a list",
       R"({"statusCode":200,"multiValueHeaders":{"test-multi":"value1"}})", fails()},
      {"same header in both maps: multi first, then single",
       R"({"statusCode":200,"multiValueHeaders":{"test-multi":["value-multi"]},)"
       R"("headers":{"test-multi":"value-solo"}})",
       ok(200, {{"test-multi", "value-multi"}, {"test-multi", "value-solo"}})},
      {"the multiValueHeaders casing wins",
       R"({"statusCode":200,"multiValueHeaders":{"tesT-Multi":["value-multi"]},)"
       R"("headers":{"test-multi":"value-solo"}})",
       ok(200, {{"tesT-Multi", "value-multi"}, {"tesT-Multi", "value-solo"}})},
      {"base64 body, no binary media types: the text itself",
       std::string(R"({"statusCode":200,"isBase64Encoded":true,"body":")") + kData64 + "\"}",
       ok(200, {}, kData64), "image/png"},
      {"base64 body, Accept matches: decoded",
       std::string(R"({"statusCode":200,"isBase64Encoded":true,"body":")") + kData64 + "\"}",
       ok(200, {}, kData),
       "image/png",
       {"image/png"}},
      {"base64 body, Accept matches */*",
       std::string(R"({"statusCode":200,"isBase64Encoded":true,"body":")") + kData64 + "\"}",
       ok(200, {}, kData),
       "application/octet-stream",
       {"*/*"}},
      {"base64 body, only Accept's first type counts",
       std::string(R"({"statusCode":200,"isBase64Encoded":true,"body":")") + kData64 + "\"}",
       ok(200, {}, kData64),
       "text/html, image/png",
       {"image/png"}},
      {"base64 body not base64: configuration error (500)",
       R"({"statusCode":200,"isBase64Encoded":true,"body":"not base64!"})",
       fails(ErrorKind::kApiConfigurationError),
       "image/png",
       {"image/png"}},
      {"isBase64Encoded false: body as is",
       std::string(R"({"statusCode":200,"body":")") + kData64 + "\"}",
       ok(200, {}, kData64),
       "image/png",
       {"image/png"}},
      {"isBase64Encoded as a string",
       R"({"statusCode":200,"isBase64Encoded":"true","body":"YQ=="})",
       ok(200, {}, "a"),
       "image/png",
       {"image/png"}},
      // Malformed output.
      {"invalid JSON", R"({"statusCode":200)", fails()},
      {"empty payload", "", fails()},
      {"null payload", "null", fails()},
      {"array payload", "[1,2]", fails()},
      {"status 0", R"({"statusCode":0})", fails()},
      {"status below 100", R"({"statusCode":99})", fails()},
      {"status above 599", R"({"statusCode":600})", fails()},
      {"fractional status", R"({"statusCode":200.5})", fails()},
      {"status with spaces", R"({"statusCode":" 201"})", fails()},
      {"status as boolean", R"({"statusCode":true})", fails()},
      {"integral double status", R"({"statusCode":404.0})", ok(404)},
      {"null status defaults to 200", R"({"statusCode":null,"body":"x"})", ok(200, {}, "x")},
      {"object body", R"({"statusCode":200,"body":{"a":1}})", fails()},
      {"number body", R"({"statusCode":200,"body":42})", fails()},
      {"null body", R"({"statusCode":200,"body":null})", ok(200)},
      {"text body with a Content-Type",
       R"({"statusCode":200,"headers":{"Content-Type":"text/html"},"body":"<p>"})",
       ok(200, {{"Content-Type", "text/html"}}, "<p>")},
      {"numbers stringified, null skipped", R"({"headers":{"n":42,"f":1.5,"x":null,"b":false}})",
       ok(200, {{"n", "42"}, {"f", "1.5"}, {"b", "false"}})},
      {"object header value", R"({"headers":{"h":{"a":1}}})", fails()},
      {"headers not an object", R"({"headers":["a"]})", fails()},
      {"header value with CRLF", R"({"headers":{"h":"a\r\nX-Injected: 1"}})", fails()},
      {"header name not a token", R"({"headers":{"bad name":"v"}})", fails()},
      {"multi-value entry an object", R"({"multiValueHeaders":{"h":[{"a":1}]}})", fails()},
      {"isBase64Encoded a number", R"({"isBase64Encoded":1})", fails()},
      {"cookies are not REST", R"({"statusCode":200,"cookies":["a=1"]})", fails()},
      {"UTF-8 body kept byte for byte", R"({"body":"caf\u00e9 \ud83d\ude00"})",
       ok(200, {}, "caf\xC3\xA9 \xF0\x9F\x98\x80")},
  };
  run(ApiProtocol::kRest, PayloadFormat::kV1, rows);
}

TEST_CASE("lambda proxy result: HTTP API payload 1.0 requires statusCode, ignores other keys") {
  const std::vector<Row> rows = {
      // [LS-AWS] HTTP API 1.0 rows; text/plain is API Gateway's default Content-Type there.
      {"status only", R"({"statusCode":200})", ok(200, kTextPlain)},
      {"boolean header",
       R"({"statusCode":200,"headers":{"test-header":"value","header-bool":true}})",
       ok(200, {{"test-header", "value"}, {"header-bool", "true"}, kTextPlain[0]})},
      {"unknown key ignored", R"({"statusCode":200,"wrongValue":"value"})", ok(200, kTextPlain)},
      {"no statusCode", R"({})", fails()},
      {"headers but no statusCode", R"({"headers":{"test-header":"value"}})", fails()},
      {"null statusCode", R"({"statusCode":null})", fails()},
      {"base64 always decoded",
       std::string(R"({"statusCode":200,"body":")") + kData64 + R"(","isBase64Encoded":true})",
       ok(200, kTextPlain, kData)},
      {"base64 flag false", std::string(R"({"statusCode":200,"body":")") + kData64 + "\"}",
       ok(200, kTextPlain, kData64)},
      {"multi-value headers",
       R"({"statusCode":200,"multiValueHeaders":{"test-multi":["value1","value2"]}})",
       ok(200, {{"test-multi", "value1"}, {"test-multi", "value2"}, kTextPlain[0]})},
      {"multi and single merged",
       R"({"statusCode":200,"multiValueHeaders":{"test-multi":["value-multi"]},)"
       R"("headers":{"test-multi":"value-solo"}})",
       ok(200, {{"test-multi", "value-multi"}, {"test-multi", "value-solo"}, kTextPlain[0]})},
      {"multi-value header not a list",
       R"({"statusCode":200,"multiValueHeaders":{"test-multi-invalid":"value1"}})", fails()},
      {"non-numeric status", R"({"statusCode":"test"})", fails()},
      {"numeric string status", R"({"statusCode":"201"})", ok(201, kTextPlain)},
      {"JSON string", R"("justAString")", fails()},
      {"status 0", R"({"statusCode":0,"body":"x"})", fails()},
      {"invalid base64", R"({"statusCode":200,"body":"%%%","isBase64Encoded":true})", fails()},
      {"function's Content-Type kept",
       R"({"statusCode":200,"headers":{"content-type":"text/html"},"body":"<p>"})",
       ok(200, {{"content-type", "text/html"}}, "<p>")},
      {"Content-Type from multiValueHeaders kept",
       R"({"statusCode":200,"multiValueHeaders":{"Content-Type":["image/png"]}})",
       ok(200, {{"Content-Type", "image/png"}})},
      {"object body", R"({"statusCode":200,"body":[1]})", fails()},
  };
  run(ApiProtocol::kHttp, PayloadFormat::kV1, rows);
}

TEST_CASE("lambda proxy result: HTTP API payload 2.0 with statusCode") {
  const std::vector<Row> rows = {
      {"status only", R"({"statusCode":200})", ok(200, kTextPlain)},
      {"boolean and number header values",
       R"({"statusCode":200,"headers":{"test-header":"value","header-bool":true,"n":7}})",
       ok(200, {{"test-header", "value"}, {"header-bool", "true"}, {"n", "7"}, kTextPlain[0]})},
      {"unknown key ignored", R"({"statusCode":200,"wrongValue":"value"})", ok(200, kTextPlain)},
      {"base64 decoded",
       std::string(R"({"statusCode":200,"body":")") + kData64 + R"(","isBase64Encoded":true})",
       ok(200, kTextPlain, kData)},
      {"base64 flag absent", std::string(R"({"statusCode":200,"body":")") + kData64 + "\"}",
       ok(200, kTextPlain, kData64)},
      {"cookies become Set-Cookie lines",
       R"({"statusCode":200,"cookies":["test-cookie=value","test-cookie2=value1",)"
       R"("test-cookie3=value2"]})",
       ok(200, {{"Set-Cookie", "test-cookie=value"},
                {"Set-Cookie", "test-cookie2=value1"},
                {"Set-Cookie", "test-cookie3=value2"},
                kTextPlain[0]})},
      {"cookies after headers",
       R"({"statusCode":302,"headers":{"Location":"/x"},"cookies":["a=1; Path=/"]})",
       ok(302, {{"Location", "/x"}, {"Set-Cookie", "a=1; Path=/"}, kTextPlain[0]})},
      {"cookies not a list", R"({"statusCode":200,"cookies":{"test-cookies-invalid":"value1"}})",
       fails()},
      {"null cookies", R"({"statusCode":200,"cookies":null})", ok(200, kTextPlain)},
      {"non-numeric status", R"({"statusCode":"test"})", fails()},
      {"numeric string status", R"({"statusCode":"201"})", ok(201, kTextPlain)},
      {"fractional status", R"({"statusCode":200.5,"body":"Hello"})", fails()},
      {"null status", R"({"statusCode":null})", fails()},
      {"status 0", R"({"statusCode":0})", fails()},
      {"multiValueHeaders is not part of 2.0",
       R"({"statusCode":200,"multiValueHeaders":{"x":["1","2"]}})", ok(200, kTextPlain)},
      {"function's Content-Type kept",
       R"({"statusCode":201,"headers":{"Content-Type":"application/json"},"body":"{\"a\":1}"})",
       ok(201, {{"Content-Type", "application/json"}}, R"({"a":1})")},
      {"object body", R"({"statusCode":200,"body":{"a":1}})", fails()},
      {"invalid base64", R"({"statusCode":200,"body":"YQ","isBase64Encoded":true})", fails()},
      {"header value a list", R"({"statusCode":200,"headers":{"h":["a","b"]}})", fails()},
  };
  run(ApiProtocol::kHttp, PayloadFormat::kV2, rows);
}

TEST_CASE("lambda proxy result: HTTP API payload 2.0 infers a 200 JSON response") {
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "[";
  for (int i = 0; i < 100; ++i) deep += "]";
  const std::vector<Row> rows = {
      // [DOC] and [LS-AWS]: output without statusCode is the body, as the function wrote it.
      {"empty object", R"({})", ok(200, kJson, "{}")},
      {"object without statusCode", R"({"headers":{"test-header":"value"}})",
       ok(200, kJson, R"({"headers":{"test-header":"value"}})")},
      {"object kept byte for byte", R"({ "message" : "Hello from Lambda!" })",
       ok(200, kJson, R"({ "message" : "Hello from Lambda!" })")},
      {"JSON string unwrapped", R"("Hello from Lambda!")", ok(200, kJson, "Hello from Lambda!")},
      {"JSON string with escapes", R"("Special \"quoted\" text")",
       ok(200, kJson, R"(Special "quoted" text)")},
      {"empty JSON string", R"("")", ok(200, kJson, "")},
      {"the string errorMessage", R"("errorMessage")", ok(200, kJson, "errorMessage")},
      {"null", "null", ok(200, kJson, "null")},
      {"number", "42", ok(200, kJson, "42")},
      {"boolean", "true", ok(200, kJson, "true")},
      {"array", "[1, 2, 3]", ok(200, kJson, "[1, 2, 3]")},
      {"deep nesting is fine", deep, ok(200, kJson, deep)},
      // [DOTNET] live API Gateway: a string holding a JSON object is that object's text; a
      // string holding broken JSON object text fails.
      {"string holding an object", R"("{\"key\" : \"value\"}")",
       ok(200, kJson, R"({"key" : "value"})")},
      {"string holding a broken object", R"("{\"key\"}")", fails()},
      {"string holding a full response", R"("{\"statusCode\":201,\"body\":\"x\"}")",
       ok(201, kTextPlain, "x")},
      // [LS-AWS] what a failed function returns is an error even without X-Amz-Function-Error.
      {"errorMessage object", R"({"errorMessage":"test fake error message"})", fails()},
      // Output that is not JSON at all: text is the body, broken object text an error.
      {"plain text", "Hello", ok(200, kJson, "Hello")},
      {"broken object text", R"({"name": "John Doe", "age":)", fails()},
      {"empty output", "", ok(200, kJson, "")},
  };
  run(ApiProtocol::kHttp, PayloadFormat::kV2, rows);
}
