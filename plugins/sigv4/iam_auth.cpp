#include "plugins/sigv4/iam_auth.hpp"

#include <spdlog/spdlog.h>

#include <map>

#include "gateway/config/config.hpp"
#include "gateway/core/compile_scope.hpp"
#include "gateway/iam/credential_store.hpp"
#include "gateway/iam/policy.hpp"
#include "plugins/sigv4/authorize.hpp"
#include "plugins/sigv4/service_authorizer.hpp"

namespace gh::plugins::sigv4 {

namespace {

enum class AuthType { kNone, kAwsIam };

/// What compile() learnt from the whole config, for create() to hand out per route.
struct IamCompileState {
  std::shared_ptr<const iam::CredentialStore> store;
  std::map<std::string, std::shared_ptr<const iam::Policy>> resource_policies;  // by API id
  std::map<std::string, AuthType> route_auth;  // by route node path, resolved with API default
};

std::optional<AuthType> read_auth_type(const config::Node& node, config::Diagnostics& diags) {
  auto value = config::read_string(node, diags);
  if (!value) return std::nullopt;
  if (*value == "NONE") return AuthType::kNone;
  if (*value == "AWS_IAM") return AuthType::kAwsIam;
  std::string msg = "authorizationType is NONE or AWS_IAM, not '" + *value + "'";
  if (*value == "CUSTOM" || *value == "JWT" || *value == "COGNITO_USER_POOLS") {
    msg += " (Lambda, JWT and Cognito authorizers are not available in this version)";
  }
  diags.error(node.location(), node.path(), msg);
  return std::nullopt;
}

class IamAuthMiddleware final : public core::SyncMiddleware {
 public:
  IamAuthMiddleware(bool iam, std::shared_ptr<const iam::CredentialStore> store,
                    std::shared_ptr<const iam::Policy> resource_policy, const core::ApiInfo& api,
                    const core::StageInfo& stage)
      : iam_(iam),
        store_(std::move(store)),
        store_owner_(store_),
        resource_policy_(std::move(resource_policy)) {
    // arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/: this route's resources all start
    // so (a middleware serves one route of one stage).
    resource_prefix_.append("arn:aws:execute-api:")
        .append(api.region)
        .append(":")
        .append(api.account_id)
        .append(":")
        .append(api.id)
        .append("/")
        .append(stage.name)
        .append("/");
  }

  core::Phase phase() const override { return core::Phase::kAuthenticate; }
  std::string describe() const override {
    if (iam_ && resource_policy_) return "AWS_IAM+policy";
    return iam_ ? "AWS_IAM" : "policy";
  }

  core::Step check(core::RequestContext& ctx) const override {
    const core::ApiInfo& api = *ctx.api;
    // arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{VERB}/{path}; the root resource
    // ends in "/" (aws-behaviour.md §4.6). The path is the one requested, stage removed.
    // Built in a buffer this thread keeps (check() never waits, so nothing else uses it
    // meanwhile): no allocation per request.
    thread_local std::string resource;
    resource.assign(resource_prefix_);
    if (api.protocol == core::ApiProtocol::kWebSocket) {
      // WebSocket routes: .../{stage}/{routeKey} (aws-behaviour.md §4.6).
      resource += ctx.route ? std::string_view(ctx.route->route_key) : "$connect";
    } else {
      resource += ctx.request.method;
      resource += '/';
      std::string_view path = ctx.path;
      if (!path.empty() && path.front() == '/') path.remove_prefix(1);
      resource += path;
    }
    AccessCheck check;
    check.verify_signature = iam_;
    check.region = api.region;
    check.service = "execute-api";
    check.action = "execute-api:Invoke";
    check.resource = resource;
    check.resource_policy = resource_policy_.get();
    check.resource_account = api.account_id;
    // The clock read when the request arrived (microseconds ago) is the time the signature's
    // skew and the policies' aws:CurrentTime are judged at.
    AccessResult result = authorize(*store_, ctx, check, ctx.request_time);
    if (result.signer) fill_identity(ctx.identity, *result.signer, store_owner_);
    if (!result.error) return core::Next{};
    // HTTP and WebSocket APIs answer a denial with {"message":"Forbidden"} (their only 403
    // body); REST APIs with AWS's "User: … is not authorized …" text.
    if (result.error->kind == core::ErrorKind::kAccessDenied &&
        api.protocol != core::ApiProtocol::kRest) {
      result.error->message.clear();
    }
    return std::move(*result.error);
  }

