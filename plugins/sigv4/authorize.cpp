#include "plugins/sigv4/authorize.hpp"

#include <boost/container/small_vector.hpp>

#include "gateway/sigv4/verify.hpp"

namespace gh::plugins::sigv4 {

namespace {

core::GatewayError signature_failure(const gh::sigv4::Verdict& verdict) {
  using F = gh::sigv4::Verdict::Failure;
  switch (verdict.failure) {
    case F::kMissingAuthenticationToken:
      return core::GatewayError::of(core::ErrorKind::kMissingAuthenticationToken);
    case F::kIncompleteSignature:
      return core::GatewayError::of(core::ErrorKind::kIncompleteSignature, verdict.message);
    case F::kInvalidSignature:
      return core::GatewayError::of(core::ErrorKind::kInvalidSignature, verdict.message);
    case F::kUnrecognizedClient:
    case F::kNone:
      break;
  }
  return core::GatewayError::of(core::ErrorKind::kUnrecognizedClient, verdict.message);
}

}  // namespace

gh::sigv4::VerifyOptions verify_options(const AccessCheck& check,
                                        std::chrono::system_clock::time_point now) {
  gh::sigv4::VerifyOptions options;
  options.region = check.region;
  options.service = check.service;
  options.now = now;
  // Only S3 reads the verified claim (its chunk signatures chain from the signing key).
  options.keep_details = check.service == "s3";
  if (check.service == "s3") {
    options.uri_mode = gh::sigv4::UriMode::kS3;
    options.presigned_unsigned_payload = true;
    // S3 API reference, "Error responses": RequestTimeTooSkewed carries
    // MaxAllowedSkewMilliseconds 900000.
    options.max_skew = std::chrono::minutes(15);
  }
  return options;
}

void fill_identity(core::Identity& identity, const iam::SigningIdentity& signer,
                   const std::shared_ptr<const void>& store_owner) {
  identity.signer_owner = &store_owner;
  identity.signer.reset();
  identity.access_key = signer.credentials.access_key_id;
  identity.account_id = signer.principal.account_id;
  identity.caller = signer.principal.caller;
  identity.user = signer.principal.user_id;
  identity.user_arn = signer.principal.arn;
}

AccessResult authorize(const iam::CredentialStore& store, const core::RequestContext& ctx,
                       const AccessCheck& check, std::chrono::system_clock::time_point now) {
  const iam::SigningIdentity* signer = nullptr;
  auto verify = [&]() {
    boost::container::small_vector<gh::sigv4::HeaderView, 16> headers;
    for (const auto& f : ctx.request.headers) headers.push_back({f.name, f.value});
    gh::sigv4::ReceivedRequest received{ctx.request.method, ctx.request.path,
                                        ctx.request.query,  headers,
                                        ctx.request.body,   ctx.request.body_pending};
    return gh::sigv4::verify(
        received, verify_options(check, now),
        [&store, &signer](std::string_view key) -> const gh::sigv4::Credentials* {
          signer = store.find(key);
          return signer ? &signer->credentials : nullptr;
        });
  };
  // The verdict is built in place (a prvalue all the way from the verifier): no Verdict moves.
  AccessResult result{.error = std::nullopt,
                      .signer = nullptr,
                      .verdict = check.verify_signature ? verify() : gh::sigv4::Verdict()};
  if (check.verify_signature) {
    if (!result.verdict.ok()) {
      result.error = signature_failure(result.verdict);
      return result;
    }
    if (signer->expiration && now >= *signer->expiration) {
      result.error = core::GatewayError::of(core::ErrorKind::kExpiredToken);
      return result;
    }
    result.signer = signer;
  }

  iam::RequestFacts facts;
  facts.action = check.action;
  facts.resource = check.resource;
  if (signer) {
    facts.principal_arn = signer->principal.arn;
    facts.principal_account = signer->principal.account_id;
    facts.user_id = signer->principal.user_id;
    facts.user_name = signer->principal.user_name;
  }
  facts.source_ip = ctx.request.connection.source_ip;
  facts.user_agent = ctx.identity.user_agent;  // the User-Agent header (Gateway::begin)
  facts.secure_transport = ctx.request.connection.secure;
  facts.now = now;

  using iam::Decision;
  Decision identity = signer ? iam::evaluate(signer->policies, facts) : Decision::kNotApplicable;
  Decision resource_side = check.resource_policy ? iam::evaluate(*check.resource_policy, facts)
                                                 : Decision::kNotApplicable;
  bool explicit_deny = identity == Decision::kDeny || resource_side == Decision::kDeny;
  bool allowed = false;
  if (!explicit_deny) {
    if (!signer) {
      // Resource policy alone: it must allow the anonymous caller explicitly.
      allowed = resource_side == Decision::kAllow;
    } else if (!check.resource_policy) {
      allowed = identity == Decision::kAllow;
    } else if (signer->principal.account_id == check.resource_account) {
      // Same account: either side's Allow suffices (aws-behaviour.md §4.7, table A).
      allowed = identity == Decision::kAllow || resource_side == Decision::kAllow;
    } else {
      // Cross-account: both must allow (table B).
      allowed = identity == Decision::kAllow && resource_side == Decision::kAllow;
    }
  }
  if (allowed) return result;
  std::string message = "User: " + (signer ? signer->principal.arn : std::string("anonymous")) +
                        " is not authorized to perform: " + std::string(check.action) +
                        " on resource: " + std::string(check.resource);
  if (explicit_deny) message += " with an explicit deny";
  result.error = core::GatewayError::of(core::ErrorKind::kAccessDenied, std::move(message));
  return result;
}

}  // namespace gh::plugins::sigv4
