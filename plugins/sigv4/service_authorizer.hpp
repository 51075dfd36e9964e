#pragma once
/// `iam.enforce: true`: the core::ServiceAuthorizer of the AWS service APIs, as AWS always has
/// it: a SigV4 signature for the service's scope (the config's region) by one of the configured
/// signers (including functions' role sessions), whose identity policies allow the action.

#include <chrono>
#include <memory>
#include <string>

#include "gateway/core/service_authorizer.hpp"
#include "gateway/iam/credential_store.hpp"
#include "plugins/sigv4/authorize.hpp"

namespace gh::plugins::sigv4 {

/// What make_service_authorizer returns: besides core::ServiceAuthorizer::check, the whole
/// AccessResult (verifier verdict included) for service APIs that answer with their own error
/// codes and need the signing context (the S3 API: plugins/s3/s3_auth.hpp).
class SigV4ServiceAuthorizer : public core::ServiceAuthorizer {
 public:
  /// As check(), at time `now`; fills ctx.identity with the signer.
  virtual AccessResult check_detailed(core::RequestContext& ctx, const core::ServiceAccess& access,
                                      std::chrono::system_clock::time_point now) const = 0;
  /// The region signatures must be scoped to (the config's `aws.region`).
  virtual const std::string& region() const noexcept = 0;
};

std::shared_ptr<const core::ServiceAuthorizer> make_service_authorizer(
    std::shared_ptr<const iam::CredentialStore> store, std::string region);

}  // namespace gh::plugins::sigv4
