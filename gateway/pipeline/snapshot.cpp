#include "gateway/pipeline/snapshot.hpp"

#include <algorithm>

#include "gateway/core/plugin_registry.hpp"
#include "gateway/pipeline/metrics.hpp"

namespace gh::pipeline {

namespace {

// $context.resourceId: AWS uses a short random id per resource; ours is derived from the route
// key so it is stable across restarts and reloads.
std::string resource_id(std::string_view route_key) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : route_key) h = (h ^ c) * 1099511628211ULL;
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string id;
  for (int i = 0; i < 6; ++i) {
    id += kAlphabet[h % 36];
    h /= 36;
  }
  return id;
}

}  // namespace

const CompiledStage* CompiledApi::stage(std::string_view name) const noexcept {
  for (const auto& s : stages) {
    if (s.info.name == name) return &s;
  }
  return nullptr;
}

const CompiledApi* Snapshot::api(std::string_view id) const noexcept {
  for (const auto& a : apis_) {
    if (a->info.id == id) return a.get();
  }
  return nullptr;
}

std::shared_ptr<const Snapshot> Snapshot::compile(config::Config config,
                                                  const core::PluginRegistry& plugins,
                                                  core::Services& services, Metrics* metrics,
                                                  config::Diagnostics& diags) {
  auto snap = std::shared_ptr<Snapshot>(new Snapshot());
  snap->config_ = std::move(config);
  const config::Config& cfg = snap->config_;

  std::string error;
  const std::string& format = cfg.logging.access_log.format;
  snap->access_log_format_ = core::ValueTemplate::compile(format, {false, true}, error);
  if (!snap->access_log_format_) {
    config::Node node = cfg.root.child("logging").child("accessLog").child("format");
    diags.error(node.location(), "logging.accessLog.format", error);
  }
  snap->access_log_json_ = format.find_first_not_of(" \t") != std::string::npos &&
                           format[format.find_first_not_of(" \t")] == '{';

  core::CompileScope scope(cfg, services);
  for (const auto& type : plugins.integration_types()) {
    plugins.integration(type)->compile(scope, diags);
  }
  for (const auto& factory : plugins.middleware()) factory->compile(scope, diags);

  for (const auto& api_cfg : cfg.apis) {
    auto api = std::make_unique<CompiledApi>();
    api->info.id = api_cfg.id;
    api->info.name = api_cfg.name;
    api->info.protocol = api_cfg.protocol;
    api->info.account_id = cfg.aws.account_id;
    api->info.region = cfg.aws.region;
    api->info.binary_media_types = api_cfg.binary_media_types;
    api->base_path = api_cfg.base_path;
    api->table = routing::RouteTable(api_cfg.protocol == core::ApiProtocol::kRest
                                         ? routing::RouteTable::SlashMode::kLenient
                                         : routing::RouteTable::SlashMode::kExact);

    api->info.route_selection_expression = api_cfg.route_selection_expression;
    const bool websocket = api_cfg.protocol == core::ApiProtocol::kWebSocket;
    if (websocket) {
      std::string why;
      api->selection =
          routing::SelectionExpression::compile(api_cfg.route_selection_expression, why);
      if (!api->selection && !api_cfg.route_selection_expression.empty()) {
        config::Node at = api_cfg.node.child("routeSelectionExpression");
        diags.error(at.location(), at.path(), why);
      }
    }
    for (const auto& route_cfg : api_cfg.routes) {
      if (websocket) {
        // WebSocket routes are chosen by key (the selection expression's value), not by path.
        core::RouteInfo info;
        info.route_key = route_cfg.route_key;
        info.resource_id = resource_id(info.route_key);
        info.two_way = route_cfg.two_way;
        api->ws_routes.emplace(info.route_key, api->routes.size());
        api->routes.push_back(std::move(info));
        continue;
      }
      auto parsed = routing::parse_route_key(route_cfg.route_key);
      if (!parsed.key) continue;  // reported by the loader
      core::RouteInfo info;
      info.route_key = parsed.key->to_string();
      info.method = parsed.key->method;
      info.path = parsed.key->is_default ? std::string() : parsed.key->path;
      info.resource_id = resource_id(info.route_key);
      if (auto conflict = api->table.add(*parsed.key, api->routes.size())) {
        diags.error(route_cfg.where, route_cfg.node.path(),
                    "route \"" + route_cfg.route_key + "\" " + *conflict);
      }
      api->routes.push_back(std::move(info));
    }

    for (const auto& stage_cfg : api_cfg.stages) {
      CompiledStage stage;
      stage.info.name = stage_cfg.name;
      stage.info.variables = stage_cfg.variables;
      api->stages.push_back(std::move(stage));
    }
    // Bind plugins once the stage vector is final (contexts hold references into it).
    for (std::size_t s = 0; s < api->stages.size(); ++s) {
      CompiledStage& stage = api->stages[s];
      const config::StageConfig& stage_cfg = api_cfg.stages[s];
      std::size_t route_index = 0;
      for (const auto& route_cfg : api_cfg.routes) {
        if (!websocket && !routing::parse_route_key(route_cfg.route_key).key) continue;
        const core::RouteInfo& route = api->routes[route_index++];
        RouteBinding binding;
        // A WebSocket route may have no integration: $connect then accepts, messages get no
        // answer (as on AWS).
        std::optional<std::string> type;
        if (route_cfg.integration.defined()) {
          config::MapReader integration(route_cfg.integration, diags);
          type = integration.string("type", config::Need::kRequired);
          integration.allow_all_remaining();
        }
        if (type) {
          if (const auto* factory = plugins.integration(*type)) {
            core::IntegrationBuildContext ctx{
                route_cfg.integration, cfg.root, api->info, stage.info, route, services, scope};
            binding.integration = factory->create(ctx, diags);
          } else {
            std::string msg = "unknown integration type '" + *type + "'";
            if (auto s2 = config::did_you_mean(*type, plugins.integration_types())) {
              msg += "; did you mean '" + *s2 + "'?";
            }
            config::Node type_node = route_cfg.integration.child("type");
            diags.error(type_node.location(), type_node.path(), msg);
          }
        }
        for (const auto& factory : plugins.middleware()) {
          core::MiddlewareBuildContext ctx{cfg.root,       api_cfg.node, stage_cfg.node,
                                           route_cfg.node, api->info,    stage.info,
                                           route,          services,     scope};
          if (auto mw = factory->create(ctx, diags)) binding.middleware.push_back(std::move(mw));
        }
        std::stable_sort(binding.middleware.begin(), binding.middleware.end(),
                         [](const auto& a, const auto& b) { return a->phase() < b->phase(); });
        if (metrics) binding.metrics = &metrics->route(api->info.id, route.route_key);
        binding.synchronous =
            (!binding.integration || binding.integration->synchronous()) &&
            std::all_of(binding.middleware.begin(), binding.middleware.end(),
                        [](const auto& mw) { return mw->synchronous() != nullptr; });
        stage.bindings.push_back(std::move(binding));
      }
    }
    api->default_stage = api->stage("$default");
    if (metrics) api->unmatched_metrics = &metrics->route(api->info.id, "");
    snap->apis_.push_back(std::move(api));
  }

  std::size_t root_apis = 0;
  for (const auto& a : snap->apis_) {
    if (a->base_path.empty()) {
      ++root_apis;
      snap->sole_root_api_ = a.get();
    }
  }
  if (root_apis != 1) snap->sole_root_api_ = nullptr;
  if (metrics) snap->unknown_api_metrics_ = &metrics->route("", "");

  if (diags.has_errors()) return nullptr;
  snap->service_apis_ = scope.take_service_apis();
  snap->service_authorizer_ = scope.take_service_authorizer();
  snap->install_hooks_ = scope.take_install_hooks();
  return snap;
}

void Snapshot::activate() const {
  for (const auto& hook : install_hooks_) hook();
}

}  // namespace gh::pipeline
