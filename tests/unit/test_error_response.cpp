// render_error: the exact status, body bytes and headers of every gateway error, REST vs HTTP API
// (docs/aws-notes-core.md §0-§4, aws-behaviour.md §3).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "gateway/core/error_response.hpp"

namespace {

using gh::core::ApiProtocol;
using gh::core::ErrorKind;
using gh::core::GatewayError;

std::vector<std::string> header_lines(const gh::core::HeaderMap& headers) {
  std::vector<std::string> out;
  for (const auto& f : headers) out.push_back(f.name + ": " + f.value);
  return out;
}

struct Case {
  ErrorKind kind;
  int status;
  const char* body;
  const char* error_type;  // x-amzn-ErrorType; "" = absent
};

constexpr const char* kJson = "application/json";
constexpr const char* kText = "text; charset=utf-8";

void check_rendering(ApiProtocol protocol, const Case& c) {
  auto r = gh::core::render_error(GatewayError::of(c.kind), protocol);
  CHECK(r.status == c.status);
  CHECK(r.body == c.body);
  const bool plain = r.body.front() != '{';
  std::vector<std::string> expected{std::string("Content-Type: ") + (plain ? kText : kJson)};
  if (*c.error_type) expected.push_back(std::string("x-amzn-ErrorType: ") + c.error_type);
  CHECK(header_lines(r.headers) == expected);
}

}  // namespace

