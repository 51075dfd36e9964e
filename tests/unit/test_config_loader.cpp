// Config loading: defaults, values, and every diagnostic with its exact file:line:col, key path
// and message. All errors are collected and printed in file order.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "gateway/config/config.hpp"

namespace {

using gh::config::Config;
using gh::config::Diagnostics;
using gh::config::PluginKeys;

struct Loaded {
  Diagnostics diags;
  std::optional<Config> config;
};

Loaded load(const std::string& yaml, const PluginKeys& keys = {}) {
  Loaded out;
  out.config = gh::config::load_config_text(yaml, "cfg.yaml", keys, out.diags);
  return out;
}

// The formatted diagnostics of a config that must not load.
std::string errors(const std::string& yaml, const PluginKeys& keys = {}) {
  Loaded l = load(yaml, keys);
  CHECK_FALSE(l.config.has_value());
  CHECK(l.diags.has_errors());
  return l.diags.format();
}

// Loads a config that must be valid.
Config ok(const std::string& yaml, const PluginKeys& keys = {}) {
  Loaded l = load(yaml, keys);
  INFO(l.diags.format());
  REQUIRE(l.config.has_value());
  CHECK(l.diags.all().empty());
  return std::move(*l.config);
}

constexpr const char* kRoute = R"(    routes: {"GET /": {integration: {type: mock}}})";

std::string api_with_id(const std::string& id) {
  return "version: 1\napis:\n  - id: " + id + "\n" + kRoute + "\n";
}

const char* const kApiIdError =
    "API ids are lower-case letters, digits and '-' (a DNS label: they appear in "
    "{apiId}.execute-api.localhost)";

std::filesystem::path fixtures() {
  return std::filesystem::path(__FILE__).parent_path().parent_path() / "fixtures" / "config";
}

}  // namespace

TEST_CASE("config: defaults") {
  Config c = ok(R"(version: 1
apis:
  - id: web
    routes:
      "GET /": {integration: {type: mock}}
  - id: legacy
    protocol: REST
    basePath: /legacy
    routes:
      "GET /": {integration: {type: mock}}
)");
  CHECK(c.source_file == "cfg.yaml");
  CHECK(c.aws.region == "us-east-1");
  CHECK(c.aws.account_id == "000000000000");

  CHECK(c.server.threads == 0);
  CHECK(c.server.watch_config);
  REQUIRE(c.server.listeners.size() == 2);
  CHECK(c.server.listeners[0].host == "127.0.0.1");
  CHECK(c.server.listeners[0].port == 3000);
  CHECK(c.server.listeners[0].role == gh::config::ListenerRole::kApis);
  CHECK_FALSE(c.server.listeners[0].tls.has_value());
  CHECK(c.server.listeners[1].host == "127.0.0.1");
  CHECK(c.server.listeners[1].port == 4566);
  CHECK(c.server.listeners[1].role == gh::config::ListenerRole::kServices);
  CHECK_FALSE(c.server.listeners[1].tls.has_value());

  const auto& limits = c.server.limits;
  CHECK(limits.max_header_bytes == 10240);
  CHECK(limits.max_body_bytes == 10485760);
  CHECK(limits.max_connections == 10000);
  CHECK(limits.header_timeout == std::chrono::milliseconds(10000));
  CHECK(limits.body_timeout == std::chrono::milliseconds(30000));
  CHECK(limits.idle_timeout == std::chrono::milliseconds(60000));
  CHECK(limits.drain_timeout == std::chrono::milliseconds(10000));

  CHECK(c.logging.level == "info");
  CHECK(c.logging.format == gh::config::LogFormat::kText);
  CHECK(c.logging.access_log.destination == "stdout");
  CHECK(c.logging.access_log.format == gh::config::kAccessLogTextFormat);

  REQUIRE(c.apis.size() == 2);
  const auto& web = c.apis[0];
  CHECK(web.id == "web");
  CHECK(web.name == "web");
  CHECK(web.protocol == gh::core::ApiProtocol::kHttp);
  CHECK(web.base_path == "");
  REQUIRE(web.stages.size() == 1);
  CHECK(web.stages[0].name == "$default");  // HTTP APIs: AWS's auto-deployed stage
  CHECK(web.stages[0].variables.empty());
  REQUIRE(web.routes.size() == 1);
  CHECK(web.routes[0].route_key == "GET /");
  CHECK(web.routes[0].where.line == 5);
  CHECK(web.routes[0].where.column == 7);
  CHECK(web.routes[0].integration.is_map());
  CHECK(web.routes[0].integration.path() == "apis[0].routes[\"GET /\"].integration");
  CHECK(web.where.line == 3);
  CHECK(web.where.column == 5);

  const auto& legacy = c.apis[1];
  CHECK(legacy.protocol == gh::core::ApiProtocol::kRest);
  CHECK(legacy.base_path == "/legacy");
  REQUIRE(legacy.stages.size() == 1);
  CHECK(legacy.stages[0].name == "dev");  // REST APIs: serverless-offline's default stage
}

TEST_CASE("config: the access-log preset formats") {
  CHECK(std::string(gh::config::kAccessLogTextFormat) ==
        "$context.identity.sourceIp - - [$context.requestTime] \"$context.httpMethod "
        "$context.path $context.protocol\" $context.status $context.responseLength "
        "$context.requestId $context.apiId $context.stage \"$context.routeKey\" "
        "$context.responseLatency $context.integrationLatency \"$context.identity.userAgent\"");
  CHECK(std::string(gh::config::kAccessLogJsonFormat)
            .starts_with(
                "{\"requestId\":\"$context.requestId\",\"ip\":\"$context.identity.sourceIp\","));
  CHECK(std::string(gh::config::kAccessLogJsonFormat)
            .ends_with("\"userAgent\":\"$context.identity.userAgent\"}"));
}

