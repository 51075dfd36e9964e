#include "plugins/sigv4/iam_auth.hpp"

#include <spdlog/spdlog.h>

#include <boost/container/small_vector.hpp>
#include <map>

#include "gateway/config/config.hpp"
#include "gateway/core/compile_scope.hpp"
#include "gateway/iam/credential_store.hpp"
#include "gateway/iam/policy.hpp"
#include "gateway/sigv4/verify.hpp"

namespace gh::plugins::sigv4 {

namespace {

using gh::sigv4::Verdict;

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

class IamAuthMiddleware final : public core::Middleware {
 public:
  IamAuthMiddleware(bool iam, std::shared_ptr<const iam::CredentialStore> store,
                    std::shared_ptr<const iam::Policy> resource_policy)
      : iam_(iam), store_(std::move(store)), resource_policy_(std::move(resource_policy)) {}

  core::Phase phase() const override { return core::Phase::kAuthenticate; }
  std::string describe() const override {
    if (iam_ && resource_policy_) return "AWS_IAM+policy";
    return iam_ ? "AWS_IAM" : "policy";
  }

  boost::asio::awaitable<core::Step> handle(core::RequestContext& ctx) const override {
    co_return check(ctx);
  }

 private:
  core::Step check(core::RequestContext& ctx) const {
    const core::ApiInfo& api = *ctx.api;
    auto now = std::chrono::system_clock::now();
    const iam::SigningIdentity* signer = nullptr;
    if (iam_) {
      boost::container::small_vector<gh::sigv4::HeaderView, 16> headers;
      for (const auto& f : ctx.request.headers) headers.push_back({f.name, f.value});
      gh::sigv4::ReceivedRequest received{ctx.request.method, ctx.request.path, ctx.request.query,
                                          headers, ctx.request.body};
      gh::sigv4::VerifyOptions options;
      options.region = api.region;
      options.service = "execute-api";
      options.now = now;
      Verdict verdict = gh::sigv4::verify(
          received, options, [this](std::string_view key) -> const gh::sigv4::Credentials* {
            const iam::SigningIdentity* id = store_->find(key);
            return id ? &id->credentials : nullptr;
          });
      if (!verdict.ok()) return failure(verdict, api);
      signer = store_->find(verdict.credentials->access_key_id);
      if (signer->expiration && now >= *signer->expiration) {
        return core::GatewayError::of(core::ErrorKind::kExpiredToken);
      }
      core::Identity& id = ctx.identity;
      id.access_key = signer->credentials.access_key_id;
      id.account_id = signer->principal.account_id;
      id.caller = signer->principal.caller;
      id.user = signer->principal.user_id;
      id.user_arn = signer->principal.arn;
    }

    // arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{VERB}/{path}; the root resource
    // ends in "/" (aws-behaviour.md §4.6). The path is the one requested, stage removed.
    std::string resource = "arn:aws:execute-api:" + api.region + ":" + api.account_id + ":" +
                           api.id + "/" + ctx.stage->name + "/";
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

    iam::RequestFacts facts;
    facts.action = "execute-api:Invoke";
    facts.resource = resource;
    if (signer) {
      facts.principal_arn = signer->principal.arn;
      facts.principal_account = signer->principal.account_id;
      facts.user_id = signer->principal.user_id;
      facts.user_name = signer->principal.user_name;
    }
    facts.source_ip = ctx.request.connection.source_ip;
    facts.user_agent = ctx.request.headers.get("User-Agent");
    facts.secure_transport = ctx.request.connection.secure;
    facts.now = now;

    using iam::Decision;
    Decision identity = signer ? iam::evaluate(signer->policies, facts) : Decision::kNotApplicable;
    Decision resource_side =
        resource_policy_ ? iam::evaluate(*resource_policy_, facts) : Decision::kNotApplicable;
    bool explicit_deny = identity == Decision::kDeny || resource_side == Decision::kDeny;
    bool allowed = false;
    if (!explicit_deny) {
      if (!signer) {
        // Resource policy alone: it must allow the anonymous caller explicitly.
        allowed = resource_side == Decision::kAllow;
      } else if (!resource_policy_) {
        allowed = identity == Decision::kAllow;
      } else if (signer->principal.account_id == api.account_id) {
        // Same account: either side's Allow suffices (aws-behaviour.md §4.7, table A).
        allowed = identity == Decision::kAllow || resource_side == Decision::kAllow;
      } else {
        // Cross-account: both must allow (table B).
        allowed = identity == Decision::kAllow && resource_side == Decision::kAllow;
      }
    }
    if (allowed) return core::Next{};
    std::string message;
    if (api.protocol == core::ApiProtocol::kRest) {
      message = "User: " + (signer ? signer->principal.arn : std::string("anonymous")) +
                " is not authorized to perform: execute-api:Invoke on resource: " + resource;
      if (explicit_deny) message += " with an explicit deny";
    }
    // HTTP APIs answer a denial with {"message":"Forbidden"} (their only 403 body).
    return core::GatewayError::of(core::ErrorKind::kAccessDenied, std::move(message));
  }

  static core::GatewayError failure(const Verdict& verdict, const core::ApiInfo& api) {
    using F = Verdict::Failure;
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
    (void)api;
    return core::GatewayError::of(core::ErrorKind::kUnrecognizedClient, verdict.message);
  }

  bool iam_;
  std::shared_ptr<const iam::CredentialStore> store_;
  std::shared_ptr<const iam::Policy> resource_policy_;
};

class IamAuthFactory final : public core::MiddlewareFactory {
 public:
  std::string_view name() const override { return "sigv4"; }
  std::vector<std::string> top_level_keys() const override { return {"iam"}; }
  std::vector<std::string> api_keys() const override { return {"authorizationType", "policy"}; }
  std::vector<std::string> route_keys() const override { return {"authorizationType"}; }

  void compile(core::CompileScope& scope, config::Diagnostics& diags) const override {
    auto& state = scope.state<IamCompileState>();
    state.store = iam::CredentialStore::parse(scope.root().child("iam"), diags);
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
    return std::make_shared<IamAuthMiddleware>(iam, state.store, std::move(policy));
  }
};

}  // namespace

std::unique_ptr<core::MiddlewareFactory> make_factory() {
  return std::make_unique<IamAuthFactory>();
}

}  // namespace gh::plugins::sigv4