TEST_CASE("error response: REST APIs") {
  const Case cases[] = {
      // Front-door errors: {"message":"..."} without a space.
      {ErrorKind::kNoRoute, 403, R"({"message":"Missing Authentication Token"})",
       "MissingAuthenticationTokenException"},
      {ErrorKind::kMissingAuthenticationToken, 403, R"({"message":"Missing Authentication Token"})",
       "MissingAuthenticationTokenException"},
      {ErrorKind::kBadRequest, 400, R"({"message":"Bad Request"})", "BadRequestException"},
      {ErrorKind::kIncompleteSignature, 403, R"({"message":"Incomplete signature"})",
       "IncompleteSignatureException"},
      {ErrorKind::kInvalidSignature, 403,
       R"({"message":"The request signature we calculated does not match the signature you provided."})",
       "InvalidSignatureException"},
      {ErrorKind::kUnrecognizedClient, 403,
       R"({"message":"The security token included in the request is invalid."})",
       "AccessDeniedException"},
      {ErrorKind::kExpiredToken, 403,
       R"({"message":"The security token included in the request is expired"})",
       "ExpiredTokenException"},
      // Access denials use a capital "Message".
      {ErrorKind::kAccessDenied, 403,
       R"({"Message":"User is not authorized to access this resource"})", "AccessDeniedException"},
      {ErrorKind::kUnauthorized, 401, R"({"message":"Unauthorized"})", "UnauthorizedException"},
      {ErrorKind::kInvalidApiKey, 403, R"({"message":"Forbidden"})", "ForbiddenException"},
      {ErrorKind::kThrottled, 429, R"({"message":"Too Many Requests"})",
       "TooManyRequestsException"},
      {ErrorKind::kQuotaExceeded, 429, R"({"message":"Limit Exceeded"})", "LimitExceededException"},
      {ErrorKind::kBadRequestParameters, 400,
       R"({"message":"Missing required request parameters"})", "BadRequestException"},
      {ErrorKind::kBadRequestBody, 400, R"({"message":"Invalid request body"})",
       "BadRequestException"},
      {ErrorKind::kUnsupportedMediaType, 415, R"({"message":"Unsupported Media Type"})",
       "BadRequestException"},
      {ErrorKind::kServiceUnavailable, 503, R"({"message":"Service Unavailable"})",
       "ServiceUnavailableException"},
      // Integration-phase errors: messageString has AWS's leading space.
      {ErrorKind::kIntegrationTimeout, 504, R"({"message": "Endpoint request timed out"})",
       "InternalServerErrorException"},
      {ErrorKind::kIntegrationFailure, 504,
       R"({"message": "Network error communicating with endpoint"})",
       "InternalServerErrorException"},
      {ErrorKind::kIntegrationResponseError, 502, R"({"message": "Internal server error"})",
       "InternalServerErrorException"},
      {ErrorKind::kApiConfigurationError, 500, R"({"message": "Internal server error"})",
       "InternalServerErrorException"},
      {ErrorKind::kAuthorizerConfigurationError, 500, R"({"message": null})",
       "AuthorizerConfigurationException"},
      {ErrorKind::kAuthorizerFailure, 500, R"({"message": "Internal server error"})",
       "AuthorizerFailureException"},
      {ErrorKind::kInternal, 500, R"({"message": "Internal server error"})",
       "InternalServerErrorException"},
      // Rejected before API Gateway proper: plain text, no x-amzn-ErrorType.
      {ErrorKind::kRequestTooLarge, 413, "HTTP content length exceeded 10485760 bytes.", ""},
      {ErrorKind::kHeadersTooLarge, 431, "HTTP header is larger than 10240 bytes.", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(static_cast<int>(c.kind));
    check_rendering(ApiProtocol::kRest, c);
    // WebSocket APIs answer with REST's texts ("Forbidden", "Internal server error" in their
    // error frames; refused handshakes), aws-behaviour.md §2.1, §2.3.
    check_rendering(ApiProtocol::kWebSocket, c);
  }
}

TEST_CASE("error response: byte counts observed on AWS") {
  auto size = [](ErrorKind k, ApiProtocol p) {
    return gh::core::render_error(GatewayError::of(k), p).body.size();
  };
  CHECK(size(ErrorKind::kNoRoute, ApiProtocol::kRest) == 42);
  CHECK(size(ErrorKind::kInternal, ApiProtocol::kRest) == 36);
  CHECK(size(ErrorKind::kIntegrationTimeout, ApiProtocol::kRest) == 41);
  CHECK(size(ErrorKind::kIntegrationFailure, ApiProtocol::kRest) == 56);
  CHECK(size(ErrorKind::kRequestTooLarge, ApiProtocol::kRest) == 44);
  CHECK(size(ErrorKind::kNoRoute, ApiProtocol::kHttp) == 23);
  CHECK(size(ErrorKind::kUnauthorized, ApiProtocol::kHttp) == 26);
  CHECK(size(ErrorKind::kIntegrationTimeout, ApiProtocol::kHttp) == 33);
  CHECK(size(ErrorKind::kIntegrationResponseError, ApiProtocol::kHttp) == 35);
}

TEST_CASE("error response: HTTP APIs") {
  const Case cases[] = {
      {ErrorKind::kNoRoute, 404, R"({"message":"Not Found"})", ""},
      {ErrorKind::kBadRequest, 400, R"({"message":"Bad Request"})", ""},
      {ErrorKind::kMissingAuthenticationToken, 403, R"({"message":"Forbidden"})", ""},
      {ErrorKind::kIncompleteSignature, 403, R"({"message":"Forbidden"})", ""},
      {ErrorKind::kInvalidSignature, 403, R"({"message":"Forbidden"})", ""},
      {ErrorKind::kUnrecognizedClient, 403, R"({"message":"Forbidden"})", ""},
      {ErrorKind::kExpiredToken, 403, R"({"message":"Forbidden"})", ""},
      {ErrorKind::kAccessDenied, 403, R"({"message":"Forbidden"})", ""},
      {ErrorKind::kInvalidApiKey, 403, R"({"message":"Forbidden"})", ""},
      {ErrorKind::kUnauthorized, 401, R"({"message":"Unauthorized"})", ""},
      {ErrorKind::kThrottled, 429, R"({"message":"Too Many Requests"})", ""},
      {ErrorKind::kQuotaExceeded, 429, R"({"message":"Limit Exceeded"})", ""},
      {ErrorKind::kBadRequestParameters, 400, R"({"message":"Bad Request"})", ""},
      {ErrorKind::kBadRequestBody, 400, R"({"message":"Bad Request"})", ""},
      {ErrorKind::kUnsupportedMediaType, 415, R"({"message":"Unsupported Media Type"})", ""},
      // Timeouts and unreachable backends: 503 on HTTP APIs.
      {ErrorKind::kIntegrationTimeout, 503, R"({"message":"Service Unavailable"})", ""},
      {ErrorKind::kIntegrationFailure, 503, R"({"message":"Service Unavailable"})", ""},
      {ErrorKind::kServiceUnavailable, 503, R"({"message":"Service Unavailable"})", ""},
      {ErrorKind::kIntegrationResponseError, 500, R"({"message":"Internal Server Error"})", ""},
      {ErrorKind::kApiConfigurationError, 500, R"({"message":"Internal Server Error"})", ""},
      {ErrorKind::kAuthorizerConfigurationError, 500, R"({"message":"Internal Server Error"})", ""},
      {ErrorKind::kAuthorizerFailure, 500, R"({"message":"Internal Server Error"})", ""},
      {ErrorKind::kInternal, 500, R"({"message":"Internal Server Error"})", ""},
      {ErrorKind::kRequestTooLarge, 413, "HTTP content length exceeded 10485760 bytes.", ""},
      {ErrorKind::kHeadersTooLarge, 431, "HTTP header is larger than 10240 bytes.", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(static_cast<int>(c.kind));
    check_rendering(ApiProtocol::kHttp, c);
  }
}

TEST_CASE("error response: message overrides are escaped as JSON") {
  struct Override {
    ErrorKind kind;
    ApiProtocol protocol;
    const char* message;
    const char* body;
  };
  const Override cases[] = {
      {ErrorKind::kInvalidSignature, ApiProtocol::kRest,
       "The request signature we calculated does not match.\n\nThe Canonical String for this "
       "request should have been\n'GET\n/\n\nhost:x'\n",
       R"({"message":"The request signature we calculated does not match.\n\nThe Canonical )"
       R"(String for this request should have been\n'GET\n/\n\nhost:x'\n"})"},
      {ErrorKind::kAccessDenied, ApiProtocol::kRest,
       "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
       "arn:aws:execute-api:us-east-1:000000000000:abc/dev/GET/pets with an explicit deny",
       R"({"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on )"
       R"(resource: arn:aws:execute-api:us-east-1:000000000000:abc/dev/GET/pets with an )"
       R"(explicit deny"})"},
      {ErrorKind::kBadRequestParameters, ApiProtocol::kRest,
       "Missing required request parameters: [x-h, q]",
       R"({"message":"Missing required request parameters: [x-h, q]"})"},
      {ErrorKind::kIntegrationFailure, ApiProtocol::kRest, "quote \" backslash \\ tab \t ctl \x01",
       R"({"message": "quote \" backslash \\ tab \t ctl \u0001"})"},
      {ErrorKind::kUnauthorized, ApiProtocol::kHttp, "bad \"token\"",
       R"({"message":"bad \"token\""})"},
      // Authorizer configuration errors always say null.
      {ErrorKind::kAuthorizerConfigurationError, ApiProtocol::kRest, "ignored",
       R"({"message": null})"},
      // Plain-text errors are not JSON: the override is the body as is.
      {ErrorKind::kRequestTooLarge, ApiProtocol::kRest, "too \"big\"", "too \"big\""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.message);
    auto r = gh::core::render_error(GatewayError::of(c.kind, c.message), c.protocol);
    CHECK(r.body == c.body);
  }
}