TEST_CASE("config: every value is read") {
  Config c = ok(R"(version: 1
aws: {region: eu-central-1, accountId: "123456789012"}
server:
  threads: 4
  watchConfig: false
  limits:
    maxHeaderBytes: 2048
    maxBodyBytes: 1000
    maxConnections: 5
    headerTimeoutMillis: 100
    bodyTimeoutMillis: 200
    idleTimeoutMillis: 300
    drainTimeoutMillis: 0
  listeners:
    - {host: 0.0.0.0, port: 8080}
    - {port: 0, serves: services, tls: {certFile: c.pem, keyFile: k.pem}}
    - {port: 0, serves: apis}
logging:
  level: debug
  format: json
  accessLog: {destination: /tmp/access.log, format: json}
apis:
  - id: shop-1
    name: Shop
    protocol: REST
    basePath: /shop/v1/
    stages:
      prod:
        stageVariables: {b: "2", a: one, c: 3}
      dev: {}
    routes:
      "GET /items": {integration: {type: mock}}
      "ANY /{proxy+}": {integration: {type: mock}}
)");
  CHECK(c.aws.region == "eu-central-1");
  CHECK(c.aws.account_id == "123456789012");
  CHECK(c.server.threads == 4);
  CHECK_FALSE(c.server.watch_config);
  const auto& limits = c.server.limits;
  CHECK(limits.max_header_bytes == 2048);
  CHECK(limits.max_body_bytes == 1000);
  CHECK(limits.max_connections == 5);
  CHECK(limits.header_timeout == std::chrono::milliseconds(100));
  CHECK(limits.body_timeout == std::chrono::milliseconds(200));
  CHECK(limits.idle_timeout == std::chrono::milliseconds(300));
  CHECK(limits.drain_timeout == std::chrono::milliseconds(0));
  REQUIRE(c.server.listeners.size() == 3);  // two on port 0 are not duplicates
  CHECK(c.server.listeners[0].host == "0.0.0.0");
  CHECK(c.server.listeners[0].port == 8080);
  CHECK(c.server.listeners[0].role == gh::config::ListenerRole::kApis);
  CHECK(c.server.listeners[1].host == "127.0.0.1");
  CHECK(c.server.listeners[1].port == 0);
  CHECK(c.server.listeners[1].role == gh::config::ListenerRole::kServices);
  REQUIRE(c.server.listeners[1].tls.has_value());
  CHECK(c.server.listeners[1].tls->cert_file == "c.pem");
  CHECK(c.server.listeners[1].tls->key_file == "k.pem");
  CHECK(c.server.listeners[1].where.line == 16);
  CHECK(c.server.listeners[1].where.column == 7);
  CHECK(c.logging.level == "debug");
  CHECK(c.logging.format == gh::config::LogFormat::kJson);
  CHECK(c.logging.access_log.destination == "/tmp/access.log");
  CHECK(c.logging.access_log.format == gh::config::kAccessLogJsonFormat);
  REQUIRE(c.apis.size() == 1);
  const auto& api = c.apis[0];
  CHECK(api.id == "shop-1");
  CHECK(api.name == "Shop");
  CHECK(api.protocol == gh::core::ApiProtocol::kRest);
  CHECK(api.base_path == "/shop/v1");  // trailing slash dropped
  REQUIRE(api.stages.size() == 2);
  CHECK(api.stages[0].name == "prod");
  using Vars = std::vector<std::pair<std::string, std::string>>;
  CHECK(api.stages[0].variables == Vars{{"a", "one"}, {"b", "2"}, {"c", "3"}});  // sorted
  CHECK(api.stages[1].name == "dev");
  CHECK(api.stages[1].variables.empty());
  REQUIRE(api.routes.size() == 2);
  CHECK(api.routes[0].route_key == "GET /items");
  CHECK(api.routes[1].route_key == "ANY /{proxy+}");
  CHECK(api.routes[1].where.line == 33);
}

TEST_CASE("config: a custom access-log format and an empty API list") {
  Config c = ok(R"(version: 1
logging:
  accessLog: {destination: "off", format: "$context.requestId $context.status"}
apis: []
)");
  CHECK(c.logging.access_log.destination == "off");
  CHECK(c.logging.access_log.format == "$context.requestId $context.status");
  CHECK(c.apis.empty());
}