 private:
  bool iam_;
  std::shared_ptr<const iam::CredentialStore> store_;
  std::shared_ptr<const void> store_owner_;  // the same store, as the identities point at it
  std::shared_ptr<const iam::Policy> resource_policy_;
  std::string resource_prefix_;
};

class IamAuthFactory final : public core::MiddlewareFactory {
 public:
  std::string_view name() const override { return "sigv4"; }
  std::vector<std::string> top_level_keys() const override { return {"iam"}; }
  std::vector<std::string> api_keys() const override { return {"authorizationType", "policy"}; }
  std::vector<std::string> route_keys() const override { return {"authorizationType"}; }

  void compile(core::CompileScope& scope, config::Diagnostics& diags) const override {
    auto& state = scope.state<IamCompileState>();
    state.store = iam::CredentialStore::parse(scope.root().child("iam"),
                                              scope.root().child("functions"), diags);
    if (state.store->enforce()) {
      scope.set_service_authorizer(make_service_authorizer(state.store, scope.config().aws.region));
    }
    std::vector<config::Node> iam_routes;
    for (const auto& api : scope.config().apis) {
      AuthType api_default = AuthType::kNone;
      config::Node auth = api.node.child("authorizationType");
      if (auth.defined()) api_default = read_auth_type(auth, diags).value_or(AuthType::kNone);
      config::Node policy = api.node.child("policy");
      if (policy.defined() && !policy.is_null()) {
        if (api.protocol != core::ApiProtocol::kRest) {
          diags.error(policy.location(), policy.path(),
                      "resource policies exist for REST APIs only (as on AWS)");
        } else if (auto p = iam::parse_policy(policy, /*resource_policy=*/true, diags)) {
          const auto& aws = scope.config().aws;
          iam::expand_execute_api_resources(*p, aws.region, aws.account_id, api.id);
          state.resource_policies[api.id] = std::make_shared<const iam::Policy>(std::move(*p));
        }
      }
      const bool websocket = api.protocol == core::ApiProtocol::kWebSocket;
      for (const auto& route : api.routes) {
        // WebSocket APIs authorize the connection once, on $connect (aws-behaviour.md §2.3).
        bool authorizable = !websocket || route.route_key == "$connect";
        AuthType type = authorizable ? api_default : AuthType::kNone;
        config::Node r = route.node.child("authorizationType");
        if (r.defined() && !authorizable) {
          diags.error(r.location(), r.path(),
                      "WebSocket APIs authorize on $connect only (as on AWS)");
        } else if (r.defined()) {
          type = read_auth_type(r, diags).value_or(api_default);
        }
        state.route_auth[route.node.path()] = type;
        if (type == AuthType::kAwsIam) iam_routes.push_back(r.defined() ? r : auth);
      }
    }
    // (Credentials that are listed but malformed were reported already.)
    config::Node listed = scope.root().child("iam").child("credentials");
    bool none_listed = !listed.is_sequence() || listed.items().empty();
    if (!iam_routes.empty() && state.store->empty() && none_listed) {
      const config::Node& where = iam_routes.front();
      diags.error(where.location(), where.path(),
                  "AWS_IAM needs signers: add iam.credentials (accessKeyId, secretAccessKey, arn, "
                  "policies) to the config");
    }
  }

  std::shared_ptr<const core::Middleware> create(const core::MiddlewareBuildContext& ctx,
                                                 config::Diagnostics&) const override {
    auto& state = ctx.scope.state<IamCompileState>();
    auto auth = state.route_auth.find(ctx.route_node.path());
    bool iam = auth != state.route_auth.end() && auth->second == AuthType::kAwsIam;
    std::shared_ptr<const iam::Policy> policy;
    if (auto p = state.resource_policies.find(ctx.api.id); p != state.resource_policies.end()) {
      policy = p->second;
    }
    if (!iam && !policy) return nullptr;
    return std::make_shared<IamAuthMiddleware>(iam, state.store, std::move(policy), ctx.api,
                                               ctx.stage);
  }
};

}  // namespace

std::unique_ptr<core::MiddlewareFactory> make_factory() {
  return std::make_unique<IamAuthFactory>();
}

}  // namespace gh::plugins::sigv4
