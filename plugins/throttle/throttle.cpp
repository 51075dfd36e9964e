#include "plugins/throttle/throttle.hpp"

#include <spdlog/spdlog.h>

#include <map>

#include "gateway/config/config.hpp"
#include "gateway/core/services.hpp"
#include "gateway/throttling/bucket_registry.hpp"
#include "gateway/throttling/limits_config.hpp"

namespace gh::plugins::throttle {

namespace {

using throttling::Limits;

struct ThrottleCompileState {
  Limits account = throttling::kAccountDefaults;
  std::optional<Limits> per_client_ip;
  /// Limits of one route in one stage, by "<route node path>\n<stage name>".
  std::map<std::string, Limits> route_limits;
};

std::string route_stage_key(const std::string& route_path, const std::string& stage) {
  return route_path + "\n" + stage;
}

class ThrottleMiddleware final : public core::SyncMiddleware {
 public:
  ThrottleMiddleware(std::shared_ptr<throttling::TokenBucket> route,
                     std::shared_ptr<throttling::TokenBucket> account,
                     std::shared_ptr<throttling::ClientIpLimiter> per_ip)
      : route_(std::move(route)), account_(std::move(account)), per_ip_(std::move(per_ip)) {}

  core::Phase phase() const override { return core::Phase::kThrottle; }
  std::string describe() const override {
    if (!route_) return "";  // the account bucket alone is not worth a label
    const Limits& l = route_->limits();
    return fmt::format("throttle {:g}/s burst {}", l.rate, l.burst);
  }

  core::Step check(core::RequestContext& ctx) const override {
    // Read now, not taken from ctx.received (when the head arrived): a request whose body came
    // slowly would be older than requests the bucket has seen since, whose later times moved
    // its theoretical arrival time on, and it would be refused at almost no load.
    std::int64_t now = throttling::steady_now_ns();
    // Most specific first (aws-behaviour.md §5.1): the route's, then the account's.
    if (route_ && !route_->try_acquire(now)) return throttled(ctx, "route");
    if (!account_->try_acquire(now)) return throttled(ctx, "account");
    if (per_ip_ && !per_ip_->try_acquire(ctx.request.connection.source_ip, now)) {
      return throttled(ctx, "client IP");
    }
    return core::Next{};
  }

 private:
  static core::GatewayError throttled(const core::RequestContext& ctx, std::string_view which) {
    spdlog::debug("request {}: {} throttle limit exceeded ({} {})", ctx.request_id, which,
                  ctx.api ? ctx.api->id : "-", ctx.route ? ctx.route->route_key : "-");
    return core::GatewayError::of(core::ErrorKind::kThrottled);
  }

  std::shared_ptr<throttling::TokenBucket> route_;
  std::shared_ptr<throttling::TokenBucket> account_;
  std::shared_ptr<throttling::ClientIpLimiter> per_ip_;
};

class ThrottleFactory final : public core::MiddlewareFactory {
 public:
  std::string_view name() const override { return "throttle"; }
  std::vector<std::string> top_level_keys() const override { return {"throttling"}; }
  std::vector<std::string> stage_keys() const override {
    return {"defaultRouteSettings", "routeSettings"};
  }
  std::vector<std::string> route_keys() const override { return {"throttling"}; }

