#include "plugins/api_key/api_key.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <unordered_map>

#include "gateway/config/config.hpp"
#include "gateway/core/error_response.hpp"
#include "gateway/core/service_api.hpp"
#include "gateway/core/services.hpp"
#include "gateway/throttling/bucket_registry.hpp"
#include "gateway/throttling/limits_config.hpp"
#include "gateway/util/encoding.hpp"
#include "plugins/api_key/quota_store.hpp"
#include "plugins/api_key/usage_plans.hpp"
#include "plugins/api_key/usage_report.hpp"

namespace gh::plugins::api_key {

namespace {

enum class KeySource { kHeader, kAuthorizer };

struct ApiKeyCompileState {
  std::shared_ptr<const UsageConfig> usage;
  std::map<std::string, KeySource> api_source;  // by API id
  std::map<std::string, bool> route_required;   // by route node path
};

/// What one route needs to know about one key.
struct KeyEntry {
  std::string id;
  bool enabled = true;
  bool in_plan = false;  // in a usage plan of this API stage
  std::string plan_id;
  std::optional<Quota> quota;
  QuotaStore::Counter* counter = nullptr;
  std::shared_ptr<throttling::TokenBucket> route_bucket;  // the plan's throttle for this route
  std::shared_ptr<throttling::TokenBucket> plan_bucket;   // the plan's throttle
};

class ApiKeyMiddleware final : public core::SyncMiddleware {
 public:
  ApiKeyMiddleware(KeySource source, std::unordered_map<std::string, KeyEntry> by_value)
      : source_(source), by_value_(std::move(by_value)) {}

  core::Phase phase() const override { return core::Phase::kApiKey; }
  std::string describe() const override { return "API key"; }

  core::Step check(core::RequestContext& ctx) const override {
    // HEADER: x-api-key (case-insensitive name); AUTHORIZER: the usageIdentifierKey an
    // authorizer put in the identity (aws-behaviour.md §5.4).
    std::string_view value = source_ == KeySource::kHeader ? ctx.request.headers.get("x-api-key")
                                                           : std::string_view(ctx.identity.api_key);
    auto it = value.empty() ? by_value_.end() : by_value_.find(std::string(value));
    if (it == by_value_.end() || !it->second.enabled || !it->second.in_plan) {
      return core::GatewayError::of(core::ErrorKind::kInvalidApiKey);
    }
    const KeyEntry& key = it->second;
    ctx.identity.api_key = std::string(value);
    ctx.identity.api_key_id = key.id;
    std::int64_t now = throttling::steady_now_ns();
    // The plan's per-method limits, then its per-key limits (aws-behaviour.md §5.1).
    if ((key.route_bucket && !key.route_bucket->try_acquire(now)) ||
        (key.plan_bucket && !key.plan_bucket->try_acquire(now))) {
      spdlog::debug("request {}: key throttle limit exceeded for usage plan {}", ctx.request_id,
                    key.plan_id);
      return core::GatewayError::of(core::ErrorKind::kThrottled);
    }
    std::int64_t day = epoch_day(ctx.request_time);
    if (!key.counter->consume(day, key.quota ? &*key.quota : nullptr)) {
      spdlog::debug("request {}: key quota exhausted for usage plan {}", ctx.request_id,
                    key.plan_id);
      return core::GatewayError::of(core::ErrorKind::kQuotaExceeded);
    }
    return core::Next{};
  }

 private:
  KeySource source_;
  std::unordered_map<std::string, KeyEntry> by_value_;
};

/// GET /usageplans/{usageplanId}/usage?startDate=&endDate=[&keyId=] as API Gateway's control
/// plane answers it (apigateway GetUsage), so the SDKs' getUsage works with an endpoint override.
class UsageApi final : public core::ServiceApi {
 public:
  UsageApi(std::shared_ptr<const UsageConfig> usage, QuotaStore& store)
      : usage_(std::move(usage)), store_(store) {}

  std::string_view name() const override { return "apigateway usage"; }
  bool claims(const core::Request& r) const override {
    return r.path.rfind("/usageplans/", 0) == 0 && r.path.size() > 18 &&
           r.path.compare(r.path.size() - 6, 6, "/usage") == 0;
  }

  boost::asio::awaitable<void> handle(core::RequestContext& ctx,
                                      core::Response& out) const override {
    out = answer(ctx);
    co_return;
  }

 private:
  core::Response answer(const core::RequestContext& ctx) const {
    const core::Request& r = ctx.request;
    std::string plan_id = util::percent_decode(r.path.substr(12, r.path.size() - 18));
    auto param = [&](std::string_view name) -> std::string {
      std::string_view q = r.query;
      while (!q.empty()) {
        auto amp = q.find('&');
        std::string_view pair = q.substr(0, amp);
        auto eq = pair.find('=');
        if (pair.substr(0, eq) == name) {
          return eq == std::string_view::npos ? ""
                                              : util::percent_decode(pair.substr(eq + 1), true);
        }
        if (amp == std::string_view::npos) break;
        q.remove_prefix(amp + 1);
      }
      return {};
    };
    if (r.method != "GET")
      return error(ctx, 405, "MethodNotAllowedException", "Method not allowed");
    const UsagePlanDef* plan = usage_->plan_by_id(plan_id);
    if (!plan) return error(ctx, 404, "NotFoundException", "Invalid Usage Plan ID specified");
    auto start = parse_day(param("startDate"));
    auto end = parse_day(param("endDate"));
    if (!start || !end) {
      return error(ctx, 400, "BadRequestException",
                   "startDate and endDate are required, as YYYY-MM-DD");
    }
    if (*start > *end || *end - *start > 90) {
      return error(
          ctx, 400, "BadRequestException",
          "The usage data period cannot exceed 90 days, and startDate must not be after endDate");
    }
    core::Response out;
    out.status = 200;
    out.headers.add("Content-Type", "application/json");
    out.headers.add("x-amzn-RequestId", ctx.request_id);
    out.body = usage_report(*usage_, *plan, store_, *start, *end, param("keyId"));
    return out;
  }

