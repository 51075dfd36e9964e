#include "plugins/sigv4/service_authorizer.hpp"

#include "plugins/sigv4/authorize.hpp"

namespace gh::plugins::sigv4 {

namespace {

class EnforcingAuthorizer final : public SigV4ServiceAuthorizer {
 public:
  EnforcingAuthorizer(std::shared_ptr<const iam::CredentialStore> store, std::string region)
      : store_(std::move(store)), store_owner_(store_), region_(std::move(region)) {}

  std::optional<core::GatewayError> check(core::RequestContext& ctx,
                                          const core::ServiceAccess& access) const override {
    return check_detailed(ctx, access, std::chrono::system_clock::now()).error;
  }

  AccessResult check_detailed(core::RequestContext& ctx, const core::ServiceAccess& access,
                              std::chrono::system_clock::time_point now) const override {
    AccessCheck check;
    check.region = region_;
    check.service = access.service;
    check.action = access.action;
    check.resource = access.resource;
    AccessResult result = authorize(*store_, ctx, check, now);
    if (result.signer) fill_identity(ctx.identity, *result.signer, store_owner_);
    return result;
  }

  const std::string& region() const noexcept override { return region_; }

 private:
  std::shared_ptr<const iam::CredentialStore> store_;
  std::shared_ptr<const void> store_owner_;  // the same store, as the identities point at it
  std::string region_;
};

}  // namespace

std::shared_ptr<const core::ServiceAuthorizer> make_service_authorizer(
    std::shared_ptr<const iam::CredentialStore> store, std::string region) {
  return std::make_shared<EnforcingAuthorizer>(std::move(store), std::move(region));
}

}  // namespace gh::plugins::sigv4
