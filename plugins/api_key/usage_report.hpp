#pragma once
/// Usage per API key as AWS's GetUsage reports it (aws-behaviour.md §5.3):
///   {"usagePlanId":"basic","startDate":"2026-12-01","endDate":"2026-12-02",
///    "values":{"k1":[[used, remaining], …one pair per day…]}}
/// On the wire the map is "values" (botocore's model maps the SDKs' `items` to that JSON key);
/// the AWS CLI prints it as "items", and so does `gatehouse usage`.
/// `remaining` is the quota left at the end of that day (null for a plan without a quota).
/// Served as GET /usageplans/{planId}/usage on the services listener and printed by
/// `gatehouse usage`.

#include <cstdint>
#include <string>

#include "plugins/api_key/quota_store.hpp"
#include "plugins/api_key/usage_plans.hpp"

namespace gh::plugins::api_key {

std::string usage_report(const UsageConfig& config, const UsagePlanDef& plan, QuotaStore& store,
                         std::int64_t start_day, std::int64_t end_day, std::string_view key_filter,
                         std::string_view items_key = "values");

/// `gatehouse usage`: reads the config's state file and prints usage for every plan (or
/// `plan_id`) from `start` to `end` (YYYY-MM-DD; default the last 7 days). Returns the exit code.
int usage_command(const config::Config& config, const std::string& config_dir,
                  const std::string& plan_id, const std::string& key_id, const std::string& start,
                  const std::string& end);

}  // namespace gh::plugins::api_key
