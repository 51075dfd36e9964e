#include "plugins/api_key/usage_report.hpp"

#include <cstdio>

#include "gateway/util/encoding.hpp"

namespace gh::plugins::api_key {

std::string usage_report(const UsageConfig& config, const UsagePlanDef& plan, QuotaStore& store,
                         std::int64_t start_day, std::int64_t end_day, std::string_view key_filter,
                         std::string_view items_key) {
  (void)config;
  std::string out = "{\"usagePlanId\":" + util::json_quote(plan.id) + ",\"startDate\":\"" +
                    day_text(start_day) + "\",\"endDate\":\"" + day_text(end_day) + "\"," +
                    util::json_quote(items_key) + ":{";
  bool first_key = true;
  for (const auto& key_id : plan.key_ids) {
    if (!key_filter.empty() && key_filter != key_id) continue;
    QuotaStore::Counter& c = store.counter(plan.id, key_id);
    if (!first_key) out += ',';
    first_key = false;
    out += util::json_quote(key_id) + ":[";
    for (std::int64_t day = start_day; day <= end_day; ++day) {
      if (day != start_day) out += ',';
      out += '[' + std::to_string(c.on(day)) + ',';
      out += plan.quota ? std::to_string(c.remaining(day, *plan.quota)) : std::string("null");
      out += ']';
    }
    out += ']';
  }
  out += "}}";
  return out;
}

int usage_command(const config::Config& config, const std::string& config_dir,
                  const std::string& plan_id, const std::string& key_id, const std::string& start,
                  const std::string& end) {
  config::Diagnostics diags;
  auto usage = parse_usage_config(config, config_dir, diags);
  if (diags.has_errors()) {
    std::fputs(diags.format().c_str(), stderr);
    return 1;
  }
  std::int64_t today = epoch_day(std::chrono::system_clock::now());
  std::int64_t end_day = today, start_day = today - 6;
  if (!end.empty()) {
    auto d = parse_day(end);
    if (!d) {
      std::fprintf(stderr, "gatehouse: --end is a date like 2026-12-31\n");
      return 2;
    }
    end_day = *d;
  }
  if (!start.empty()) {
    auto d = parse_day(start);
    if (!d) {
      std::fprintf(stderr, "gatehouse: --start is a date like 2026-12-01\n");
      return 2;
    }
    start_day = *d;
  } else {
    start_day = end_day - 6;
  }
  if (start_day > end_day || end_day - start_day > 366) {
    std::fprintf(stderr, "gatehouse: --start must be on or before --end, at most a year apart\n");
    return 2;
  }
  QuotaStore store;
  std::string error;
  if (!store.load(usage->state_file, error)) {
    std::fprintf(stderr, "gatehouse: usage state file %s: %s\n", usage->state_file.c_str(),
                 error.c_str());
    return 1;
  }
  if (!plan_id.empty() && !usage->plan_by_id(plan_id)) {
    std::fprintf(stderr, "gatehouse: no usage plan '%s' in the config\n", plan_id.c_str());
    return 1;
  }
  std::string out = plan_id.empty() ? "[" : "";
  bool first = true;
  for (const auto& plan : usage->plans) {
    if (!plan_id.empty() && plan.id != plan_id) continue;
    if (!first) out += ",\n";
    first = false;
    out += usage_report(*usage, plan, store, start_day, end_day, key_id, "items");
  }
  if (plan_id.empty()) out += "]";
  std::printf("%s\n", out.c_str());
  return 0;
}

}  // namespace gh::plugins::api_key