TEST_CASE("config: unknown keys, with did-you-mean") {
  PluginKeys keys;
  keys.route = {"authorizationType"};
  Loaded l = load(R"(version: 1
loging: {level: info}
server:
  threds: 2
  listeners:
    - {host: 127.0.0.1, prot: 3000}
apis:
  - id: a
    rutes: {}
    routes:
      "GET /": {integration: {type: mock}, authorisationType: NONE}
zzz: 1
)",
                  keys);
  CHECK_FALSE(l.config.has_value());
  CHECK(l.diags.format() ==
        "cfg.yaml:2:1: error: loging: unknown key 'loging'; did you mean 'logging'?\n"
        "cfg.yaml:4:3: error: server.threds: unknown key 'threds'; did you mean 'threads'?\n"
        "cfg.yaml:6:7: error: server.listeners[0].port: missing required key 'port'\n"
        "cfg.yaml:6:25: error: server.listeners[0].prot: unknown key 'prot'; did you mean "
        "'port'?\n"
        "cfg.yaml:9:5: error: apis[0].rutes: unknown key 'rutes'; did you mean 'routes'?\n"
        "cfg.yaml:11:44: error: apis[0].routes[\"GET /\"].authorisationType: unknown key "
        "'authorisationType'; did you mean 'authorizationType'?\n"
        "cfg.yaml:12:1: error: zzz: unknown key 'zzz'\n");
  // Collected in the order they were found, printed in file order.
  CHECK(l.diags.error_count() == 7);
  REQUIRE(l.diags.all().size() == 7);
  CHECK(l.diags.all().front().where.line == 6);
  CHECK(l.diags.all().back().where.line == 12);
  const auto& first = l.diags.all().front();
  CHECK(first.severity == gh::config::Diagnostic::Severity::kError);
  CHECK(first.where.file == "cfg.yaml");
  CHECK(first.where.column == 7);
  CHECK(first.path == "server.listeners[0].port");
  CHECK(first.message == "missing required key 'port'");
}

TEST_CASE("config: duplicate keys") {
  CHECK(errors(R"(version: 1
version: 1
apis:
  - id: a
    id: b
    routes:
      "GET /": {integration: {type: mock}}
      "GET /": {integration: {type: mock}}
)") == "cfg.yaml:2:1: error: version: duplicate key 'version'\n"
       "cfg.yaml:5:5: error: apis[0].id: duplicate key 'id'\n"
       "cfg.yaml:8:7: error: apis[0].routes[\"GET /\"]: duplicate key 'GET /'\n");
}

TEST_CASE("config: wrong types") {
  CHECK(errors(R"(version: "1"
server:
  threads: many
  watchConfig: yes
  listeners: {host: x}
  limits: 5
logging:
  level: [info]
aws: []
apis: {}
)") == "cfg.yaml:1:10: error: version: expected an integer, got the quoted string '1'\n"
       "cfg.yaml:3:12: error: server.threads: expected an integer, got 'many'\n"
       "cfg.yaml:4:16: error: server.watchConfig: expected true or false, got 'yes'\n"
       "cfg.yaml:5:14: error: server.listeners: expected a list of listeners, got a mapping\n"
       "cfg.yaml:6:11: error: server.limits: expected a mapping, got a string\n"
       "cfg.yaml:8:10: error: logging.level: expected a string, got a list\n"
       "cfg.yaml:9:6: error: aws: expected a mapping, got a list\n"
       "cfg.yaml:10:7: error: apis: expected a list of APIs, got a mapping\n");
  CHECK(errors(R"(version: 1
server:
  threads: 2.5
  watchConfig: "true"
  listeners:
    - 3000
apis:
  - just-a-string
)") == "cfg.yaml:3:12: error: server.threads: expected an integer, got '2.5'\n"
       "cfg.yaml:4:16: error: server.watchConfig: expected true or false, got 'true'\n"
       "cfg.yaml:6:7: error: server.listeners[0]: expected a mapping, got a string\n"
       "cfg.yaml:8:5: error: apis[0]: expected a mapping, got a string\n");
}

TEST_CASE("config: missing required keys") {
  CHECK(errors(R"(apis:
  - name: no-id
    routes:
      "GET /": {}
  - id: noroutes
server:
  listeners:
    - host: 127.0.0.1
    - {port: 3001, tls: {certFile: c.pem}}
)") == "cfg.yaml:1:1: error: version: missing required key 'version'\n"
       "cfg.yaml:2:5: error: apis[0].id: missing required key 'id'\n"
       "cfg.yaml:4:16: error: apis[0].routes[\"GET /\"].integration: missing required key "
       "'integration'\n"
       "cfg.yaml:5:5: error: apis[1].routes: an API needs at least one route\n"
       "cfg.yaml:8:7: error: server.listeners[0].port: missing required key 'port'\n"
       "cfg.yaml:9:25: error: server.listeners[1].tls.keyFile: missing required key 'keyFile'\n");
  CHECK(errors("version: 1\n") ==
        "cfg.yaml:1:1: error: apis: missing required key 'apis' (a list of APIs)\n");
  CHECK(errors("version: 1\napis:\n") ==
        "cfg.yaml:1:1: error: apis: missing required key 'apis' (a list of APIs)\n");
}

TEST_CASE("config: the document must be a mapping") {
  const char* message = "error: a config file is a YAML mapping starting with 'version: 1'\n";
  CHECK(errors("- a\n- b\n") == std::string("cfg.yaml:1:1: ") + message);
  CHECK(errors("just text\n") == std::string("cfg.yaml:1:1: ") + message);
  CHECK(errors("") == std::string("cfg.yaml: ") + message);  // no position for an empty file
}

TEST_CASE("config: version") {
  CHECK(errors("version: 2\napis: []\n") ==
        "cfg.yaml:1:10: error: version: only version 1 is supported\n");
  CHECK(errors("version: 0\napis: []\n") ==
        "cfg.yaml:1:10: error: version: must be between 1 and 1000, got 0\n");
}

