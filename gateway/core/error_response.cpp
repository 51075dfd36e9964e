// How API Gateway answers its own errors. Sources: ../shared/reference/aws-behaviour.md §3
// (gateway response types, concrete REST cases, HTTP API bodies) and docs/aws-notes-core.md.
//
// REST APIs render every gateway response from the template
// {"message":$context.error.messageString} with x-amzn-ErrorType. AWS builds messageString with a
// leading space for errors raised in the integration phase, so those bodies read {"message": "..."}
// while front-door errors read
// {"message":"..."} (byte counts checked against observed Content-Length, docs/aws-notes-core.md
// §0, §3). Access denials use a capital "Message" key; authorizer configuration errors a null
// message. HTTP APIs have no gateway responses: compact {"message":"..."}, no x-amzn-ErrorType.
// Oversized requests are rejected before API Gateway proper, as plain text (§4).
#include "gateway/core/error_response.hpp"

#include <utility>

#include "gateway/util/encoding.hpp"

namespace gh::core {

namespace {

struct Rendering {
  int status;
  std::string_view message;     // default message
  std::string_view error_type;  // x-amzn-ErrorType (REST only)
  bool spaced = false;          // messageString has AWS's leading space: {"message": "..."}
  std::string_view body_key = "message";
  bool null_message = false;  // body {"message": null}
  bool plain_text = false;    // not a gateway response: text body, no x-amzn-ErrorType
};

Rendering rest_rendering(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kBadRequest:
      return {400, "Bad Request", "BadRequestException"};
    case ErrorKind::kNoRoute:
    case ErrorKind::kMissingAuthenticationToken:
      return {403, "Missing Authentication Token", "MissingAuthenticationTokenException"};
    case ErrorKind::kIncompleteSignature:
      return {403, "Incomplete signature", "IncompleteSignatureException"};
    case ErrorKind::kInvalidSignature:
      return {403, "The request signature we calculated does not match the signature you provided.",
              "InvalidSignatureException"};
    case ErrorKind::kUnrecognizedClient:
      // API Gateway's own table of 403s gives AccessDeniedException for an unknown access key
      // (AWS Knowledge Center "troubleshoot HTTP 403 errors from API Gateway"; other services
      // say UnrecognizedClientException), with the lower-case "message" key of its gateway
      // responses.
      return {403, "The security token included in the request is invalid.",
              "AccessDeniedException"};
    case ErrorKind::kExpiredToken:
      return {403, "The security token included in the request is expired",
              "ExpiredTokenException"};
    case ErrorKind::kAccessDenied:
      return {403, "User is not authorized to access this resource", "AccessDeniedException", false,
              "Message"};
    case ErrorKind::kUnauthorized:
      return {401, "Unauthorized", "UnauthorizedException"};
    case ErrorKind::kInvalidApiKey:
      return {403, "Forbidden", "ForbiddenException"};
    case ErrorKind::kThrottled:
      return {429, "Too Many Requests", "TooManyRequestsException"};
    case ErrorKind::kQuotaExceeded:
      return {429, "Limit Exceeded", "LimitExceededException"};
    case ErrorKind::kRequestTooLarge:
      return {413, "HTTP content length exceeded 10485760 bytes.", {}, false, {}, false, true};
    case ErrorKind::kHeadersTooLarge:
      return {431, "HTTP header is larger than 10240 bytes.", {}, false, {}, false, true};
    case ErrorKind::kBadRequestParameters:
      return {400, "Missing required request parameters", "BadRequestException"};
    case ErrorKind::kBadRequestBody:
      return {400, "Invalid request body", "BadRequestException"};
    case ErrorKind::kUnsupportedMediaType:
      // The error type is BadRequestException (aws-behaviour.md §3.2; LocalStack, validated).
      return {415, "Unsupported Media Type", "BadRequestException"};
    case ErrorKind::kIntegrationTimeout:
      return {504, "Endpoint request timed out", "InternalServerErrorException", true};
    case ErrorKind::kIntegrationFailure:
      return {504, "Network error communicating with endpoint", "InternalServerErrorException",
              true};
    case ErrorKind::kIntegrationResponseError:
      return {502, "Internal server error", "InternalServerErrorException", true};
    case ErrorKind::kApiConfigurationError:
      return {500, "Internal server error", "InternalServerErrorException", true};
    case ErrorKind::kAuthorizerConfigurationError:
      return {500, "", "AuthorizerConfigurationException", true, "message", true};
    case ErrorKind::kAuthorizerFailure:
      return {500, "Internal server error", "AuthorizerFailureException", true};
    case ErrorKind::kServiceUnavailable:
      return {503, "Service Unavailable", "ServiceUnavailableException"};
    case ErrorKind::kInternal:
      return {500, "Internal server error", "InternalServerErrorException", true};
  }
  return {500, "Internal server error", "InternalServerErrorException", true};
}

Rendering http_rendering(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kBadRequest:
      return {400, "Bad Request", {}};
    case ErrorKind::kNoRoute:
      return {404, "Not Found", {}};
    case ErrorKind::kMissingAuthenticationToken:
    case ErrorKind::kIncompleteSignature:
    case ErrorKind::kInvalidSignature:
    case ErrorKind::kUnrecognizedClient:
    case ErrorKind::kExpiredToken:
    case ErrorKind::kAccessDenied:
    case ErrorKind::kInvalidApiKey:
      return {403, "Forbidden", {}};
    case ErrorKind::kUnauthorized:
      return {401, "Unauthorized", {}};
    case ErrorKind::kThrottled:
      return {429, "Too Many Requests", {}};
    case ErrorKind::kQuotaExceeded:
      return {429, "Limit Exceeded", {}};
    case ErrorKind::kRequestTooLarge:
      return {413, "HTTP content length exceeded 10485760 bytes.", {}, false, {}, false, true};
    case ErrorKind::kHeadersTooLarge:
      return {431, "HTTP header is larger than 10240 bytes.", {}, false, {}, false, true};
    case ErrorKind::kBadRequestParameters:
    case ErrorKind::kBadRequestBody:
      return {400, "Bad Request", {}};
    case ErrorKind::kUnsupportedMediaType:
      return {415, "Unsupported Media Type", {}};
    // HTTP APIs answer integration timeouts and unreachable backends with 503 (observed
    // captures; a Knowledge Center article says 504 generically): docs/aws-notes-core.md §2.
    case ErrorKind::kIntegrationTimeout:
    case ErrorKind::kIntegrationFailure:
    case ErrorKind::kServiceUnavailable:
      return {503, "Service Unavailable", {}};
    case ErrorKind::kIntegrationResponseError:
    case ErrorKind::kApiConfigurationError:
    case ErrorKind::kAuthorizerConfigurationError:
    case ErrorKind::kAuthorizerFailure:
    case ErrorKind::kInternal:
      return {500, "Internal Server Error", {}};
  }
  return {500, "Internal Server Error", {}};
}

