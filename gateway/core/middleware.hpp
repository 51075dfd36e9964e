#pragma once
/// Middleware: per-route request checks that run before the integration, in AWS's fixed phase
/// order (authenticate → API key → throttle → validate). Within a phase, config order.
///
/// handle() is a coroutine on the connection's executor (it may call a Lambda authorizer), never
/// blocking. It returns Next to continue, a Response to answer directly, or a GatewayError.
/// on_response() may adjust any response on its way out (CORS headers, rate-limit headers).
/// Instances are immutable and shared by all requests of their route; state lives in Services.

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gateway/config/yaml_reader.hpp"
#include "gateway/core/compile_scope.hpp"
#include "gateway/core/gateway_error.hpp"
#include "gateway/core/request_context.hpp"
#include "gateway/core/response.hpp"

namespace gh::core {

enum class Phase { kAuthenticate = 0, kApiKey = 1, kThrottle = 2, kValidate = 3 };
inline constexpr int kPhaseCount = 4;

struct Next {};
using Step = std::variant<Next, Response, GatewayError>;

class SyncMiddleware;

class Middleware {
 public:
  virtual ~Middleware() = default;
  virtual Phase phase() const = 0;
  virtual boost::asio::awaitable<Step> handle(RequestContext& ctx) const = 0;
  /// Non-null for middleware that never waits: the pipeline then calls its check() directly.
  virtual const SyncMiddleware* synchronous() const { return nullptr; }
  virtual void on_response(RequestContext& /*ctx*/, Response& /*response*/) const {}
  /// Short label for `gatehouse routes`, e.g. "AWS_IAM".
  virtual std::string describe() const = 0;
};

/// Middleware that never waits (IAM, throttling, API keys) implements check(); the pipeline
/// calls it directly, without a coroutine frame per request.
class SyncMiddleware : public Middleware {
 public:
  virtual Step check(RequestContext& ctx) const = 0;
  const SyncMiddleware* synchronous() const final { return this; }
  boost::asio::awaitable<Step> handle(RequestContext& ctx) const final { co_return check(ctx); }
};

/// What a factory sees when deciding whether (and how) to guard one route of one stage.
struct MiddlewareBuildContext {
  const config::Node& root;  // whole document
  const config::Node& api_node;
  const config::Node& stage_node;
  const config::Node& route_node;
  const ApiInfo& api;
  const StageInfo& stage;
  const RouteInfo& route;
  Services& services;
  CompileScope& scope;  // per-compile state the factory's compile() hook stashed
};

class MiddlewareFactory {
 public:
  virtual ~MiddlewareFactory() = default;
  virtual std::string_view name() const = 0;
  /// Config keys this plugin owns at each level, e.g. route: {"authorizationType"}.
  virtual std::vector<std::string> top_level_keys() const { return {}; }
  virtual std::vector<std::string> api_keys() const { return {}; }
  virtual std::vector<std::string> stage_keys() const { return {}; }
  virtual std::vector<std::string> route_keys() const { return {}; }
  /// Called once per snapshot compile, before any create(): parses the plugin's top-level
  /// sections and its keys on every API, stage and route (so each problem is reported once,
  /// not once per stage × route), and stashes the result in the scope for create().
  virtual void compile(CompileScope& scope, config::Diagnostics& diags) const {
    (void)scope;
    (void)diags;
  }
  /// The middleware for this route, or nullptr when the route does not need it. Problems go to
  /// `diags`. Called while compiling a snapshot, on one thread.
  virtual std::shared_ptr<const Middleware> create(const MiddlewareBuildContext& ctx,
                                                   config::Diagnostics& diags) const = 0;
};

}  // namespace gh::core
