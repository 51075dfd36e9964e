// Usage plans (plugins/api_key): quota periods and offsets, the counters' persistence, and the
// config checks of apiKeys / usagePlans / apiKeyRequired / authorizationType / throttling.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "plugins/api_key/quota_store.hpp"
#include "tests/unit/compile_fixture.hpp"

namespace {

namespace ak = gh::plugins::api_key;
using gh::testing::Compile;
using gh::testing::compile_errors;

std::int64_t day(const char* text) { return *ak::parse_day(text); }

std::filesystem::path temp_dir() {
  auto dir = std::filesystem::temp_directory_path() /
             ("gh-usage-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
  std::filesystem::create_directories(dir);
  return dir;
}

const char* kBase = R"(version: 1
apiKeys:
  - {id: k1, value: "alice-key-0123456789abcdef"}
  - {id: k2, value: "bob-key-0123456789abcdef"}
usagePlans:
  - id: basic
    apiStages: [{apiId: shop, stage: dev}]
    apiKeys: [k1]
apis:
  - id: shop
    protocol: REST
    stages: {dev: {}, prod: {}}
    routes:
      "GET /items":
        apiKeyRequired: true
        integration: {type: mock}
)";

}  // namespace

TEST_CASE("days and quota periods (UTC; weeks start on Monday)") {
  CHECK(ak::day_text(0) == "1970-01-01");
  CHECK(ak::day_text(day("2026-12-02")) == "2026-12-02");
  CHECK_FALSE(ak::parse_day("2026-13-01"));
  CHECK_FALSE(ak::parse_day("2026-02-30"));
  CHECK_FALSE(ak::parse_day("20261202"));
  CHECK(ak::period_start(day("2026-12-02"), ak::QuotaPeriod::kDay) == day("2026-12-02"));
  // 2026-12-02 is a Wednesday; its week began on Monday 2026-11-30.
  CHECK(ak::period_start(day("2026-12-02"), ak::QuotaPeriod::kWeek) == day("2026-11-30"));
  CHECK(ak::period_start(day("2026-11-30"), ak::QuotaPeriod::kWeek) == day("2026-11-30"));
  CHECK(ak::period_start(day("2026-12-06"), ak::QuotaPeriod::kWeek) == day("2026-11-30"));
  CHECK(ak::period_start(day("1970-01-01"), ak::QuotaPeriod::kWeek) == day("1969-12-29"));
  CHECK(ak::period_start(day("2026-12-31"), ak::QuotaPeriod::kMonth) == day("2026-12-01"));
  CHECK(ak::period_start(day("2024-02-29"), ak::QuotaPeriod::kMonth) == day("2024-02-01"));
}

TEST_CASE("a quota admits limit - offset in the first period, then limit per period") {
  ak::QuotaStore store;
  auto& c = store.counter("basic", "k1");
  ak::Quota q{5, 2, ak::QuotaPeriod::kDay};
  int first = 0;
  for (int i = 0; i < 10; ++i) first += c.consume(day("2026-12-02"), &q);
  CHECK(first == 3);
  CHECK(c.remaining(day("2026-12-02"), q) == 0);
  int second = 0;
  for (int i = 0; i < 10; ++i) second += c.consume(day("2026-12-03"), &q);
  CHECK(second == 5);
  CHECK(c.on(day("2026-12-02")) == 3);
  CHECK(c.on(day("2026-12-03")) == 5);

  ak::Quota monthly{7, 0, ak::QuotaPeriod::kMonth};
  auto& m = store.counter("monthly", "k1");
  int used = 0;
  for (const char* d : {"2026-11-28", "2026-11-29", "2026-11-30"}) {
    for (int i = 0; i < 3; ++i) used += m.consume(day(d), &monthly);
  }
  CHECK(used == 7);
  CHECK(m.consume(day("2026-12-01"), &monthly));  // a new month
  CHECK(m.used_in_period(day("2026-12-01"), ak::QuotaPeriod::kMonth) == 1);
  // Without a quota every request is counted (for GetUsage).
  auto& free = store.counter("free", "k1");
  for (int i = 0; i < 4; ++i) CHECK(free.consume(day("2026-12-02"), nullptr));
  CHECK(free.on(day("2026-12-02")) == 4);
}

