#pragma once
/// GatewayError: a request failure decided by the gateway (no route, bad signature, throttled,
/// integration timeout …). Values, not exceptions: middleware and integrations return them.
/// The ONE place that turns them into AWS's responses is render_error() in error_response.hpp.

#include <string>
#include <string_view>

#include "gateway/core/header_map.hpp"

namespace gh::core {

/// What went wrong, named after AWS's gateway response types (GatewayResponseType) where one
/// exists. How each renders differs between REST and HTTP APIs; see error_response.cpp.
enum class ErrorKind {
  kBadRequest,                    // malformed HTTP request (before any API is known)
  kNoRoute,                       // no API/stage/route matched: REST 403, HTTP API 404
  kMissingAuthenticationToken,    // AWS_IAM route without any signature
  kIncompleteSignature,           // Authorization header present but unparseable
  kInvalidSignature,              // SigV4 mismatch, clock skew, wrong scope
  kUnrecognizedClient,            // unknown access key / invalid security token
  kExpiredToken,                  // expired temporary credentials
  kAccessDenied,                  // IAM / resource policy / authorizer policy denied
  kUnauthorized,                  // authorizer said 401
  kInvalidApiKey,                 // API key missing, unknown, disabled or not in a plan
  kThrottled,                     // a token bucket was empty
  kQuotaExceeded,                 // usage-plan quota exhausted
  kRequestTooLarge,               // body over the payload limit
  kHeadersTooLarge,               // request line + headers over the limit
  kBadRequestParameters,          // request validator: missing required parameters
  kBadRequestBody,                // request validator: body does not match the model
  kUnsupportedMediaType,          // passthrough behaviour NEVER / WHEN_NO_TEMPLATES
  kIntegrationTimeout,            // integration took longer than timeoutInMillis
  kIntegrationFailure,            // upstream unreachable, connection reset, TLS failure
  kIntegrationResponseError,      // function error or malformed Lambda proxy output
  kApiConfigurationError,         // a configuration problem detected at request time
  kAuthorizerConfigurationError,  // authorizer failed or returned garbage
  kAuthorizerFailure,             // authorizer could not authenticate the caller
  kServiceUnavailable,            // the gateway is shutting down or overloaded
  kInternal,                      // a bug or an unexpected exception in the gateway itself
};

struct GatewayError {
  ErrorKind kind = ErrorKind::kInternal;
  /// Overrides the default message for the kind (e.g. the SigV4 mismatch text). Empty: default.
  std::string message;
  /// Extra response headers (e.g. `WWW-Authenticate`).
  HeaderMap headers;

  static GatewayError of(ErrorKind kind, std::string message = {}) {
    GatewayError e;
    e.kind = kind;
    e.message = std::move(message);
    return e;
  }
};

/// AWS's gateway response type name for `$context.error.responseType`
/// (e.g. "MISSING_AUTHENTICATION_TOKEN", "INTEGRATION_TIMEOUT").
std::string_view response_type_name(ErrorKind kind) noexcept;

}  // namespace gh::core
