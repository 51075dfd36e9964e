#pragma once
/// Integration: the backend a route calls (mock, http_proxy, lambda, dynamodb, s3 …).
///
/// invoke() is a coroutine run on the calling connection's executor. It must never block the
/// thread: waits are co_awaited with a deadline. It returns a Response, or a GatewayError for
/// failures AWS answers itself (timeout, unreachable upstream, bad Lambda output). Instances are
/// immutable after creation and shared by every request on their route; mutable state lives in
/// Services.

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "gateway/config/yaml_reader.hpp"
#include "gateway/core/compile_scope.hpp"
#include "gateway/core/gateway_error.hpp"
#include "gateway/core/request_context.hpp"
#include "gateway/core/response.hpp"

namespace gh::core {

using IntegrationResult = std::variant<Response, GatewayError>;

class SyncIntegration;

class Integration {
 public:
  virtual ~Integration() = default;
  virtual boost::asio::awaitable<IntegrationResult> invoke(RequestContext& ctx) const = 0;
  /// Non-null for an integration that never waits: the pipeline then calls its answer() directly.
  virtual const SyncIntegration* synchronous() const { return nullptr; }
  /// One line for `gatehouse routes`, e.g. "http_proxy http://127.0.0.1:8080/{proxy}".
  virtual std::string describe() const = 0;
};

/// An integration that never waits (mock) implements answer(). A route whose middleware is
/// synchronous too is served without a coroutine frame per request (Gateway::run_now).
class SyncIntegration : public Integration {
 public:
  virtual IntegrationResult answer(RequestContext& ctx) const = 0;
  const SyncIntegration* synchronous() const final { return this; }
  boost::asio::awaitable<IntegrationResult> invoke(RequestContext& ctx) const final {
    co_return answer(ctx);
  }
};

/// What a factory gets to build one integration for one route of one stage.
struct IntegrationBuildContext {
  const config::Node& node;  // the route's `integration` mapping
  const config::Node& root;  // the whole config document (for top-level sections it owns)
  const ApiInfo& api;
  const StageInfo& stage;
  const RouteInfo& route;
  Services& services;
  CompileScope& scope;  // per-compile state the factory's compile() hook stashed
};

class IntegrationFactory {
 public:
  virtual ~IntegrationFactory() = default;
  /// The `type:` value this factory builds, e.g. "mock".
  virtual std::string_view type() const = 0;
  /// Top-level config sections this plugin owns (e.g. "upstreams"); the loader accepts them.
  virtual std::vector<std::string> top_level_keys() const { return {}; }
  /// Called once per snapshot compile, before create() for any route and whether or not a
  /// route uses this type: parses the top-level sections the plugin owns, publishes service
  /// APIs and install hooks (see CompileScope). Same rules as create(): one thread, no
  /// processes or sockets.
  virtual void compile(CompileScope& scope, config::Diagnostics& diags) const {
    (void)scope;
    (void)diags;
  }
  /// Parses and validates the integration's YAML; reports problems into `diags` (with the node's
  /// path and line:col) and returns nullptr if it cannot build. Called when a snapshot is
  /// compiled (startup, validate, reload), on one thread; must not start processes or sockets.
  virtual std::shared_ptr<const Integration> create(const IntegrationBuildContext& ctx,
                                                    config::Diagnostics& diags) const = 0;
};

}  // namespace gh::core