  void compile(core::CompileScope& scope, config::Diagnostics& diags) const override {
    auto& state = scope.state<ThrottleCompileState>();
    config::Node top = scope.root().child("throttling");
    if (top.defined() && !top.is_null()) {
      config::MapReader r(top, diags);
      auto rate = r.number("rateLimit", 0, 1e9);
      auto burst = r.integer("burstLimit", 0, 1'000'000'000);
      state.account = Limits{rate.value_or(throttling::kAccountDefaults.rate),
                             burst.value_or(throttling::kAccountDefaults.burst)};
      config::Node ip = r.get("perClientIp");
      if (ip.defined() && !ip.is_null()) {
        state.per_client_ip =
            throttling::read_limits(ip, "rateLimit", "burstLimit", state.account, diags);
      }
      r.finish();
    }

    for (const auto& api : scope.config().apis) {
      // Route keys of this API, normalised, to match the keys of routeSettings.
      std::map<std::string, const config::RouteConfig*> routes;
      std::vector<std::string> names;
      std::map<const config::RouteConfig*, std::optional<Limits>> route_own;
      for (const auto& route : api.routes) {
        if (auto key = throttling::throttle_route_key(route.route_key)) {
          routes[*key] = &route;
          names.push_back(*key);
        } else if (route.route_key == "$default") {
          routes["$default"] = &route;
          names.emplace_back("$default");
        }
        config::Node own = route.node.child("throttling");
        if (own.defined() && !own.is_null()) {
          route_own[&route] =
              throttling::read_limits(own, "rateLimit", "burstLimit", state.account, diags);
        }
      }
      for (const auto& stage : api.stages) {
        std::optional<Limits> stage_default;
        config::Node def = stage.node.child("defaultRouteSettings");
        if (def.defined() && !def.is_null()) {
          stage_default = throttling::read_limits(def, "throttlingRateLimit",
                                                  "throttlingBurstLimit", state.account, diags);
        }
        std::map<const config::RouteConfig*, Limits> per_route;
        config::Node settings = stage.node.child("routeSettings");
        if (settings.defined() && !settings.is_null()) {
          if (!settings.is_map()) {
            diags.error(settings.location(), settings.path(),
                        "routeSettings maps route keys to throttle settings");
          } else {
            for (const auto& [key, value] : settings.entries()) {
              std::string text = key.scalar();
              std::optional<std::string> normal = text == "$default"
                                                      ? std::optional<std::string>("$default")
                                                      : throttling::throttle_route_key(text);
              auto it = normal ? routes.find(*normal) : routes.end();
              if (it == routes.end()) {
                std::string msg =
                    "routeSettings names \"" + text + "\", not a route of API '" + api.id + "'";
                if (auto s = config::did_you_mean(text, names))
                  msg += "; did you mean '" + *s + "'?";
                diags.error(key.location(), value.path(), msg);
                continue;
              }
              if (auto l = throttling::read_limits(value, "throttlingRateLimit",
                                                   "throttlingBurstLimit", state.account, diags)) {
                per_route[it->second] = *l;
              }
            }
          }
        }
        for (const auto& route : api.routes) {
          std::optional<Limits> limits;
          if (auto it = per_route.find(&route); it != per_route.end()) {
            limits = it->second;
          } else if (auto own = route_own.find(&route); own != route_own.end() && own->second) {
            limits = own->second;
          } else {
            limits = stage_default;
          }
          if (limits) state.route_limits[route_stage_key(route.node.path(), stage.name)] = *limits;
        }
      }
    }
  }

  std::shared_ptr<const core::Middleware> create(const core::MiddlewareBuildContext& ctx,
                                                 config::Diagnostics&) const override {
    auto& state = ctx.scope.state<ThrottleCompileState>();
    auto& registry = ctx.services.get_or_create<throttling::BucketRegistry>(
        [] { return std::make_shared<throttling::BucketRegistry>(); });
    std::shared_ptr<throttling::TokenBucket> route;
    auto it = state.route_limits.find(route_stage_key(ctx.route_node.path(), ctx.stage.name));
    if (it != state.route_limits.end()) {
      route = registry.get("route/" + ctx.api.id + "/" + ctx.stage.name + "/" + ctx.route.route_key,
                           it->second);
    }
    std::shared_ptr<throttling::ClientIpLimiter> per_ip;
    if (state.per_client_ip) per_ip = registry.client_ip_limiter(*state.per_client_ip);
    return std::make_shared<ThrottleMiddleware>(
        std::move(route), registry.get("account", state.account), std::move(per_ip));
  }
};

}  // namespace

std::unique_ptr<core::MiddlewareFactory> make_factory() {
  return std::make_unique<ThrottleFactory>();
}

}  // namespace gh::plugins::throttle
