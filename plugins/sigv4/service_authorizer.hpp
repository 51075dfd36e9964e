#pragma once
/// `iam.enforce: true`: the core::ServiceAuthorizer of the AWS service APIs, as AWS always has
/// it: a SigV4 signature for the service's scope (the config's region) by one of the configured
/// signers (including functions' role sessions), whose identity policies allow the action.

#include <memory>
#include <string>

#include "gateway/core/service_authorizer.hpp"
#include "gateway/iam/credential_store.hpp"

namespace gh::plugins::sigv4 {

std::shared_ptr<const core::ServiceAuthorizer> make_service_authorizer(
    std::shared_ptr<const iam::CredentialStore> store, std::string region);

}  // namespace gh::plugins::sigv4
