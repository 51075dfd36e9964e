// Lambda proxy events (payload 1.0 REST / HTTP API, payload 2.0) against golden JSON, byte for
// byte: key order, null versus absent, header naming and ordering, query decoding, body encoding.
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "gateway/core/binary_media_types.hpp"
#include "plugins/lambda/proxy_event.hpp"

namespace {

using gh::core::ApiProtocol;
using gh::plugins::lambda::build_proxy_event;
using gh::plugins::lambda::PayloadFormat;

// 2020-03-10T00:03:59.428Z: CLF "10/Mar/2020:00:03:59 +0000", epoch seconds 0x5e66d96f.
const auto kRequestTime =
    std::chrono::system_clock::time_point(std::chrono::milliseconds(1583798639428LL));
constexpr const char* kHost = "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com";

// The golden texts below are indented for reading; the builder emits compact JSON, so drop the
// whitespace outside string literals before comparing bytes.
std::string compact(std::string_view pretty) {
  std::string out;
  bool in_string = false;
  for (std::size_t i = 0; i < pretty.size(); ++i) {
    char c = pretty[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < pretty.size()) {
        out += pretty[++i];
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
      out += c;
    } else if (c != ' ' && c != '\n') {
      out += c;
    }
  }
  return out;
}

boost::json::value parse(const std::string& event) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(event, ec);
  INFO(event);
  REQUIRE_FALSE(ec);
  return v;
}

// The compact text of one member of the event (Boost.JSON keeps key order).
std::string member(const std::string& event, std::initializer_list<const char*> path) {
  boost::json::value v = parse(event);
  const boost::json::value* cur = &v;
  for (const char* key : path) {
    cur = cur->as_object().if_contains(key);
    if (!cur) return "<absent>";
  }
  return boost::json::serialize(*cur);
}

struct Fixture {
  gh::core::ApiInfo api{"a1b2c3d4e5", "Pets", ApiProtocol::kRest, "123456789012", "us-east-1",
                        {},           {}};
  gh::core::StageInfo stage{"dev", {}};
  gh::core::RouteInfo route{"ANY /pets/{proxy+}", "ANY", "/pets/{proxy+}", "r3s0id"};
  gh::core::RequestContext ctx;

  explicit Fixture(ApiProtocol protocol) {
    api.protocol = protocol;
    ctx.api = &api;
    ctx.stage = &stage;
    ctx.route = &route;
    ctx.request.method = "GET";
    ctx.domain_name = kHost;
    if (protocol == ApiProtocol::kRest) {
      ctx.request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef";
      ctx.extended_request_id = "JJbxmplHYosFVYQ=";
    } else {
      ctx.request_id = ctx.extended_request_id = "JKJaXmPLvHcESHA=";
    }
    ctx.request_time = kRequestTime;
    ctx.request.connection.source_ip = "203.0.113.7";
    ctx.request.connection.local_port = 3000;
  }

  void target(const std::string& raw, std::string stage_stripped) {
    ctx.request.set_target(raw);
    ctx.path = std::move(stage_stripped);
  }
  std::string event(PayloadFormat format = PayloadFormat::kV1) const {
    return build_proxy_event(ctx, format);
  }
};

}  // namespace