TEST_CASE("error response: the error's own headers come first and are kept") {
  GatewayError e = GatewayError::of(ErrorKind::kUnauthorized);
  e.headers.add("WWW-Authenticate",
                R"(Bearer scope="" error="invalid_token" error_description="expired")");
  e.headers.add("content-type", "text/html");  // replaced by the gateway's own
  auto rest = gh::core::render_error(e, ApiProtocol::kRest);
  CHECK(
      header_lines(rest.headers) ==
      std::vector<std::string>{
          R"(WWW-Authenticate: Bearer scope="" error="invalid_token" error_description="expired")",
          "content-type: application/json", "x-amzn-ErrorType: UnauthorizedException"});
  auto http = gh::core::render_error(e, ApiProtocol::kHttp);
  CHECK(http.status == 401);
  CHECK(http.body == R"({"message":"Unauthorized"})");
  CHECK(
      header_lines(http.headers) ==
      std::vector<std::string>{
          R"(WWW-Authenticate: Bearer scope="" error="invalid_token" error_description="expired")",
          "content-type: application/json"});
}

TEST_CASE("error response: default messages") {
  using gh::core::default_error_message;
  CHECK(default_error_message(ErrorKind::kNoRoute, ApiProtocol::kRest) ==
        "Missing Authentication Token");
  CHECK(default_error_message(ErrorKind::kNoRoute, ApiProtocol::kHttp) == "Not Found");
  CHECK(default_error_message(ErrorKind::kIntegrationTimeout, ApiProtocol::kRest) ==
        "Endpoint request timed out");
  CHECK(default_error_message(ErrorKind::kIntegrationTimeout, ApiProtocol::kHttp) ==
        "Service Unavailable");
  CHECK(default_error_message(ErrorKind::kAuthorizerConfigurationError, ApiProtocol::kRest) == "");
  CHECK(default_error_message(ErrorKind::kInternal, ApiProtocol::kHttp) == "Internal Server Error");
  CHECK(default_error_message(ErrorKind::kRequestTooLarge, ApiProtocol::kHttp) ==
        "HTTP content length exceeded 10485760 bytes.");
}