TEST_CASE("config: invalid route keys") {
  CHECK(errors(R"(version: 1
apis:
  - id: a
    routes:
      "get /x": {integration: {type: mock}}
      "GET /a//b": {integration: {type: mock}}
      GET: {integration: {type: mock}}
      "ANY /{proxy+}/x": {integration: {type: mock}}
      "GET /ok": {integration: {type: mock}}
)") == "cfg.yaml:5:7: error: apis[0].routes[\"get /x\"]: invalid route key: unknown method 'get' "
       "(GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS or ANY)\n"
       "cfg.yaml:6:7: error: apis[0].routes[\"GET /a//b\"]: invalid route key: empty path "
       "segment ('//') in '/a//b'\n"
       "cfg.yaml:7:7: error: apis[0].routes.GET: invalid route key: a route key is \"METHOD "
       "/path\" (e.g. \"GET /pets/{id}\") or \"$default\"\n"
       "cfg.yaml:8:7: error: apis[0].routes[\"ANY /{proxy+}/x\"]: invalid route key: a greedy "
       "path parameter {proxy+} must be the last segment\n");
  CHECK(errors(R"(version: 1
apis:
  - id: a
    routes: []
)") == "cfg.yaml:4:13: error: apis[0].routes: expected a mapping, got a list\n");
}

TEST_CASE("config: API ids are DNS labels") {
  const std::string bad[] = {
      "Pets", "'-a'", "a-", "a_b", "a.b", "'a b'", "''", "'ü'", std::string(64, 'a')};
  for (const auto& id : bad) {
    CAPTURE(id);
    CHECK(errors(api_with_id(id)) ==
          std::string("cfg.yaml:3:9: error: apis[0].id: ") + kApiIdError + "\n");
  }
  const std::string good[] = {"a", "0", "a-b", "abc123", "a--b", "'7'", std::string(63, 'a')};
  for (const auto& id : good) {
    CAPTURE(id);
    Config c = ok(api_with_id(id));
    CHECK(c.apis[0].id == (id == "'7'" ? std::string("7") : id));
  }
}

TEST_CASE("config: duplicate API ids and base paths") {
  CHECK(errors(R"(version: 1
apis:
  - id: a
    basePath: /x
    routes: {"GET /": {integration: {type: mock}}}
  - id: a
    basePath: /x/
    routes: {"GET /": {integration: {type: mock}}}
  - id: b
    basePath: /x/y
    routes: {"GET /": {integration: {type: mock}}}
)") == "cfg.yaml:6:5: error: apis[1].id: duplicate API id 'a'\n"
       "cfg.yaml:6:5: error: apis[1].basePath: two APIs share the base path '/x'\n");
}

TEST_CASE("config: REST APIs have no $default stage or route") {
  CHECK(errors(R"(version: 1
apis:
  - id: a
    protocol: REST
    stages: {$default: {}, prod: {}}
    routes:
      $default: {integration: {type: mock}}
  - id: b
    basePath: /b
    stages: {$default: {}, prod: {}}
    routes:
      $default: {integration: {type: mock}}
)") == "cfg.yaml:5:14: error: apis[0].stages.$default: REST APIs have no $default stage; name "
       "the stage (e.g. dev, prod)\n"
       "cfg.yaml:7:7: error: apis[0].routes.$default: REST APIs have no $default route; use "
       "\"ANY /{proxy+}\"\n");
}

TEST_CASE("config: stage names") {
  const std::string long_name(129, 'x');
  const std::string max_name(128, 'y');
  CHECK(errors("version: 1\napis:\n  - id: a\n    stages:\n      bad.name: {}\n      ok-name_1: "
               "{}\n      " +
               long_name + ": {}\n      " + max_name + ": {}\n" + kRoute + "\n") ==
        "cfg.yaml:5:7: error: apis[0].stages[\"bad.name\"]: stage names are 1-128 letters, "
        "digits, '-' or '_' (or $default for HTTP APIs)\n"
        "cfg.yaml:7:7: error: apis[0].stages." +
            long_name +
            ": stage names are 1-128 letters, digits, '-' or '_' (or $default for HTTP APIs)\n");
}

TEST_CASE("config: stage variables") {
  const std::string too_long(513, 'a');
  const std::string longest(512, 'b');
  const std::string long_name(65, 'v');
  const std::string max_name(64, 'w');
  std::string yaml =
      "version: 1\napis:\n  - id: a\n    stages:\n      dev:\n        stageVariables:\n";
  yaml += "          ok_1: fine\n";              // line 7
  yaml += "          bad-name: x\n";             // line 8
  yaml += "          long: " + too_long + "\n";  // line 9
  yaml += "          max: " + longest + "\n";    // line 10
  yaml += "          list: [a]\n";               // line 11
  yaml += "          " + long_name + ": x\n";    // line 12
  yaml += "          " + max_name + ": x\n";     // line 13
  yaml += "        unknownStageKey: 1\n";        // line 14
  yaml += std::string(kRoute) + "\n";
  CHECK(errors(yaml) ==
        "cfg.yaml:8:11: error: apis[0].stages.dev.stageVariables.bad-name: stage variable names "
        "are 1-64 letters, digits or '_'\n"
        "cfg.yaml:9:17: error: apis[0].stages.dev.stageVariables.long: stage variable values are "
        "at most 512 characters\n"
        "cfg.yaml:11:17: error: apis[0].stages.dev.stageVariables.list: expected a string, got a "
        "list\n"
        "cfg.yaml:12:11: error: apis[0].stages.dev.stageVariables." +
            long_name +
            ": stage variable names are 1-64 letters, digits or '_'\n"
            "cfg.yaml:14:9: error: apis[0].stages.dev.unknownStageKey: unknown key "
            "'unknownStageKey'\n");

  Config c =
      ok("version: 1\napis:\n  - id: a\n    stages:\n      dev:\n        stageVariables:\n"
         "          " +
         max_name + ": x\n          max: " + longest + "\n" + kRoute + "\n");
  REQUIRE(c.apis[0].stages[0].variables.size() == 2);
  CHECK(c.apis[0].stages[0].variables[0].first == "max");
  CHECK(c.apis[0].stages[0].variables[0].second == longest);
  CHECK(c.apis[0].stages[0].variables[1].first == max_name);

  CHECK(errors("version: 1\napis:\n  - id: a\n    stages: {dev: {stageVariables: [a]}}\n" +
               std::string(kRoute) + "\n") ==
        "cfg.yaml:4:36: error: apis[0].stages.dev.stageVariables: expected a mapping, got a "
        "list\n");
}

TEST_CASE("config: ${env:NAME} and ${env:NAME:-default}") {
  ::setenv("GH_TEST_REGION", "ap-south-1", 1);
  ::setenv("GH_TEST_PORT", "8081", 1);
  ::setenv("GH_TEST_HOST", "example.test", 1);
  ::setenv("GH_TEST_EMPTY", "", 1);
  ::unsetenv("GH_TEST_UNSET");
  ::unsetenv("GH_TEST_UNSET_TOO");

  Config c = ok(R"(version: 1
aws:
  region: ${env:GH_TEST_REGION}
  accountId: "${env:GH_TEST_UNSET:-111122223333}"
server:
  listeners:
    - host: ${env:GH_TEST_UNSET:-0.0.0.0}
      port: ${env:GH_TEST_PORT}
logging:
  accessLog:
    destination: ${env:GH_TEST_EMPTY:-stderr}
    format: "${env:GH_TEST_EMPTY}$context.requestId${env:GH_TEST_UNSET:-}"
apis:
  - id: a
    stages:
      $default:
        stageVariables:
          url: http://${env:GH_TEST_HOST}:${env:GH_TEST_PORT}/v1
          literal: ${HOME} ${env:GH_TEST_REGION
    routes: {"GET /": {integration: {type: mock}}}
)");
  CHECK(c.aws.region == "ap-south-1");
  CHECK(c.aws.account_id == "111122223333");
  REQUIRE(c.server.listeners.size() == 1);
  CHECK(c.server.listeners[0].host == "0.0.0.0");
  CHECK(c.server.listeners[0].port == 8081);
  // ":-" also replaces a variable that is set but empty, as the shell does.
  CHECK(c.logging.access_log.destination == "stderr");
  CHECK(c.logging.access_log.format == "$context.requestId");
  using Vars = std::vector<std::pair<std::string, std::string>>;
  CHECK(c.apis[0].stages[0].variables ==
        Vars{{"literal", "${HOME} ${env:GH_TEST_REGION"}, {"url", "http://example.test:8081/v1"}});

  CHECK(errors(R"(version: 1
aws:
  region: ${env:GH_TEST_UNSET}
server:
  threads: ${env:GH_TEST_UNSET_TOO}
apis:
  - id: a-${env:GH_TEST_UNSET}
    routes: {"GET /": {integration: {type: mock}}}
)") == "cfg.yaml:3:11: error: aws.region: environment variable 'GH_TEST_UNSET' is not set "
       "(write ${env:GH_TEST_UNSET:-default} to give a default)\n"
       "cfg.yaml:5:12: error: server.threads: environment variable 'GH_TEST_UNSET_TOO' is not "
       "set (write ${env:GH_TEST_UNSET_TOO:-default} to give a default)\n"
       "cfg.yaml:5:12: error: server.threads: expected an integer, got ''\n"
       "cfg.yaml:7:9: error: apis[0].id: environment variable 'GH_TEST_UNSET' is not set "
       "(write ${env:GH_TEST_UNSET:-default} to give a default)\n"
       "cfg.yaml:7:9: error: apis[0].id: " +
            std::string(kApiIdError) + "\n");

  ::unsetenv("GH_TEST_REGION");
  ::unsetenv("GH_TEST_PORT");
  ::unsetenv("GH_TEST_HOST");
  ::unsetenv("GH_TEST_EMPTY");
}

TEST_CASE("config: expand_env directly") {
  ::setenv("GH_TEST_A", "alpha", 1);
  ::setenv("GH_TEST_EMPTY", "", 1);
  ::unsetenv("GH_TEST_UNSET");
  struct Case {
    const char* text;
    const char* expanded;
  };
  const Case cases[] = {
      {"", ""},
      {"plain", "plain"},
      {"${env:GH_TEST_A}", "alpha"},
      {"x${env:GH_TEST_A}y${env:GH_TEST_A}z", "xalphayalphaz"},
      {"${env:GH_TEST_UNSET:-d}", "d"},
      {"${env:GH_TEST_UNSET:-}", ""},
      {"${env:GH_TEST_UNSET:-a:-b}", "a:-b"},
      {"${env:GH_TEST_A:-d}", "alpha"},
      {"${env:GH_TEST_EMPTY}", ""},
      {"${env:GH_TEST_EMPTY:-d}", "d"},
      {"${env:GH_TEST_A", "${env:GH_TEST_A"},  // unterminated: literal
      {"$env:GH_TEST_A}", "$env:GH_TEST_A}"},
      {"${ENV:GH_TEST_A}", "${ENV:GH_TEST_A}"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    Diagnostics diags;
    CHECK(gh::config::expand_env(c.text, gh::config::Node(), diags) == c.expanded);
    CHECK(diags.all().empty());
  }
  Diagnostics diags;
  CHECK(gh::config::expand_env("a${env:GH_TEST_UNSET}b${env:}c", gh::config::Node(), diags) ==
        "abc");
  CHECK(diags.format() ==
        "<config>: error: environment variable 'GH_TEST_UNSET' is not set (write "
        "${env:GH_TEST_UNSET:-default} to give a default)\n"
        "<config>: error: environment variable '' is not set (write ${env::-default} to give a "
        "default)\n");
  ::unsetenv("GH_TEST_A");
  ::unsetenv("GH_TEST_EMPTY");
}

TEST_CASE("config: YAML syntax errors carry their position") {
  CHECK(errors("version: 1\napis: [\n  {id: a\n") ==
        "cfg.yaml:4:1: error: YAML syntax error: end of map flow not found\n");
  CHECK(errors("version: 1\n  bad: x\n") ==
        "cfg.yaml:2:6: error: YAML syntax error: illegal map value\n");
  CHECK(errors("version: 1\nx: {a: 1}}\n") ==
        "cfg.yaml:2:10: error: YAML syntax error: illegal flow end\n");
}

TEST_CASE("config: value checks") {
  CHECK(errors(R"(version: 1
aws: {accountId: "12345"}
server:
  limits: {maxHeaderBytes: 10, maxConnections: 0, idleTimeoutMillis: 99}
  listeners:
    - {port: 3000, serves: both}
    - {port: 3000}
    - {port: 70000}
logging: {level: loud, format: xml}
apis:
  - id: a
    protocol: http
    basePath: inv
    routes: {"GET /": {integration: {type: mock}}}
  - id: b
    protocol: WEBSOCKET
    basePath: /
    routes: {"GET /": {integration: {type: mock}}}
  - id: c
    basePath: /a//b
    routes: {"GET /": {integration: {type: mock}}}
)") == "cfg.yaml:2:18: error: aws.accountId: an account id is 12 digits (quote it: "
       "\"123456789012\")\n"
       "cfg.yaml:4:28: error: server.limits.maxHeaderBytes: must be between 1024 and 1048576, "
       "got 10\n"
       "cfg.yaml:4:48: error: server.limits.maxConnections: must be between 1 and 1000000, got "
       "0\n"
       "cfg.yaml:4:70: error: server.limits.idleTimeoutMillis: must be between 100 and "
       "86400000, got 99\n"
       "cfg.yaml:6:28: error: server.listeners[0].serves: must be 'apis', 'services' or "
       "'admin', got 'both'\n"
       "cfg.yaml:7:7: error: server.listeners: two listeners on 127.0.0.1:3000\n"
       "cfg.yaml:8:14: error: server.listeners[2].port: must be between 0 and 65535, got 70000\n"
       "cfg.yaml:9:18: error: logging.level: must be one of trace, debug, info, warn, error, "
       "off\n"
       "cfg.yaml:9:32: error: logging.format: must be 'text' or 'json'\n"
       "cfg.yaml:12:15: error: apis[0].protocol: must be HTTP, REST or WEBSOCKET, got 'http'\n"
       "cfg.yaml:13:15: error: apis[0].basePath: a base path looks like /name or /name/more\n"
       "cfg.yaml:15:5: error: apis[1].routeSelectionExpression: missing required key "
       "'routeSelectionExpression'\n"
       "cfg.yaml:17:15: error: apis[1].basePath: a base path looks like /name or /name/more\n"
       "cfg.yaml:20:15: error: apis[2].basePath: a base path looks like /name or /name/more\n");
}

TEST_CASE("config: keys owned by plugins are accepted where they appear") {
  const char* yaml = R"(version: 1
upstreams: {a: 1}
apis:
  - id: a
    cors: {allowOrigins: ["*"]}
    stages:
      $default: {throttling: {rateLimit: 1}}
    routes:
      "GET /": {integration: {type: mock}, authorizationType: NONE}
)";
  PluginKeys keys;
  keys.top_level = {"upstreams"};
  keys.api = {"cors"};
  keys.stage = {"throttling"};
  keys.route = {"authorizationType"};
  Config c = ok(yaml, keys);
  CHECK(c.root.child("upstreams").is_map());
  CHECK(c.apis[0].node.child("cors").is_map());
  CHECK(c.apis[0].stages[0].node.child("throttling").is_map());
  CHECK(c.apis[0].routes[0].node.child("authorizationType").scalar() == "NONE");

  CHECK(errors(yaml) ==
        "cfg.yaml:2:1: error: upstreams: unknown key 'upstreams'\n"
        "cfg.yaml:5:5: error: apis[0].cors: unknown key 'cors'\n"
        "cfg.yaml:7:18: error: apis[0].stages.$default.throttling: unknown key 'throttling'\n"
        "cfg.yaml:9:44: error: apis[0].routes[\"GET /\"].authorizationType: unknown key "
        "'authorizationType'\n");
}

TEST_CASE("config: load_config from files") {
  Diagnostics diags;
  const std::string valid = (fixtures() / "valid.yaml").string();
  auto c = gh::config::load_config(valid, {}, diags);
  INFO(diags.format());
  REQUIRE(c.has_value());
  CHECK(c->source_file == valid);
  REQUIRE(c->apis.size() == 1);
  CHECK(c->apis[0].id == "petstore");
  CHECK(c->apis[0].routes.size() == 2);
  REQUIRE(c->server.listeners.size() == 1);
  CHECK(c->server.listeners[0].port == 0);

  Diagnostics bad;
  const std::string errors_file = (fixtures() / "errors.yaml").string();
  CHECK_FALSE(gh::config::load_config(errors_file, {}, bad).has_value());
  CHECK(bad.format() == errors_file + ":4:9: error: apis[0].id: " + kApiIdError + "\n" +
                            errors_file +
                            ":5:5: error: apis[0].protocl: unknown key 'protocl'; did you mean "
                            "'protocol'?\n" +
                            errors_file +
                            ":7:7: error: apis[0].routes[\"FETCH /pets\"]: invalid route key: "
                            "unknown method 'FETCH' (GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS "
                            "or ANY)\n");

  Diagnostics missing;
  const std::string nowhere = (fixtures() / "does-not-exist.yaml").string();
  CHECK_FALSE(gh::config::load_config(nowhere, {}, missing).has_value());
  CHECK(missing.format() == nowhere + ": error: cannot read file: No such file or directory\n");
}

TEST_CASE("config: load_config_partial keeps what was read well enough to check") {
  // Errors outside the APIs (server.listners), an API with errors of its own (apis[1]), and two
  // APIs sharing an id: the strict loader gives nothing, the partial one gives the sound APIs,
  // so their integrations can still be checked by the snapshot compiler.
  const std::string yaml = R"(version: 1
server:
  listners: []
  threads: 2
apis:
  - id: a
    routes:
      "GET /x": {integration: {type: mokc}}
  - id: Bad_Id
    routes:
      "GET /y": {integration: {type: mock}}
  - id: b
    basePath: /b
    routes:
      "GET /z": {integration: {type: mock, bodyy: x}}
  - id: a
    basePath: /a2
    routes:
      "GET /w": {integration: {type: mock}}
)";
  const std::string expected =
      "cfg.yaml:3:3: error: server.listners: unknown key 'listners'; did you mean "
      "'listeners'?\n"
      "cfg.yaml:9:9: error: apis[1].id: " +
      std::string(kApiIdError) +
      "\n"
      "cfg.yaml:16:5: error: apis[3].id: duplicate API id 'a'\n";

  Diagnostics strict;
  CHECK_FALSE(gh::config::load_config_text(yaml, "cfg.yaml", {}, strict).has_value());
  CHECK(strict.format() == expected);

  Diagnostics diags;
  auto c = gh::config::load_config_text_partial(yaml, "cfg.yaml", {}, diags);
  CHECK(diags.format() == expected);
  REQUIRE(c.has_value());
  CHECK(c->server.threads == 2);
  REQUIRE(c->apis.size() == 2);
  CHECK(c->apis[0].id == "a");
  CHECK(c->apis[0].routes.size() == 1);
  CHECK(c->apis[0].routes[0].integration.child("type").scalar() == "mokc");
  CHECK(c->apis[1].id == "b");
  CHECK(c->apis[1].base_path == "/b");

  // Not a mapping, or not YAML at all: nothing to check further.
  Diagnostics list;
  CHECK_FALSE(gh::config::load_config_text_partial("- 1\n", "cfg.yaml", {}, list).has_value());
  CHECK(list.has_errors());
  Diagnostics syntax;
  CHECK_FALSE(
      gh::config::load_config_text_partial("apis: [\n", "cfg.yaml", {}, syntax).has_value());
  CHECK(syntax.has_errors());
}

TEST_CASE("diagnostics: formatting, sorting, de-duplication") {
  using gh::config::Location;
  Diagnostics d;
  d.error(Location{"b.yaml", 1, 1}, "x", "in b");
  d.error(Location{"a.yaml", 9, 2}, "", "no path");
  d.warning(Location{"a.yaml", 3, 0}, "w", "a warning");
  d.error(Location{"a.yaml", 3, 5}, "y", "later column");
  d.error(Location{"", 0, 0}, "z", "nowhere");
  d.error(Location{"a.yaml", 9, 2}, "", "no path");       // exact duplicate: dropped
  d.warning(Location{"a.yaml", 3, 0}, "w", "a warning");  // warnings are not de-duplicated
  CHECK(d.error_count() == 4);
  CHECK(d.has_errors());
  CHECK(d.all().size() == 6);
  CHECK(d.format() ==
        "<config>: error: z: nowhere\n"
        "a.yaml:3: warning: w: a warning\n"
        "a.yaml:3: warning: w: a warning\n"
        "a.yaml:3:5: error: y: later column\n"
        "a.yaml:9:2: error: no path\n"
        "b.yaml:1:1: error: x: in b\n");

  Diagnostics warnings_only;
  warnings_only.warning(Location{"f", 1, 1}, "p", "m");
  CHECK_FALSE(warnings_only.has_errors());
  CHECK(warnings_only.error_count() == 0);
  CHECK(warnings_only.format() == "f:1:1: warning: p: m\n");

  // Same position and path, different message: both kept.
  Diagnostics two;
  two.error(Location{"f", 1, 1}, "p", "one");
  two.error(Location{"f", 1, 1}, "p", "two");
  two.error(Location{"f", 1, 1}, "q", "one");
  CHECK(two.error_count() == 3);
  CHECK(Diagnostics().format() == "");
}

TEST_CASE("yaml reader: join_path and did_you_mean") {
  using gh::config::did_you_mean;
  using gh::config::join_path;
  CHECK(join_path("", "a") == "a");
  CHECK(join_path("a", "b") == "a.b");
  CHECK(join_path("a", "x-y_z9") == "a.x-y_z9");
  CHECK(join_path("a", "$default") == "a.$default");
  CHECK(join_path("a", "GET /x") == "a[\"GET /x\"]");
  CHECK(join_path("", "GET /") == "[\"GET /\"]");
  CHECK(join_path("a", "b.c") == "a[\"b.c\"]");
  CHECK(join_path("a", "") == "a[\"\"]");

  const std::vector<std::string> keys = {"logging", "level", "statusCode", "status"};
  CHECK(did_you_mean("loging", keys) == "logging");
  CHECK(did_you_mean("LOGGING", keys) == "logging");  // case-insensitive
  CHECK(did_you_mean("statusCod", keys) == "statusCode");
  CHECK(did_you_mean("stats", keys) == "status");
  CHECK(did_you_mean("zzz", keys) == std::nullopt);
  CHECK(did_you_mean("completely-different", keys) == std::nullopt);
  CHECK(did_you_mean("ab", {"ac", "ad"}) == "ac");  // ties: the first candidate
  CHECK(did_you_mean("x", {}) == std::nullopt);
}

TEST_CASE("yaml reader: nodes, paths and positions") {
  Diagnostics diags;
  auto root = gh::config::load_yaml_text("a:\n  b: [x, {c: 1}]\n  d: ~\n", "n.yaml", diags);
  REQUIRE(root.has_value());
  CHECK(root->path() == "");
  CHECK(root->file() == "n.yaml");
  CHECK(root->kind_name() == "a mapping");
  auto a = root->child("a");
  CHECK(a.path() == "a");
  CHECK(a.is_map());
  auto b = a.child("b");
  CHECK(b.kind_name() == "a list");
  auto items = b.items();
  REQUIRE(items.size() == 2);
  CHECK(items[0].path() == "a.b[0]");
  CHECK(items[0].scalar() == "x");
  CHECK(items[0].kind_name() == "a string");
  CHECK(items[1].path() == "a.b[1]");
  CHECK(items[1].child("c").path() == "a.b[1].c");
  CHECK(items[1].location().line == 2);
  CHECK(items[1].location().column == 10);
  CHECK(a.child("d").is_null());
  CHECK(a.child("d").defined());
  CHECK(a.child("d").kind_name() == "null");
  // An absent key reports its parent mapping's position.
  auto absent = a.child("nope");
  CHECK_FALSE(absent.defined());
  CHECK(absent.path() == "a.nope");
  CHECK(absent.location().file == "n.yaml");
  CHECK(absent.location().line == a.location().line);
  CHECK(absent.location().column == a.location().column);
  CHECK(absent.scalar() == "");
  CHECK(absent.items().empty());
  CHECK(absent.entries().empty());
  auto entries = a.entries();
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].first.scalar() == "b");
  CHECK(entries[0].second.path() == "a.b");
  CHECK(entries[1].first.location().line == 3);
}

TEST_CASE("yaml reader: typed reads") {
  Diagnostics diags;
  auto root = gh::config::load_yaml_text(R"(i: 42
neg: -7
big: 99999999999999999999
f: 2.5
e: 1e3
inf: .inf
t: true
T: True
F: FALSE
s: hello
q: "42"
l: [a, b]
one: solo
bad: [a, [b]]
)",
                                         "t.yaml", diags);
  REQUIRE(root.has_value());
  gh::config::MapReader r(*root, diags);
  CHECK(r.integer("i", 0, 100) == 42);
  CHECK(r.integer("neg", -10, 0) == -7);
  CHECK(r.integer("absent", 0, 1) == std::nullopt);
  CHECK(r.number("f", 0, 10) == 2.5);
  CHECK(r.number("e", 0, 1e4) == 1000.0);
  CHECK(r.boolean("t") == true);
  CHECK(r.boolean("T") == true);
  CHECK(r.boolean("F") == false);
  CHECK(r.string("s") == "hello");
  CHECK(r.string("q") == "42");
  CHECK(r.string_list("l") == std::vector<std::string>{"a", "b"});
  CHECK(r.string_list("one") == std::vector<std::string>{"solo"});
  CHECK(diags.all().empty());

  CHECK(r.integer("big", 0, 10) == std::nullopt);
  CHECK(r.number("inf", 0, 10) == std::nullopt);
  CHECK(r.number("f", 3, 10) == std::nullopt);
  CHECK(r.number("q", 0, 100) == std::nullopt);
  CHECK(r.boolean("s") == std::nullopt);
  CHECK(r.string_list("s") == std::vector<std::string>{"hello"});
  CHECK(r.string_list("bad") == std::vector<std::string>{"a"});
  CHECK(r.string_list("i") == std::vector<std::string>{"42"});
  CHECK(r.string("l") == std::nullopt);
  CHECK_FALSE(r.has("absent"));
  CHECK(r.has("i"));
  r.finish();
  CHECK(diags.format() ==
        "t.yaml:3:6: error: big: expected an integer, got '99999999999999999999'\n"
        "t.yaml:4:4: error: f: must be between 3 and 10, got 2.5\n"
        "t.yaml:6:6: error: inf: expected a number, got '.inf'\n"
        "t.yaml:10:4: error: s: expected true or false, got 'hello'\n"
        "t.yaml:11:4: error: q: expected a number, got the quoted string '42'\n"
        "t.yaml:12:4: error: l: expected a string, got a list\n"
        "t.yaml:14:10: error: bad[1]: expected a string, got a list\n");

  Diagnostics required;
  {
    gh::config::MapReader m(*root, required);
    m.allow_all_remaining();
    CHECK(m.string("missing", gh::config::Need::kRequired) == std::nullopt);
    CHECK_FALSE(m.require("other").defined());
  }
  CHECK(required.format() ==
        "t.yaml:1:1: error: missing: missing required key 'missing'\n"
        "t.yaml:1:1: error: other: missing required key 'other'\n");
}