TEST_CASE("lambda proxy event: REST 1.0 minimal GET, golden") {
  Fixture f(ApiProtocol::kRest);
  f.target("/dev/pets/a/b/", "/pets/a/b/");
  f.ctx.path_params = {{"proxy", "a/b"}};  // the greedy value without the trailing slash
  f.ctx.request.headers.add("Host", kHost);
  f.ctx.request.headers.add("User-Agent", "curl/8.5.0");
  f.ctx.request.headers.add("Accept", "*/*");

  // No query, body or stage variables: null, not {}. requestContext in the order AWS's
  // java.util.HashMap serialises it; the trace id is derived from the request id.
  CHECK(f.event() == compact(R"({
    "resource": "/pets/{proxy+}",
    "path": "/pets/a/b/",
    "httpMethod": "GET",
    "headers": {
      "Accept": "*/*",
      "Host": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
      "User-Agent": "curl/8.5.0",
      "X-Amzn-Trace-Id": "Root=1-5e66d96f-7aef64a8605d9be3f422884e",
      "X-Forwarded-For": "203.0.113.7",
      "X-Forwarded-Port": "3000",
      "X-Forwarded-Proto": "http"
    },
    "multiValueHeaders": {
      "Accept": ["*/*"],
      "Host": ["a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"],
      "User-Agent": ["curl/8.5.0"],
      "X-Amzn-Trace-Id": ["Root=1-5e66d96f-7aef64a8605d9be3f422884e"],
      "X-Forwarded-For": ["203.0.113.7"],
      "X-Forwarded-Port": ["3000"],
      "X-Forwarded-Proto": ["http"]
    },
    "queryStringParameters": null,
    "multiValueQueryStringParameters": null,
    "pathParameters": {"proxy": "a/b"},
    "stageVariables": null,
    "requestContext": {
      "resourceId": "r3s0id",
      "resourcePath": "/pets/{proxy+}",
      "httpMethod": "GET",
      "extendedRequestId": "JJbxmplHYosFVYQ=",
      "requestTime": "10/Mar/2020:00:03:59 +0000",
      "path": "/dev/pets/a/b/",
      "accountId": "123456789012",
      "protocol": "HTTP/1.1",
      "stage": "dev",
      "domainPrefix": "a1b2c3d4e5",
      "requestTimeEpoch": 1583798639428,
      "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
      "identity": {
        "cognitoIdentityPoolId": null,
        "accountId": null,
        "cognitoIdentityId": null,
        "caller": null,
        "sourceIp": "203.0.113.7",
        "principalOrgId": null,
        "accessKey": null,
        "cognitoAuthenticationType": null,
        "cognitoAuthenticationProvider": null,
        "userArn": null,
        "userAgent": "curl/8.5.0",
        "user": null
      },
      "domainName": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
      "apiId": "a1b2c3d4e5"
    },
    "body": null,
    "isBase64Encoded": false
  })"));
}

TEST_CASE("lambda proxy event: REST 1.0 POST with headers, query, stage variables, golden") {
  Fixture f(ApiProtocol::kRest);
  f.route = {"POST /pets/{id}", "POST", "/pets/{id}", "p0st1d"};
  f.stage.variables = {{"env", "prod"}, {"url", "http://x/\"q\""}};
  f.ctx.request.method = "POST";
  f.target("/dev/pets/test%2Balias@x.com?name=a%20b&tag=x&tag=y&plus=a+b&enc=test%2Balias&flag",
           "/pets/test%2Balias@x.com");
  f.ctx.path_params = {{"id", "test%2Balias@x.com"}};  // raw, not decoded
  f.ctx.request.connection.secure = true;
  f.ctx.request.connection.local_port = 8443;
  auto& h = f.ctx.request.headers;
  h.add("Host", kHost);
  h.add("user-agent", "python-requests/2.31");  // title-cased
  h.add("Accept-Encoding", "gzip, deflate");
  h.add("Connection", "keep-alive");  // not forwarded
  h.add("Content-Length", "16");      // not forwarded
  h.add("Content-Type", "application/json");
  h.add("aUThorization", "Bearer t0k");  // title-cased
  h.add("tEsT-HEADeR", "aValUE");        // kept as sent
  h.add("X-Multi", "1");
  h.add("x-multi", "2");                     // one entry, the first casing
  h.add("X-Forwarded-For", "198.51.100.1");  // the chain is extended
  h.add("X-Forwarded-Proto", "ftp");         // replaced
  h.add("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793");  // continued
  h.add("Expect", "100-continue");                                       // not forwarded
  h.add("cookie", "a=1; b=2");
  f.ctx.request.body = R"({"message":"hi"})";

  CHECK(f.event() == compact(R"({
    "resource": "/pets/{id}",
    "path": "/pets/test%2Balias@x.com",
    "httpMethod": "POST",
    "headers": {
      "Accept-Encoding": "gzip, deflate",
      "Authorization": "Bearer t0k",
      "Content-Type": "application/json",
      "cookie": "a=1; b=2",
      "Host": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
      "tEsT-HEADeR": "aValUE",
      "User-Agent": "python-requests/2.31",
      "X-Amzn-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793",
      "X-Forwarded-For": "198.51.100.1, 203.0.113.7",
      "X-Forwarded-Port": "8443",
      "X-Forwarded-Proto": "https",
      "X-Multi": "2"
    },
    "multiValueHeaders": {
      "Accept-Encoding": ["gzip, deflate"],
      "Authorization": ["Bearer t0k"],
      "Content-Type": ["application/json"],
      "cookie": ["a=1; b=2"],
      "Host": ["a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"],
      "tEsT-HEADeR": ["aValUE"],
      "User-Agent": ["python-requests/2.31"],
      "X-Amzn-Trace-Id": ["Root=1-5759e988-bd862e3fe1be46a994272793"],
      "X-Forwarded-For": ["198.51.100.1, 203.0.113.7"],
      "X-Forwarded-Port": ["8443"],
      "X-Forwarded-Proto": ["https"],
      "X-Multi": ["1", "2"]
    },
    "queryStringParameters": {
      "name": "a b",
      "tag": "y",
      "plus": "a b",
      "enc": "test+alias",
      "flag": ""
    },
    "multiValueQueryStringParameters": {
      "name": ["a b"],
      "tag": ["x", "y"],
      "plus": ["a b"],
      "enc": ["test+alias"],
      "flag": [""]
    },
    "pathParameters": {"id": "test%2Balias@x.com"},
    "stageVariables": {"env": "prod", "url": "http://x/\"q\""},
    "requestContext": {
      "resourceId": "p0st1d",
      "resourcePath": "/pets/{id}",
      "httpMethod": "POST",
      "extendedRequestId": "JJbxmplHYosFVYQ=",
      "requestTime": "10/Mar/2020:00:03:59 +0000",
      "path": "/dev/pets/test%2Balias@x.com",
      "accountId": "123456789012",
      "protocol": "HTTP/1.1",
      "stage": "dev",
      "domainPrefix": "a1b2c3d4e5",
      "requestTimeEpoch": 1583798639428,
      "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
      "identity": {
        "cognitoIdentityPoolId": null,
        "accountId": null,
        "cognitoIdentityId": null,
        "caller": null,
        "sourceIp": "203.0.113.7",
        "principalOrgId": null,
        "accessKey": null,
        "cognitoAuthenticationType": null,
        "cognitoAuthenticationProvider": null,
        "userArn": null,
        "userAgent": "python-requests/2.31",
        "user": null
      },
      "domainName": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
      "apiId": "a1b2c3d4e5"
    },
    "body": "{\"message\":\"hi\"}",
    "isBase64Encoded": false
  })"));
}