TEST_CASE("error response: gateway response type names") {
  struct Name {
    ErrorKind kind;
    const char* name;
  };
  const Name names[] = {
      {ErrorKind::kBadRequest, "DEFAULT_4XX"},
      {ErrorKind::kNoRoute, "MISSING_AUTHENTICATION_TOKEN"},
      {ErrorKind::kMissingAuthenticationToken, "MISSING_AUTHENTICATION_TOKEN"},
      {ErrorKind::kIncompleteSignature, "INVALID_SIGNATURE"},
      {ErrorKind::kInvalidSignature, "INVALID_SIGNATURE"},
      {ErrorKind::kExpiredToken, "EXPIRED_TOKEN"},
      {ErrorKind::kAccessDenied, "ACCESS_DENIED"},
      {ErrorKind::kUnauthorized, "UNAUTHORIZED"},
      {ErrorKind::kInvalidApiKey, "INVALID_API_KEY"},
      {ErrorKind::kThrottled, "THROTTLED"},
      {ErrorKind::kQuotaExceeded, "QUOTA_EXCEEDED"},
      {ErrorKind::kRequestTooLarge, "REQUEST_TOO_LARGE"},
      {ErrorKind::kBadRequestParameters, "BAD_REQUEST_PARAMETERS"},
      {ErrorKind::kBadRequestBody, "BAD_REQUEST_BODY"},
      {ErrorKind::kUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE"},
      {ErrorKind::kIntegrationTimeout, "INTEGRATION_TIMEOUT"},
      {ErrorKind::kIntegrationFailure, "INTEGRATION_FAILURE"},
      {ErrorKind::kIntegrationResponseError, "DEFAULT_5XX"},
      {ErrorKind::kApiConfigurationError, "API_CONFIGURATION_ERROR"},
      {ErrorKind::kAuthorizerConfigurationError, "AUTHORIZER_CONFIGURATION_ERROR"},
      {ErrorKind::kAuthorizerFailure, "AUTHORIZER_FAILURE"},
      {ErrorKind::kInternal, "DEFAULT_5XX"},
  };
  for (const auto& n : names) {
    CAPTURE(n.name);
    CHECK(gh::core::response_type_name(n.kind) == n.name);
  }
}

TEST_CASE("error response: API protocol names") {
  CHECK(gh::core::to_string(ApiProtocol::kHttp) == "HTTP");
  CHECK(gh::core::to_string(ApiProtocol::kRest) == "REST");
  CHECK(gh::core::to_string(ApiProtocol::kWebSocket) == "WEBSOCKET");
  CHECK(gh::core::parse_api_protocol("HTTP") == ApiProtocol::kHttp);
  CHECK(gh::core::parse_api_protocol("REST") == ApiProtocol::kRest);
  CHECK(gh::core::parse_api_protocol("WEBSOCKET") == ApiProtocol::kWebSocket);
  CHECK(gh::core::parse_api_protocol("http") == std::nullopt);
  CHECK(gh::core::parse_api_protocol("") == std::nullopt);
}
