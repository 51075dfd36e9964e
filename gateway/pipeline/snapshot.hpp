#pragma once
/// Snapshot: the compiled, immutable form of one config: APIs with their route tables and, per
/// stage, the plugin instances bound to every route. Shared as shared_ptr<const Snapshot>; every
/// request holds the snapshot it started with, so a reload swaps a pointer and never disturbs a
/// request in flight.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gateway/config/config.hpp"
#include "gateway/core/api_info.hpp"
#include "gateway/core/integration.hpp"
#include "gateway/core/middleware.hpp"
#include "gateway/core/service_api.hpp"
#include "gateway/core/value_template.hpp"
#include "gateway/routing/route_table.hpp"
#include "gateway/routing/selection_expression.hpp"

namespace gh::core {
class PluginRegistry;
class Services;
}  // namespace gh::core

namespace gh::pipeline {

class Metrics;
class RouteMetrics;

/// A route's plugin instances in one stage.
struct RouteBinding {
  std::shared_ptr<const core::Integration> integration;
  std::vector<std::shared_ptr<const core::Middleware>> middleware;  // sorted by phase
  RouteMetrics* metrics = nullptr;                                  // owned by Metrics
  /// Every middleware and the integration (if any) answer without waiting: Gateway::run_now
  /// serves the route in place, without coroutines.
  bool synchronous = false;
};

struct CompiledStage {
  core::StageInfo info;
  std::vector<RouteBinding> bindings;  // parallel to CompiledApi::routes
};

struct CompiledApi {
  core::ApiInfo info;
  std::string base_path;
  routing::RouteTable table;
  std::vector<core::RouteInfo> routes;  // index = id in `table`
  std::vector<CompiledStage> stages;
  const CompiledStage* default_stage = nullptr;  // HTTP APIs: "$default", if declared
  RouteMetrics* unmatched_metrics = nullptr;     // requests that matched no route
  /// WEBSOCKET APIs: route key ("$connect", "sendmessage" …) → index in `routes`, and the
  /// compiled routeSelectionExpression.
  std::unordered_map<std::string, std::size_t> ws_routes;
  std::optional<routing::SelectionExpression> selection;

  const CompiledStage* stage(std::string_view name) const noexcept;
  /// WEBSOCKET: the index of the route with this key, or RouteTable::npos.
  std::size_t ws_route(const std::string& key) const noexcept {
    auto it = ws_routes.find(key);
    return it == ws_routes.end() ? routing::RouteTable::npos : it->second;
  }
};

class Snapshot {
 public:
  const config::Config& config() const noexcept { return config_; }
  const std::vector<std::unique_ptr<CompiledApi>>& apis() const noexcept { return apis_; }
  const CompiledApi* api(std::string_view id) const noexcept;
  /// APIs reachable without a Host match or base path (none has a basePath): the fallback when
  /// exactly one exists.
  const CompiledApi* sole_root_api() const noexcept { return sole_root_api_; }
  const core::ValueTemplate& access_log_format() const noexcept { return *access_log_format_; }
  /// The access-log format is JSON: values are escaped for JSON strings.
  bool access_log_json() const noexcept { return access_log_json_; }
  RouteMetrics* unknown_api_metrics() const noexcept { return unknown_api_metrics_; }
  /// AWS service APIs plugins publish on the services endpoint, in registration order.
  const std::vector<std::shared_ptr<const core::ServiceApi>>& service_apis() const noexcept {
    return service_apis_;
  }
  /// The IAM check of the service APIs (`iam.enforce`), or null when they are open.
  const core::ServiceAuthorizer* service_authorizer() const noexcept {
    return service_authorizer_.get();
  }
  /// Runs the plugins' install hooks (start warm Lambda instances …). Called by the gateway
  /// when this snapshot becomes the installed one; once.
  void activate() const;

  /// Compiles `config`: route tables, and every plugin instance through its factory. Returns
  /// nullptr if any diagnostic is an error. Runs on one thread; plugins may create services.
  /// `metrics` may be null (validate, routes).
  static std::shared_ptr<const Snapshot> compile(config::Config config,
                                                 const core::PluginRegistry& plugins,
                                                 core::Services& services, Metrics* metrics,
                                                 config::Diagnostics& diags);

 private:
  config::Config config_;
  std::vector<std::unique_ptr<CompiledApi>> apis_;
  const CompiledApi* sole_root_api_ = nullptr;
  std::optional<core::ValueTemplate> access_log_format_;
  bool access_log_json_ = false;
  RouteMetrics* unknown_api_metrics_ = nullptr;
  std::vector<std::shared_ptr<const core::ServiceApi>> service_apis_;
  std::shared_ptr<const core::ServiceAuthorizer> service_authorizer_;
  std::vector<std::function<void()>> install_hooks_;
};

}  // namespace gh::pipeline