TEST_CASE("lambda proxy event: REST identity carries IAM caller and API key in AWS's order") {
  Fixture f(ApiProtocol::kRest);
  f.target("/dev/pets/1", "/pets/1");
  f.ctx.identity.source_ip = "198.51.100.9";  // auth phases' view wins over the socket
  f.ctx.identity.user_agent = "aws-sdk-js/3";
  f.ctx.identity.access_key = "AKIDEXAMPLE";
  f.ctx.identity.account_id = "111122223333";
  f.ctx.identity.caller = "AIDACALLER";
  f.ctx.identity.user = "AIDAUSER";
  f.ctx.identity.user_arn = "arn:aws:iam::111122223333:user/alice";
  f.ctx.identity.principal_org_id = "o-abc";
  CHECK(member(f.event(), {"requestContext", "identity"}) == compact(R"({
    "cognitoIdentityPoolId": null,
    "accountId": "111122223333",
    "cognitoIdentityId": null,
    "caller": "AIDACALLER",
    "sourceIp": "198.51.100.9",
    "principalOrgId": "o-abc",
    "accessKey": "AKIDEXAMPLE",
    "cognitoAuthenticationType": null,
    "cognitoAuthenticationProvider": null,
    "userArn": "arn:aws:iam::111122223333:user/alice",
    "userAgent": "aws-sdk-js/3",
    "user": "AIDAUSER"
  })"));

  // A validated API key adds apiKey/apiKeyId, and the larger map iterates in another order.
  f.ctx.identity = {};
  f.ctx.identity.api_key = "key-value";
  f.ctx.identity.api_key_id = "nvogtk2y9i";
  f.ctx.request.headers.add("User-Agent", "PostmanRuntime/7.30.0");
  CHECK(member(f.event(), {"requestContext", "identity"}) == compact(R"({
    "cognitoIdentityPoolId": null,
    "cognitoIdentityId": null,
    "apiKey": "key-value",
    "principalOrgId": null,
    "cognitoAuthenticationType": null,
    "userArn": null,
    "apiKeyId": "nvogtk2y9i",
    "userAgent": "PostmanRuntime/7.30.0",
    "accountId": null,
    "caller": null,
    "sourceIp": "203.0.113.7",
    "accessKey": null,
    "cognitoAuthenticationProvider": null,
    "user": null
  })"));
}

