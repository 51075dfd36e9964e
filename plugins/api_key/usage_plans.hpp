#pragma once
/// The `apiKeys:`, `usagePlans:` and `usage:` sections of the config (aws-behaviour.md §5.3,
/// §5.4), parsed and cross-checked once per compile: keys exist and are unique, plans name real
/// API stages and routes, and no key is in two plans of the same API stage (AWS allows one).
/// Immutable after parsing; shared by the ApiKey middleware, GetUsage and `gatehouse usage`.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/config/config.hpp"
#include "gateway/throttling/token_bucket.hpp"
#include "plugins/api_key/quota_store.hpp"

namespace gh::plugins::api_key {

struct ApiKeyDef {
  std::string id;
  std::string name;
  std::string value;
  bool enabled = true;
};

struct PlanStage {
  std::string api_id;
  std::string stage;
  /// Per-route throttles of this plan on this stage, by normalised route key ("GET /items").
  std::map<std::string, throttling::Limits> route_throttle;
};

struct UsagePlanDef {
  std::string id;
  std::string name;
  std::vector<PlanStage> stages;
  std::optional<throttling::Limits> throttle;
  std::optional<Quota> quota;
  std::vector<std::string> key_ids;
};

struct UsageConfig {
  std::vector<ApiKeyDef> keys;
  std::vector<UsagePlanDef> plans;
  std::string state_file;  // absolute; "" = not persisted

  const ApiKeyDef* key_by_id(std::string_view id) const;
  const UsagePlanDef* plan_by_id(std::string_view id) const;
};

/// Parses the sections and checks them against the APIs of `config`. `config_dir` resolves a
/// relative state file. Problems go to `diags`.
std::shared_ptr<const UsageConfig> parse_usage_config(const config::Config& config,
                                                      const std::string& config_dir,
                                                      config::Diagnostics& diags);

}  // namespace gh::plugins::api_key
