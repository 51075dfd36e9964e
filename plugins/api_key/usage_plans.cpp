#include "plugins/api_key/usage_plans.hpp"

#include <filesystem>
#include <set>

#include "gateway/throttling/limits_config.hpp"

namespace gh::plugins::api_key {

const ApiKeyDef* UsageConfig::key_by_id(std::string_view id) const {
  for (const auto& k : keys) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

const UsagePlanDef* UsageConfig::plan_by_id(std::string_view id) const {
  for (const auto& p : plans) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

namespace {

const config::ApiConfig* find_api(const config::Config& config, std::string_view id) {
  for (const auto& api : config.apis) {
    if (api.id == id) return &api;
  }
  return nullptr;
}

void parse_keys(const config::Node& list, UsageConfig& out, config::Diagnostics& diags) {
  if (list.is_null()) return;
  if (!list.is_sequence()) {
    diags.error(list.location(), list.path(), "apiKeys is a list of {id, name, value, enabled}");
    return;
  }
  std::set<std::string> ids, values;
  for (const auto& item : list.items()) {
    config::MapReader r(item, diags);
    if (!r.ok()) continue;
    ApiKeyDef key;
    auto id = r.string("id", config::Need::kRequired);
    auto value = r.string("value", config::Need::kRequired);
    key.name = r.string("name").value_or(id.value_or(""));
    key.enabled = r.boolean("enabled").value_or(true);
    r.string("description");
    r.finish();
    if (!id || !value) continue;
    if (value->size() < 20 || value->size() > 128) {
      // CreateApiKey: "API Key value should be at least 20 characters" (aws-behaviour.md §5.4).
      diags.error(r.get("value").location(), r.get("value").path(),
                  "an API key value is 20 to 128 characters (as AWS requires)");
      continue;
    }
    if (!ids.insert(*id).second) {
      diags.error(r.get("id").location(), r.get("id").path(),
                  "API key id '" + *id + "' is used twice");
      continue;
    }
    if (!values.insert(*value).second) {
      diags.error(r.get("value").location(), r.get("value").path(),
                  "two API keys have the same value");
      continue;
    }
    key.id = *id;
    key.value = *value;
    out.keys.push_back(std::move(key));
  }
}

std::optional<Quota> parse_quota(const config::Node& node, config::Diagnostics& diags) {
  config::MapReader r(node, diags);
  if (!r.ok()) return std::nullopt;
  auto limit = r.integer("limit", 0, std::int64_t{1} << 50, config::Need::kRequired);
  auto offset = r.integer("offset", 0, std::int64_t{1} << 50);
  auto period = r.string("period", config::Need::kRequired);
  r.finish();
  if (!limit || !period) return std::nullopt;
  Quota q;
  q.limit = *limit;
  q.offset = offset.value_or(0);
  if (*period == "DAY") {
    q.period = QuotaPeriod::kDay;
  } else if (*period == "WEEK") {
    q.period = QuotaPeriod::kWeek;
  } else if (*period == "MONTH") {
    q.period = QuotaPeriod::kMonth;
  } else {
    diags.error(r.get("period").location(), r.get("period").path(),
                "period is DAY, WEEK or MONTH, not '" + *period + "'");
    return std::nullopt;
  }
  if (q.offset >= q.limit && q.limit > 0) {
    diags.error(r.get("offset").location(), r.get("offset").path(),
                "offset must be less than the quota limit");
    return std::nullopt;
  }
  return q;
}

void parse_plans(const config::Config& config, const config::Node& list, UsageConfig& out,
                 config::Diagnostics& diags) {
  if (list.is_null()) return;
  if (!list.is_sequence()) {
    diags.error(list.location(), list.path(), "usagePlans is a list of plans");
    return;
  }
  std::set<std::string> ids;
  // (api, stage, key) → plan, to refuse a key in two plans of one API stage.
  std::map<std::string, std::string> key_stage_plan;
  for (const auto& item : list.items()) {
    config::MapReader r(item, diags);
    if (!r.ok()) continue;
    UsagePlanDef plan;
    auto id = r.string("id", config::Need::kRequired);
    plan.name = r.string("name").value_or(id.value_or(""));
    r.string("description");
    if (id && !ids.insert(*id).second) {
      diags.error(r.get("id").location(), r.get("id").path(),
                  "usage plan id '" + *id + "' is used twice");
      id.reset();
    }
    config::Node throttle = r.get("throttle");
    if (throttle.defined() && !throttle.is_null()) {
      plan.throttle = throttling::read_limits(throttle, "rateLimit", "burstLimit",
                                              throttling::kAccountDefaults, diags);
    }
    config::Node quota = r.get("quota");
    if (quota.defined() && !quota.is_null()) plan.quota = parse_quota(quota, diags);
    config::Node stages = r.get("apiStages");
    if (stages.is_sequence()) {
      for (const auto& st : stages.items()) {
        config::MapReader sr(st, diags);
        if (!sr.ok()) continue;
        auto api_id = sr.string("apiId", config::Need::kRequired);
        auto stage_name = sr.string("stage", config::Need::kRequired);
        config::Node rt = sr.get("throttle");
        sr.finish();
        if (!api_id || !stage_name) continue;
        const config::ApiConfig* api = find_api(config, *api_id);
        if (!api) {
          diags.error(sr.get("apiId").location(), sr.get("apiId").path(),
                      "no API with id '" + *api_id + "'");
          continue;
        }
        if (api->protocol == core::ApiProtocol::kHttp) {
          diags.error(sr.get("apiId").location(), sr.get("apiId").path(),
                      "usage plans apply to REST and WebSocket APIs (HTTP APIs have no API "
                      "keys, as on AWS)");
          continue;
        }
        bool stage_found = false;
        for (const auto& s : api->stages) stage_found = stage_found || s.name == *stage_name;
        if (!stage_found) {
          diags.error(sr.get("stage").location(), sr.get("stage").path(),
                      "API '" + *api_id + "' has no stage '" + *stage_name + "'");
          continue;
        }
        PlanStage ps;
        ps.api_id = *api_id;
        ps.stage = *stage_name;
        if (rt.is_map()) {
          std::set<std::string> route_keys;
          for (const auto& route : api->routes) {
            if (auto k = throttling::throttle_route_key(route.route_key)) route_keys.insert(*k);
          }
          for (const auto& [key, value] : rt.entries()) {
            auto normal = throttling::throttle_route_key(key.scalar());
            if (!normal || !route_keys.count(*normal)) {
              diags.error(key.location(), value.path(),
                          "\"" + key.scalar() + "\" is not a route of API '" + *api_id +
                              "' (write \"GET /items\" or \"/items/GET\")");
              continue;
            }
            if (auto l = throttling::read_limits(value, "rateLimit", "burstLimit",
                                                 throttling::kAccountDefaults, diags)) {
              ps.route_throttle[*normal] = *l;
            }
          }
        } else if (rt.defined() && !rt.is_null()) {
          diags.error(rt.location(), rt.path(), "throttle maps routes to {rateLimit, burstLimit}");
        }
        plan.stages.push_back(std::move(ps));
      }
    } else if (stages.defined() && !stages.is_null()) {
      diags.error(stages.location(), stages.path(), "apiStages is a list of {apiId, stage}");
    }
    auto keys = r.string_list("apiKeys");
    r.finish();
    if (!id) continue;
    plan.id = *id;
    for (const auto& k : keys.value_or(std::vector<std::string>{})) {
      if (!out.key_by_id(k)) {
        diags.error(r.get("apiKeys").location(), r.get("apiKeys").path(),
                    "no API key with id '" + k + "'");
        continue;
      }
      bool clash = false;
      for (const auto& ps : plan.stages) {
        std::string slot = ps.api_id + "/" + ps.stage + "/" + k;
        auto [it, fresh] = key_stage_plan.emplace(slot, plan.id);
        if (!fresh) {
          diags.error(r.get("apiKeys").location(), r.get("apiKeys").path(),
                      "API key '" + k + "' is already in usage plan '" + it->second + "' for " +
                          ps.api_id + " stage " + ps.stage +
                          " (AWS allows one plan per key and API stage)");
          clash = true;
        }
      }
      if (!clash) plan.key_ids.push_back(k);
    }
    out.plans.push_back(std::move(plan));
  }
}

}  // namespace

std::shared_ptr<const UsageConfig> parse_usage_config(const config::Config& config,
                                                      const std::string& config_dir,
                                                      config::Diagnostics& diags) {
  auto out = std::make_shared<UsageConfig>();
  parse_keys(config.root.child("apiKeys"), *out, diags);
  parse_plans(config, config.root.child("usagePlans"), *out, diags);
  std::string state = ".gatehouse/usage.json";
  config::Node usage = config.root.child("usage");
  if (usage.defined() && !usage.is_null()) {
    config::MapReader r(usage, diags);
    if (auto f = r.string("stateFile")) state = *f;
    r.finish();
  }
  std::filesystem::path p(state);
  if (p.is_relative()) p = std::filesystem::path(config_dir) / p;
  out->state_file = p.lexically_normal().string();
  return out;
}

}  // namespace gh::plugins::api_key