TEST_CASE("lambda proxy event: REST query strings") {
  struct Row {
    const char* query;
    const char* single;
    const char* multi;
  };
  const Row rows[] = {
      {"", "null", "null"},
      {"a=1&a=2&a=3", R"({"a":"3"})", R"({"a":["1","2","3"]})"},
      {"k=%2B&s=a+b&p=%41%zz", R"({"k":"+","s":"a b","p":"A%zz"})",
       R"({"k":["+"],"s":["a b"],"p":["A%zz"]})"},
      {"flag&empty=&=v", R"({"flag":"","empty":"","":"v"})",
       R"({"flag":[""],"empty":[""],"":["v"]})"},
      {"&&x=1&", R"({"x":"1"})", R"({"x":["1"]})"},
      {"a%5Bb%5D=1&eq=a=b", R"({"a[b]":"1","eq":"a=b"})", R"({"a[b]":["1"],"eq":["a=b"]})"},
  };
  for (const Row& row : rows) {
    Fixture f(ApiProtocol::kRest);
    f.target(std::string("/dev/pets/1?") + row.query, "/pets/1");
    std::string event = f.event();
    INFO(row.query);
    CHECK(member(event, {"queryStringParameters"}) == row.single);
    CHECK(member(event, {"multiValueQueryStringParameters"}) == row.multi);
  }
}

