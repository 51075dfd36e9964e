#pragma once
/// The one IAM decision every caller shares: verify the request's SigV4 signature against the
/// configured signers (iam::CredentialStore), then evaluate the signer's identity policies and
/// an optional resource policy with AWS's combination rules (aws-behaviour.md §4.7). Used by
/// AWS_IAM routes (iam_auth.cpp, action execute-api:Invoke) and by the AWS service APIs when
/// `iam.enforce` is on (service_authorizer.cpp: @connections, Lambda Invoke).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/gateway_error.hpp"
#include "gateway/core/request_context.hpp"
#include "gateway/iam/credential_store.hpp"
#include "gateway/iam/policy.hpp"
#include "gateway/sigv4/verify.hpp"

namespace gh::plugins::sigv4 {

struct AccessCheck {
  bool verify_signature = true;  // false: only the resource policy decides (anonymous caller)
  std::string_view region;
  std::string_view service;   // the SigV4 scope's service: execute-api, lambda, …
  std::string_view action;    // execute-api:Invoke, execute-api:ManageConnections, …
  std::string_view resource;  // the ARN acted on
  const iam::Policy* resource_policy = nullptr;
  std::string_view resource_account;  // owner of the resource: same- or cross-account rule
};

struct AccessResult {
  /// Set when the request is refused. For a policy denial the message is AWS's "User: … is not
  /// authorized to perform: {action} on resource: {resource}[ with an explicit deny]".
  std::optional<core::GatewayError> error;
  const iam::SigningIdentity* signer = nullptr;  // the verified signer, if any
  /// The verifier's verdict (claimed scope, canonical request, signing key …) when the signature
  /// was checked: services with their own error codes (S3) read its detail.
  gh::sigv4::Verdict verdict;
};

/// The verifier's options for `check` (service "s3" gets S3's rules: the path as sent
/// (UriMode::kS3), presigned URLs signing UNSIGNED-PAYLOAD, S3's 15-minute clock skew).
gh::sigv4::VerifyOptions verify_options(const AccessCheck& check,
                                        std::chrono::system_clock::time_point now);

/// The signer as `$context.identity.*` / requestContext.identity show it: views of `signer`,
/// an entry of the store `store_owner` owns. `store_owner` must outlive the request (it is the
/// caller's member, which the config snapshot keeps); Identity::kept() copies it.
void fill_identity(core::Identity& identity, const iam::SigningIdentity& signer,
                   const std::shared_ptr<const void>& store_owner);

AccessResult authorize(const iam::CredentialStore& store, const core::RequestContext& ctx,
                       const AccessCheck& check, std::chrono::system_clock::time_point now);

}  // namespace gh::plugins::sigv4