TEST_CASE("counters survive a restart through the state file; a corrupt file is kept aside") {
  auto dir = temp_dir();
  std::string path = (dir / "state" / "usage.json").string();
  ak::Quota q{3, 0, ak::QuotaPeriod::kDay};
  {
    ak::QuotaStore store;
    CHECK(store.start(path));
    CHECK_FALSE(store.start(path));  // once
    auto& c = store.counter("basic", "k1");
    for (int i = 0; i < 2; ++i) CHECK(c.consume(day("2026-12-02"), &q));
    store.stop();
  }
  REQUIRE(std::filesystem::exists(path));
  {
    ak::QuotaStore store;
    store.start(path);
    auto& c = store.counter("basic", "k1");
    CHECK(c.on(day("2026-12-02")) == 2);
    CHECK(c.consume(day("2026-12-02"), &q));
    CHECK_FALSE(c.consume(day("2026-12-02"), &q));
  }
  std::ofstream(path) << "{not json";
  {
    ak::QuotaStore store;
    store.start(path);
    CHECK(store.counter("basic", "k1").on(day("2026-12-02")) == 0);
  }
  CHECK(std::filesystem::exists(path + ".corrupt"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("usage config compiles; routes get the API key middleware") {
  Compile c(kBase);
  INFO(c.diags.format());
  REQUIRE(c.snapshot);
}

TEST_CASE("usage config diagnostics") {
  struct Case {
    std::string from, to, message;
  };
  const Case cases[] = {
      {"\"alice-key-0123456789abcdef\"", "short", "20 to 128 characters"},
      {"{id: k2, value: \"bob-key-0123456789abcdef\"}",
       "{id: k1, value: \"bob-key-0123456789abcdef\"}", "API key id 'k1' is used twice"},
      {"[{apiId: shop, stage: dev}]", "[{apiId: nope, stage: dev}]", "no API with id 'nope'"},
      {"[{apiId: shop, stage: dev}]", "[{apiId: shop, stage: qa}]", "has no stage 'qa'"},
      {"[{apiId: shop, stage: dev}]",
       "[{apiId: shop, stage: dev, throttle: {\"/other/GET\": {rateLimit: 1, burstLimit: 1}}}]",
       "is not a route of API 'shop'"},
      {"apiKeys: [k1]", "apiKeys: [k9]", "no API key with id 'k9'"},
      {"apiKeys: [k1]", "apiKeys: [k1]\n    quota: {limit: 10, period: YEAR}",
       "period is DAY, WEEK or MONTH"},
      {"apiKeys: [k1]",
       "apiKeys: [k1]\n  - id: second\n    apiStages: [{apiId: shop, stage: dev}]\n    apiKeys: "
       "[k1]",
       "already in usage plan 'basic'"},
      {"protocol: REST", "protocol: HTTP", "HTTP APIs have no API keys"},
      {"apiKeyRequired: true", "apiKeyRequired: true\n        authorizationType: CUSTOM",
       "authorizationType is NONE or AWS_IAM"},
      {"apiKeyRequired: true", "apiKeyRequired: true\n        authorizationType: AWS_IAM",
       "AWS_IAM needs signers"},
      {"stages: {dev: {}, prod: {}}",
       "stages: {dev: {routeSettings: {\"GET /itemz\": {throttlingRateLimit: 1}}}, prod: {}}",
       "did you mean 'GET /items'?"},
      {"stages: {dev: {}, prod: {}}",
       "stages: {dev: {defaultRouteSettings: {throttlingRateLimit: -1}}, prod: {}}",
       "throttlingRateLimit"},
      {"version: 1", "version: 1\nthrottling: {rateLimit: 10, burstLimt: 5}", "burstLimt"},
  };
  for (const auto& c : cases) {
    std::string yaml = kBase;
    auto pos = yaml.find(c.from);
    REQUIRE(pos != std::string::npos);
    yaml.replace(pos, c.from.size(), c.to);
    CAPTURE(yaml);
    gh::testing::Compile compiled(yaml);
    std::string text = compiled.diags.format();
    CAPTURE(text);
    CHECK(compiled.snapshot == nullptr);
    CHECK(text.find(c.message) != std::string::npos);
    CHECK(text.find("snap.yaml:") != std::string::npos);
  }
}

TEST_CASE("resource policies: REST only; AWS_IAM with credentials compiles") {
  std::string with_policy = std::string(kBase) +
                            "    policy: {Statement: [{Effect: Allow, Principal: '*', Action: "
                            "'execute-api:Invoke', Resource: '*'}]}\n";
  Compile ok(with_policy);
  INFO(ok.diags.format());
  CHECK(ok.snapshot);
  std::string http = with_policy;
  http.replace(http.find("protocol: REST"), 14, "protocol: HTTP");
  http.replace(http.find("apiKeyRequired: true"), 20, "apiKeyRequired: false");
  Compile bad(http);
  CHECK(bad.snapshot == nullptr);
  CHECK(bad.diags.format().find("resource policies exist for REST APIs only") != std::string::npos);
  (void)compile_errors;
}