TEST_CASE("lambda proxy event: REST body text or base64 by binaryMediaTypes") {
  struct Row {
    const char* content_type;  // "" = no Content-Type header
    std::vector<std::string> binary_media_types;
    std::string body;
    const char* expected_body;  // JSON text
    bool base64;
  };
  const Row rows[] = {
      {"", {}, "", "null", false},
      {"image/png", {"image/png"}, "", "null", false},  // empty stays null
      {"text/plain", {}, "hi\n\"there\"", R"("hi\n\"there\"")", false},
      {"image/png", {}, "\x89PNG", "\"\xEF\xBF\xBDPNG\"", false},  // bad UTF-8 → U+FFFD
      {"image/png", {"image/png"}, "\x89PNG", R"("iVBORw==")", true},
      {"IMAGE/PNG; q=1", {"image/png"}, "\x89PNG", R"("iVBORw==")", true},
      {"image/jpeg", {"image/*"}, "ab", R"("YWI=")", true},
      {"image/jpeg", {"image/png"}, "ab", R"("ab")", false},
      {"application/json", {"*/*"}, "{}", R"("e30=")", true},
      {"", {"*/*"}, "ab", R"("YWI=")", true},
      {"", {"image/*"}, "ab", R"("ab")", false},
      {"text/plain", {}, "caf\xC3\xA9 \xF0\x9F\x98\x80", "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"", false},
      {"text/plain", {}, std::string("a\0b\x1f", 4), R"("a\u0000b\u001f")", false},
      {"text/plain",
       {},
       "\xED\xA0\x80x\xC3",
       "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDx\xEF\xBF\xBD\"",
       false},  // a surrogate and a truncated sequence: one U+FFFD per byte
  };
  for (const Row& row : rows) {
    Fixture f(ApiProtocol::kRest);
    f.target("/dev/pets/1", "/pets/1");
    f.api.binary_media_types = row.binary_media_types;
    f.ctx.request.method = "PUT";
    if (*row.content_type) f.ctx.request.headers.add("Content-Type", row.content_type);
    f.ctx.request.body = row.body;
    std::string event = f.event();
    INFO(row.content_type << " / " << row.body);
    std::string tail = std::string(R"("body":)") + row.expected_body + R"(,"isBase64Encoded":)" +
                       (row.base64 ? "true}" : "false}");
    CHECK(event.ends_with(tail));
  }
}

TEST_CASE("lambda proxy event: HTTP API 1.0 golden") {
  Fixture f(ApiProtocol::kHttp);
  f.route = {"POST /pets/{id}", "POST", "/pets/{id}", "ignored"};
  f.ctx.request.method = "POST";
  f.target("/dev/pets/7?a=1&a=2", "/pets/7");
  f.ctx.path_params = {{"id", "7"}};
  auto& h = f.ctx.request.headers;  // what Postman sends
  h.add("Content-Type", "application/json");
  h.add("User-Agent", "PostmanRuntime/7.28.4");
  h.add("Accept", "*/*");
  h.add("Cache-Control", "no-cache");
  h.add("Postman-Token", "8aa35c46");
  h.add("Host", kHost);
  h.add("Accept-Encoding", "gzip, deflate, br");
  h.add("Connection", "keep-alive");
  h.add("Content-Length", "999");  // replaced by the real length
  f.ctx.request.body = R"({"price":12})";

  // "version" first; the path keeps the stage; well-known names lower-cased, Content-*, Host and
  // User-Agent title-cased, others as sent; sorted by byte value; cognitoAmr in identity;
  // requestContext alphabetical with the route key as resourceId.
  CHECK(f.event() == compact(R"({
    "version": "1.0",
    "resource": "/pets/{id}",
    "path": "/dev/pets/7",
    "httpMethod": "POST",
    "headers": {
      "Content-Length": "12",
      "Content-Type": "application/json",
      "Host": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
      "Postman-Token": "8aa35c46",
      "User-Agent": "PostmanRuntime/7.28.4",
      "X-Amzn-Trace-Id": "Root=1-5e66d96f-c89ac7d590a93aebff683baa",
      "X-Forwarded-For": "203.0.113.7",
      "X-Forwarded-Port": "3000",
      "X-Forwarded-Proto": "http",
      "accept": "*/*",
      "accept-encoding": "gzip, deflate, br",
      "cache-control": "no-cache"
    },
    "multiValueHeaders": {
      "Content-Length": ["12"],
      "Content-Type": ["application/json"],
      "Host": ["a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"],
      "Postman-Token": ["8aa35c46"],
      "User-Agent": ["PostmanRuntime/7.28.4"],
      "X-Amzn-Trace-Id": ["Root=1-5e66d96f-c89ac7d590a93aebff683baa"],
      "X-Forwarded-For": ["203.0.113.7"],
      "X-Forwarded-Port": ["3000"],
      "X-Forwarded-Proto": ["http"],
      "accept": ["*/*"],
      "accept-encoding": ["gzip, deflate, br"],
      "cache-control": ["no-cache"]
    },
    "queryStringParameters": {"a": "2"},
    "multiValueQueryStringParameters": {"a": ["1", "2"]},
    "requestContext": {
      "accountId": "123456789012",
      "apiId": "a1b2c3d4e5",
      "domainName": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
      "domainPrefix": "a1b2c3d4e5",
      "extendedRequestId": "JKJaXmPLvHcESHA=",
      "httpMethod": "POST",
      "identity": {
        "accessKey": null,
        "accountId": null,
        "caller": null,
        "cognitoAmr": null,
        "cognitoAuthenticationProvider": null,
        "cognitoAuthenticationType": null,
        "cognitoIdentityId": null,
        "cognitoIdentityPoolId": null,
        "principalOrgId": null,
        "sourceIp": "203.0.113.7",
        "user": null,
        "userAgent": "PostmanRuntime/7.28.4",
        "userArn": null
      },
      "path": "/dev/pets/7",
      "protocol": "HTTP/1.1",
      "requestId": "JKJaXmPLvHcESHA=",
      "requestTime": "10/Mar/2020:00:03:59 +0000",
      "requestTimeEpoch": 1583798639428,
      "resourceId": "POST /pets/{id}",
      "resourcePath": "/pets/{id}",
      "stage": "dev"
    },
    "pathParameters": {"id": "7"},
    "stageVariables": null,
    "body": "{\"price\":12}",
    "isBase64Encoded": false
  })"));
}

TEST_CASE("lambda proxy event: HTTP API 1.0 $default route, header naming") {
  Fixture f(ApiProtocol::kHttp);
  f.route = {"$default", "", "", "ignored"};
  f.stage.name = "$default";
  f.target("/question", "/question");
  f.stage.variables = {{"k", "v"}};
  auto& h = f.ctx.request.headers;
  h.add("AUTHORIZATION", "Bearer x");   // HPACK static name: lower-cased
  h.add("Via", "1.1 proxy");            // likewise
  h.add("X-Amz-Cf-Id", "abc");          // not a well-known name: as sent
  h.add("content-type", "text/plain");  // title-cased
  h.add("HOST", kHost);
  h.add("Cookie", "a=1");  // stays a header in payload 1.0
  std::string event = f.event();
  CHECK(member(event, {"resource"}) == R"("$default")");
  CHECK(member(event, {"requestContext", "resourceId"}) == R"("$default")");
  CHECK(member(event, {"requestContext", "resourcePath"}) == R"("$default")");
  CHECK(member(event, {"requestContext", "stage"}) == R"("$default")");
  CHECK(member(event, {"pathParameters"}) == "null");
  CHECK(member(event, {"stageVariables"}) == R"({"k":"v"})");
  CHECK(member(event, {"body"}) == "null");
  CHECK(member(event, {"headers"}) == compact(R"({
    "Content-Length": "0",
    "Content-Type": "text/plain",
    "Host": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
    "X-Amz-Cf-Id": "abc",
    "X-Amzn-Trace-Id": "Root=1-5e66d96f-c89ac7d590a93aebff683baa",
    "X-Forwarded-For": "203.0.113.7",
    "X-Forwarded-Port": "3000",
    "X-Forwarded-Proto": "http",
    "authorization": "Bearer x",
    "cookie": "a=1",
    "via": "1.1 proxy"
  })"));
}

TEST_CASE("lambda proxy event: HTTP API 2.0 golden") {
  Fixture f(ApiProtocol::kHttp);
  f.route = {"POST /pets/{id}", "POST", "/pets/{id}", "ignored"};
  f.stage.name = "$default";
  f.stage.variables = {{"env", "prod"}};
  f.ctx.request.method = "POST";
  f.target("/pets/7?a=1&a=2&b=x%20y", "/pets/7");
  f.ctx.path_params = {{"id", "7"}};
  auto& h = f.ctx.request.headers;
  h.add("Host", kHost);
  h.add("User-Agent", "curl/8.5.0");
  h.add("Accept", "*/*");
  h.add("Cookie", "c1=v1; c2=v2");
  h.add("Cookie", "c3=v3");
  h.add("X-Multi", "1");
  h.add("x-multi", "2");
  h.add("Content-Type", "text/plain");
  h.add("Connection", "close");
  f.ctx.request.body = "hello";

  CHECK(f.event(PayloadFormat::kV2) == compact(R"({
    "version": "2.0",
    "routeKey": "POST /pets/{id}",
    "rawPath": "/pets/7",
    "rawQueryString": "a=1&a=2&b=x%20y",
    "cookies": ["c1=v1", "c2=v2", "c3=v3"],
    "headers": {
      "accept": "*/*",
      "content-length": "5",
      "content-type": "text/plain",
      "host": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
      "user-agent": "curl/8.5.0",
      "x-amzn-trace-id": "Root=1-5e66d96f-c89ac7d590a93aebff683baa",
      "x-forwarded-for": "203.0.113.7",
      "x-forwarded-port": "3000",
      "x-forwarded-proto": "http",
      "x-multi": "1,2"
    },
    "queryStringParameters": {"a": "1,2", "b": "x y"},
    "requestContext": {
      "accountId": "123456789012",
      "apiId": "a1b2c3d4e5",
      "domainName": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
      "domainPrefix": "a1b2c3d4e5",
      "http": {
        "method": "POST",
        "path": "/pets/7",
        "protocol": "HTTP/1.1",
        "sourceIp": "203.0.113.7",
        "userAgent": "curl/8.5.0"
      },
      "requestId": "JKJaXmPLvHcESHA=",
      "routeKey": "POST /pets/{id}",
      "stage": "$default",
      "time": "10/Mar/2020:00:03:59 +0000",
      "timeEpoch": 1583798639428
    },
    "body": "hello",
    "pathParameters": {"id": "7"},
    "isBase64Encoded": false,
    "stageVariables": {"env": "prod"}
  })"));
}

TEST_CASE("lambda proxy event: HTTP API 2.0 minimal event has only the required keys") {
  // The shape of aws-lambda-go's captured apigw-v2-request-no-authorizer.json.
  Fixture f(ApiProtocol::kHttp);
  f.route = {"$default", "", "", "ignored"};
  f.stage.name = "$default";
  f.target("/", "/");
  f.ctx.request.headers.add("Host", kHost);
  f.ctx.request.headers.add("User-Agent", "curl/7.58.0");
  f.ctx.request.headers.add("Accept", "*/*");
  f.ctx.request.headers.add("X-Amzn-Trace-Id", "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c");
  f.ctx.request.version = 10;
  CHECK(f.event(PayloadFormat::kV2) == compact(R"({
    "version": "2.0",
    "routeKey": "$default",
    "rawPath": "/",
    "rawQueryString": "",
    "headers": {
      "accept": "*/*",
      "content-length": "0",
      "host": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
      "user-agent": "curl/7.58.0",
      "x-amzn-trace-id": "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c",
      "x-forwarded-for": "203.0.113.7",
      "x-forwarded-port": "3000",
      "x-forwarded-proto": "http"
    },
    "requestContext": {
      "accountId": "123456789012",
      "apiId": "a1b2c3d4e5",
      "domainName": "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
      "domainPrefix": "a1b2c3d4e5",
      "http": {
        "method": "GET",
        "path": "/",
        "protocol": "HTTP/1.0",
        "sourceIp": "203.0.113.7",
        "userAgent": "curl/7.58.0"
      },
      "requestId": "JKJaXmPLvHcESHA=",
      "routeKey": "$default",
      "stage": "$default",
      "time": "10/Mar/2020:00:03:59 +0000",
      "timeEpoch": 1583798639428
    },
    "isBase64Encoded": false
  })"));
}

TEST_CASE("lambda proxy event: HTTP API body is text only for text types") {
  struct Row {
    const char* content_type;  // "" = none
    const char* content_encoding;
    std::string body;
    const char* v2_body;  // JSON text, or "<absent>"
    bool base64;
  };
  const Row rows[] = {
      {"text/plain", "", "hi", R"("hi")", false},
      {"text/csv; charset=utf-8", "", "a,b", R"("a,b")", false},
      {"application/json; charset=utf-8", "", "{}", R"("{}")", false},
      {"Application/XML", "", "<a/>", R"("<a/>")", false},
      {"application/javascript", "", "f(1)", "\"f(1)\"", false},
      {"application/x-www-form-urlencoded", "", "a=1", R"("YT0x")", true},
      {"application/vnd.api+json", "", "{}", R"("e30=")", true},
      {"image/png", "", "ab", R"("YWI=")", true},
      {"", "", "ab", R"("YWI=")", true},
      {"application/json", "gzip", "ab", R"("YWI=")", true},
      {"application/json", "identity", "ab", R"("ab")", false},
      {"image/png", "", "", "<absent>", false},
      {"", "", "", "<absent>", false},
  };
  for (const Row& row : rows) {
    Fixture f(ApiProtocol::kHttp);
    f.route = {"$default", "", "", "ignored"};
    f.target("/x", "/x");
    f.ctx.request.method = "POST";
    if (*row.content_type) f.ctx.request.headers.add("Content-Type", row.content_type);
    if (*row.content_encoding) f.ctx.request.headers.add("Content-Encoding", row.content_encoding);
    f.ctx.request.body = row.body;
    INFO(row.content_type << " / " << row.content_encoding << " / " << row.body);
    std::string v2 = f.event(PayloadFormat::kV2);
    CHECK(member(v2, {"body"}) == row.v2_body);
    CHECK(member(v2, {"isBase64Encoded"}) == (row.base64 ? "true" : "false"));
    // Payload 1.0 of an HTTP API follows the same rule, with null for no body.
    std::string v1 = f.event(PayloadFormat::kV1);
    CHECK(member(v1, {"body"}) == (row.body.empty() ? std::string("null") : row.v2_body));
    CHECK(member(v1, {"isBase64Encoded"}) == (row.base64 ? "true" : "false"));
  }
}

TEST_CASE("lambda proxy event: HTTP API 2.0 IAM authorizer block") {
  Fixture f(ApiProtocol::kHttp);
  f.target("/pets/1", "/pets/1");
  CHECK(member(f.event(PayloadFormat::kV2), {"requestContext", "authorizer"}) == "<absent>");
  f.ctx.identity.access_key = "AKIDEXAMPLE";
  f.ctx.identity.account_id = "111122223333";
  f.ctx.identity.caller = "AIDACALLER";
  f.ctx.identity.user = "AIDAUSER";
  f.ctx.identity.user_arn = "arn:aws:iam::111122223333:user/alice";
  std::string event = f.event(PayloadFormat::kV2);
  CHECK(member(event, {"requestContext", "authorizer"}) == compact(R"({
    "iam": {
      "accessKey": "AKIDEXAMPLE",
      "accountId": "111122223333",
      "callerId": "AIDACALLER",
      "cognitoIdentity": null,
      "principalOrgId": null,
      "userArn": "arn:aws:iam::111122223333:user/alice",
      "userId": "AIDAUSER"
    }
  })"));
  // Between apiId and domainName, alphabetically.
  CHECK(event.find(R"("apiId":"a1b2c3d4e5","authorizer":{"iam":)") != std::string::npos);
}

TEST_CASE("lambda proxy event: HTTP APIs report the decoded path, REST the path as sent") {
  // What dispatch leaves for GET /dev/pets/Chester%20Mall%2Fcaf%C3%A9 on an HTTP API: the
  // decoded request path, and a decoded parameter. rawPath and http.path are both decoded
  // [REAL hotsock/voker apigwv2-request.json: "rawPath":"/capture/space value"].
  Fixture f(ApiProtocol::kHttp);
  f.route = {"GET /pets/{proxy+}", "GET", "/pets/{proxy+}", "ignored"};
  f.target("/dev/pets/Chester%20Mall%2Fcaf%C3%A9", "/pets/Chester Mall/caf\xc3\xa9");
  f.ctx.decoded_request_path = "/dev/pets/Chester Mall/caf\xc3\xa9";
  f.ctx.path_params = {{"proxy", "Chester Mall/caf\xc3\xa9"}};
  std::string v2 = f.event(PayloadFormat::kV2);
  CHECK(member(v2, {"rawPath"}) == "\"/dev/pets/Chester Mall/caf\xc3\xa9\"");
  CHECK(member(v2, {"requestContext", "http", "path"}) == "\"/dev/pets/Chester Mall/caf\xc3\xa9\"");
  CHECK(member(v2, {"pathParameters"}) == "{\"proxy\":\"Chester Mall/caf\xc3\xa9\"}");
  std::string v1 = f.event(PayloadFormat::kV1);
  CHECK(member(v1, {"path"}) == "\"/dev/pets/Chester Mall/caf\xc3\xa9\"");
  CHECK(member(v1, {"requestContext", "path"}) == "\"/dev/pets/Chester Mall/caf\xc3\xa9\"");
  CHECK(member(v1, {"pathParameters"}) == "{\"proxy\":\"Chester Mall/caf\xc3\xa9\"}");

  // REST: path, requestContext.path and pathParameters keep the escapes
  // [REAL hotsock/voker apigwv1-request.json; LS-AWS test_lambda_aws_proxy_integration].
  Fixture r(ApiProtocol::kRest);
  r.target("/dev/pets/Chester%20Mall%2Fcaf%C3%A9", "/pets/Chester%20Mall%2Fcaf%C3%A9");
  r.ctx.path_params = {{"proxy", "Chester%20Mall%2Fcaf%C3%A9"}};
  std::string rest = r.event();
  CHECK(member(rest, {"path"}) == "\"/pets/Chester%20Mall%2Fcaf%C3%A9\"");
  CHECK(member(rest, {"requestContext", "path"}) == "\"/dev/pets/Chester%20Mall%2Fcaf%C3%A9\"");
  CHECK(member(rest, {"pathParameters"}) == "{\"proxy\":\"Chester%20Mall%2Fcaf%C3%A9\"}");
}

TEST_CASE("lambda proxy event: forwarded headers and trace id") {
  Fixture f(ApiProtocol::kHttp);
  f.target("/x", "/x");
  f.ctx.request.connection.secure = true;
  f.ctx.request.connection.local_port = 443;
  f.ctx.request.headers.add("X-Forwarded-For", "1.1.1.1, 2.2.2.2");
  f.ctx.request.headers.add("x-forwarded-for", "3.3.3.3");
  f.ctx.request.headers.add("X-Forwarded-Port", "1");
  std::string event = f.event(PayloadFormat::kV2);
  CHECK(member(event, {"headers", "x-forwarded-for"}) ==
        R"("1.1.1.1, 2.2.2.2, 3.3.3.3, 203.0.113.7")");
  CHECK(member(event, {"headers", "x-forwarded-port"}) == R"("443")");
  CHECK(member(event, {"headers", "x-forwarded-proto"}) == R"("https")");

  // Derived: deterministic, X-Ray format, the request time's seconds in the first part.
  std::string trace = gh::plugins::lambda::proxy_trace_id(f.ctx);
  CHECK(trace == "Root=1-5e66d96f-c89ac7d590a93aebff683baa");
  CHECK(trace.size() == 7 + 8 + 1 + 24);
  f.ctx.request_id = "LV7fzho-PHcEJPw=";
  CHECK(gh::plugins::lambda::proxy_trace_id(f.ctx) != trace);
  CHECK(gh::plugins::lambda::proxy_trace_id(f.ctx).starts_with("Root=1-5e66d96f-"));
  // A client's own trace header is continued.
  f.ctx.request.headers.add("x-amzn-trace-id", "Root=1-67891233-abcdef012345678912345678");
  CHECK(gh::plugins::lambda::proxy_trace_id(f.ctx) == "Root=1-67891233-abcdef012345678912345678");
}

TEST_CASE("lambda proxy event: binary media type matching") {
  using gh::core::matches_binary_media_type;
  struct Row {
    const char* header;
    std::vector<std::string> types;
    bool match;
  };
  const Row rows[] = {
      {"image/png", {"image/png"}, true},
      {"Image/PNG", {"image/png"}, true},
      {" image/png ; charset=x", {"image/png"}, true},
      {"image/png", {}, false},
      {"image/png", {"image/jpeg"}, false},
      {"image/png", {"image/*"}, true},
      {"image/", {"image/*"}, false},
      {"imagery/png", {"image/*"}, false},
      {"text/plain", {"*/*"}, true},
      {"", {"*/*"}, true},
      {"", {"image/png"}, false},
      {"image/png, text/html", {"image/png"}, true},  // Accept: only the first entry counts
      {"text/html, image/png", {"image/png"}, false},
      {"*/*", {"image/png"}, false},
  };
  for (const Row& row : rows) {
    INFO(row.header);
    CHECK(matches_binary_media_type(row.header, row.types) == row.match);
  }
}