Rendering rendering(ErrorKind kind, ApiProtocol protocol) {
  // WebSocket APIs answer (refused handshakes, error frames) with REST's gateway-response
  // texts: "Forbidden", "Internal server error" (aws-behaviour.md §2.1, §2.3).
  return protocol == ApiProtocol::kHttp ? http_rendering(kind) : rest_rendering(kind);
}

}  // namespace

std::string_view default_error_message(ErrorKind kind, ApiProtocol protocol) noexcept {
  return rendering(kind, protocol).message;
}

Response render_error(const GatewayError& error, ApiProtocol protocol) {
  Rendering r = rendering(error.kind, protocol);
  Response response;
  response.status = r.status;
  response.headers = error.headers;
  std::string_view message = error.message.empty() ? r.message : std::string_view(error.message);
  if (r.plain_text) {
    response.headers.set("Content-Type", "text; charset=utf-8");
    response.body = message;
    return response;
  }
  response.headers.set("Content-Type", "application/json");
  if (!r.error_type.empty()) response.headers.set("x-amzn-ErrorType", std::string(r.error_type));
  std::string& body = response.body;
  body.reserve(64);
  body += "{\"";
  body += r.body_key;
  body += r.spaced ? "\": " : "\":";
  if (r.null_message) {
    body += "null";
  } else {
    body += util::json_quote(message);
  }
  body += '}';
  return response;
}

Response json_response(int status, std::string body) {
  Response out;
  out.status = status;
  out.headers.add("Content-Type", "application/json");
  out.body = std::move(body);
  return out;
}

Response json_message(int status, std::string_view text) {
  return json_response(status, "{\"message\":" + util::json_quote(text) + "}");
}

std::string_view response_type_name(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::kBadRequest:
      return "DEFAULT_4XX";
    case ErrorKind::kNoRoute:
      return "MISSING_AUTHENTICATION_TOKEN";
    case ErrorKind::kMissingAuthenticationToken:
      return "MISSING_AUTHENTICATION_TOKEN";
    case ErrorKind::kIncompleteSignature:
      return "INVALID_SIGNATURE";
    case ErrorKind::kInvalidSignature:
      return "INVALID_SIGNATURE";
    case ErrorKind::kUnrecognizedClient:
      return "UNAUTHORIZED";
    case ErrorKind::kExpiredToken:
      return "EXPIRED_TOKEN";
    case ErrorKind::kAccessDenied:
      return "ACCESS_DENIED";
    case ErrorKind::kUnauthorized:
      return "UNAUTHORIZED";
    case ErrorKind::kInvalidApiKey:
      return "INVALID_API_KEY";
    case ErrorKind::kThrottled:
      return "THROTTLED";
    case ErrorKind::kQuotaExceeded:
      return "QUOTA_EXCEEDED";
    case ErrorKind::kRequestTooLarge:
      return "REQUEST_TOO_LARGE";
    case ErrorKind::kHeadersTooLarge:
      return "DEFAULT_4XX";
    case ErrorKind::kBadRequestParameters:
      return "BAD_REQUEST_PARAMETERS";
    case ErrorKind::kBadRequestBody:
      return "BAD_REQUEST_BODY";
    case ErrorKind::kUnsupportedMediaType:
      return "UNSUPPORTED_MEDIA_TYPE";
    case ErrorKind::kIntegrationTimeout:
      return "INTEGRATION_TIMEOUT";
    case ErrorKind::kIntegrationFailure:
      return "INTEGRATION_FAILURE";
    case ErrorKind::kIntegrationResponseError:
      return "DEFAULT_5XX";
    case ErrorKind::kApiConfigurationError:
      return "API_CONFIGURATION_ERROR";
    case ErrorKind::kAuthorizerConfigurationError:
      return "AUTHORIZER_CONFIGURATION_ERROR";
    case ErrorKind::kAuthorizerFailure:
      return "AUTHORIZER_FAILURE";
    case ErrorKind::kServiceUnavailable:
      return "DEFAULT_5XX";
    case ErrorKind::kInternal:
      return "DEFAULT_5XX";
  }
  return "DEFAULT_5XX";
}

}  // namespace gh::core
