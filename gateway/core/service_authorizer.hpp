#pragma once
/// ServiceAuthorizer: the IAM check of the AWS service APIs Gatehouse serves (the @connections
/// API, the Lambda Invoke API; a service API finds it in RequestContext::service_authorizer). AWS
/// always requires a SigV4 signature and an identity policy allowing the action there; Gatehouse
/// does when `iam.enforce: true`, when the sigv4 plugin publishes one through the CompileScope.
/// Without one, the service APIs are open, as local tools expect by default.
///
/// Immutable, owned by the snapshot, called from any thread.

#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/gateway_error.hpp"
#include "gateway/core/request_context.hpp"

namespace gh::core {

/// What a request to a service API asks to do, in IAM's terms.
struct ServiceAccess {
  std::string service;   // the SigV4 scope's service: "execute-api", "lambda", …
  std::string action;    // "execute-api:ManageConnections"
  std::string resource;  // the ARN acted on
};

/// How AWS services other than API Gateway word an IAM denial: the authorizer's "User: … is not
/// authorized to perform: {action} on resource: {arn}[ with an explicit deny]" plus the reason
/// ("… because no identity-based policy allows the {action} action", "… with an explicit deny
/// in an identity-based policy").
inline std::string service_denial_message(std::string message, std::string_view action) {
  constexpr std::string_view kExplicit = " with an explicit deny";
  if (message.ends_with(kExplicit)) {
    message += " in an identity-based policy";
  } else {
    message += " because no identity-based policy allows the ";
    message += action;
    message += " action";
  }
  return message;
}

class ServiceAuthorizer {
 public:
  virtual ~ServiceAuthorizer() = default;
  /// nullopt when the signed caller may do `access`; else why not (the caller renders it in its
  /// service's error format). Fills ctx.identity with the signer.
  virtual std::optional<GatewayError> check(RequestContext& ctx,
                                            const ServiceAccess& access) const = 0;
};

}  // namespace gh::core