  static core::Response error(const core::RequestContext& ctx, int status, std::string_view type,
                              std::string_view message) {
    core::Response out = core::json_message(status, message);
    out.headers.add("x-amzn-RequestId", ctx.request_id);
    out.headers.add("x-amzn-ErrorType", std::string(type));
    return out;
  }

  std::shared_ptr<const UsageConfig> usage_;
  QuotaStore& store_;
};

QuotaStore& quota_store(core::Services& services) {
  return services.get_or_create<QuotaStore>([] { return std::make_shared<QuotaStore>(); });
}

class ApiKeyFactory final : public core::MiddlewareFactory {
 public:
  std::string_view name() const override { return "api_key"; }
  std::vector<std::string> top_level_keys() const override {
    return {"apiKeys", "usagePlans", "usage"};
  }
  std::vector<std::string> api_keys() const override { return {"apiKeySource"}; }
  std::vector<std::string> route_keys() const override { return {"apiKeyRequired"}; }

  void compile(core::CompileScope& scope, config::Diagnostics& diags) const override {
    auto& state = scope.state<ApiKeyCompileState>();
    state.usage = parse_usage_config(scope.config(), scope.config_dir(), diags);
    for (const auto& api : scope.config().apis) {
      KeySource source = KeySource::kHeader;
      config::Node src = api.node.child("apiKeySource");
      if (src.defined()) {
        auto v = config::read_string(src, diags);
        if (v && *v == "AUTHORIZER") {
          source = KeySource::kAuthorizer;
        } else if (v && *v != "HEADER") {
          diags.error(src.location(), src.path(), "apiKeySource is HEADER or AUTHORIZER");
        }
      }
      state.api_source[api.id] = source;
      for (const auto& route : api.routes) {
        config::Node req = route.node.child("apiKeyRequired");
        if (!req.defined()) continue;
        auto required = config::read_bool(req, diags);
        if (required && *required && api.protocol == core::ApiProtocol::kHttp) {
          diags.error(req.location(), req.path(),
                      "HTTP APIs have no API keys (as on AWS); use a REST API");
          continue;
        }
        if (required && *required && api.protocol == core::ApiProtocol::kWebSocket &&
            route.route_key != "$connect") {
          diags.error(req.location(), req.path(),
                      "WebSocket APIs check API keys on $connect only (as on AWS)");
          continue;
        }
        state.route_required[route.node.path()] = required.value_or(false);
      }
    }
    if (state.usage->plans.empty()) return;
    QuotaStore& store = quota_store(scope.services());
    scope.add_service_api(std::make_shared<UsageApi>(state.usage, store));
    std::string path = state.usage->state_file;
    core::Services* services = &scope.services();
    scope.on_install([services, &store, path] {
      if (store.start(path)) services->on_shutdown([&store] { store.stop(); });
    });
  }

  std::shared_ptr<const core::Middleware> create(const core::MiddlewareBuildContext& ctx,
                                                 config::Diagnostics&) const override {
    auto& state = ctx.scope.state<ApiKeyCompileState>();
    auto req = state.route_required.find(ctx.route_node.path());
    if (req == state.route_required.end() || !req->second) return nullptr;
    QuotaStore& store = quota_store(ctx.services);
    auto& registry = ctx.services.get_or_create<throttling::BucketRegistry>(
        [] { return std::make_shared<throttling::BucketRegistry>(); });
    std::unordered_map<std::string, KeyEntry> by_value;
    for (const auto& key : state.usage->keys) {
      KeyEntry entry;
      entry.id = key.id;
      entry.enabled = key.enabled;
      for (const auto& plan : state.usage->plans) {
        auto in_key = std::find(plan.key_ids.begin(), plan.key_ids.end(), key.id);
        if (in_key == plan.key_ids.end()) continue;
        for (const auto& ps : plan.stages) {
          if (ps.api_id != ctx.api.id || ps.stage != ctx.stage.name) continue;
          entry.in_plan = true;
          entry.plan_id = plan.id;
          entry.quota = plan.quota;
          entry.counter = &store.counter(plan.id, key.id);
          if (plan.throttle) {
            entry.plan_bucket = registry.get("plan/" + plan.id + "/" + key.id, *plan.throttle);
          }
          if (auto rt = ps.route_throttle.find(ctx.route.route_key);
              rt != ps.route_throttle.end()) {
            entry.route_bucket = registry.get("plan/" + plan.id + "/" + key.id + "/" + ctx.api.id +
                                                  "/" + ctx.stage.name + "/" + ctx.route.route_key,
                                              rt->second);
          }
        }
      }
      by_value.emplace(key.value, std::move(entry));
    }
    return std::make_shared<ApiKeyMiddleware>(state.api_source[ctx.api.id], std::move(by_value));
  }
};

}  // namespace

std::unique_ptr<core::MiddlewareFactory> make_factory() {
  return std::make_unique<ApiKeyFactory>();
}

}  // namespace gh::plugins::api_key
