// YAML → Config. Structure and values only; plugin subtrees are checked by their factories when
// the snapshot is compiled (pipeline/snapshot_builder.cpp).
#include <algorithm>
#include <cctype>
#include <set>

#include "gateway/config/config.hpp"
#include "gateway/routing/route_key.hpp"

namespace gh::config {

// AWS's access-log examples (CLF and JSON), with the $context fields the issue asks for.
const char* const kAccessLogTextFormat =
    "$context.identity.sourceIp - - [$context.requestTime] \"$context.httpMethod "
    "$context.path $context.protocol\" $context.status $context.responseLength "
    "$context.requestId $context.apiId $context.stage \"$context.routeKey\" "
    "$context.responseLatency $context.integrationLatency \"$context.identity.userAgent\"";
const char* const kAccessLogJsonFormat =
    "{\"requestId\":\"$context.requestId\",\"ip\":\"$context.identity.sourceIp\","
    "\"requestTime\":\"$context.requestTime\",\"httpMethod\":\"$context.httpMethod\","
    "\"routeKey\":\"$context.routeKey\",\"path\":\"$context.path\","
    "\"status\":\"$context.status\",\"protocol\":\"$context.protocol\","
    "\"responseLength\":\"$context.responseLength\","
    "\"responseLatency\":\"$context.responseLatency\","
    "\"integrationLatency\":\"$context.integrationLatency\",\"apiId\":\"$context.apiId\","
    "\"stage\":\"$context.stage\",\"userAgent\":\"$context.identity.userAgent\"}";

namespace {

constexpr std::int64_t kMaxMillis = 24LL * 3600 * 1000;

void allow_all(MapReader& r, const std::vector<std::string>& keys) {
  for (const auto& k : keys) r.allow(k);
}

std::chrono::milliseconds millis(MapReader& r, std::string_view key, std::int64_t min,
                                 std::chrono::milliseconds fallback) {
  auto v = r.integer(key, min, kMaxMillis);
  return v ? std::chrono::milliseconds(*v) : fallback;
}

void read_limits(const Node& node, LimitsConfig& limits, Diagnostics& diags) {
  MapReader r(node, diags);
  if (auto v = r.integer("maxHeaderBytes", 1024, 1 << 20)) limits.max_header_bytes = *v;
  if (auto v = r.integer("maxBodyBytes", 0, 1LL << 34)) limits.max_body_bytes = *v;
  if (auto v = r.integer("maxConnections", 1, 1000000)) limits.max_connections = *v;
  limits.header_timeout = millis(r, "headerTimeoutMillis", 100, limits.header_timeout);
  limits.body_timeout = millis(r, "bodyTimeoutMillis", 100, limits.body_timeout);
  limits.idle_timeout = millis(r, "idleTimeoutMillis", 100, limits.idle_timeout);
  limits.drain_timeout = millis(r, "drainTimeoutMillis", 0, limits.drain_timeout);
  limits.websocket_idle_timeout =
      millis(r, "webSocketIdleTimeoutMillis", 100, limits.websocket_idle_timeout);
  limits.websocket_max_duration =
      millis(r, "webSocketMaxDurationMillis", 100, limits.websocket_max_duration);
  if (auto v = r.integer("webSocketMaxMessageBytes", 128, 16 << 20)) {
    limits.websocket_max_message_bytes = *v;
  }
  if (auto v = r.integer("webSocketMaxFrameBytes", 128, 16 << 20)) {
    limits.websocket_max_frame_bytes = *v;
  }
  if (auto v = r.integer("webSocketSendQueueBytes", 1024, 1LL << 30)) {
    limits.websocket_send_queue_bytes = *v;
  }
}

std::optional<ListenerConfig> read_listener(const Node& node, Diagnostics& diags) {
  MapReader r(node, diags);
  if (!r.ok()) return std::nullopt;
  ListenerConfig l;
  l.where = node.location();
  if (auto host = r.string("host")) l.host = *host;
  auto port = r.integer("port", 0, 65535, Need::kRequired);
  if (port) l.port = static_cast<uint16_t>(*port);
  if (auto serves = r.string("serves")) {
    if (*serves == "apis") {
      l.role = ListenerRole::kApis;
    } else if (*serves == "services") {
      l.role = ListenerRole::kServices;
    } else if (*serves == "admin") {
      l.role = ListenerRole::kAdmin;
    } else {
      diags.error(r.get("serves").location(), r.get("serves").path(),
                  "must be 'apis', 'services' or 'admin', got '" + *serves + "'");
    }
  }
  if (Node tls = r.get("tls"); !tls.is_null()) {
    MapReader t(tls, diags);
    TlsConfig cfg;
    if (auto c = t.string("certFile", Need::kRequired)) cfg.cert_file = *c;
    if (auto k = t.string("keyFile", Need::kRequired)) cfg.key_file = *k;
    l.tls = cfg;
  }
  // Without a valid port (already reported) the listener would take the default one and be
  // reported again as a duplicate of another.
  if (!port) return std::nullopt;
  return l;
}

void read_server(const Node& node, ServerConfig& server, Diagnostics& diags) {
  MapReader r(node, diags);
  if (auto t = r.integer("threads", 0, 256)) server.threads = static_cast<unsigned>(*t);
  if (auto w = r.boolean("watchConfig")) server.watch_config = *w;
  read_limits(r.get("limits"), server.limits, diags);
  Node listeners = r.get("listeners");
  if (listeners.defined() && !listeners.is_null()) {
    if (!listeners.is_sequence()) {
      diags.error(listeners.location(), listeners.path(),
                  "expected a list of listeners, got " + listeners.kind_name());
    }
    for (const auto& item : listeners.items()) {
      if (auto l = read_listener(item, diags)) server.listeners.push_back(std::move(*l));
    }
  }
  if (server.listeners.empty()) {
    server.listeners.push_back(ListenerConfig{"127.0.0.1", 3000, ListenerRole::kApis, {}, {}});
    server.listeners.push_back(ListenerConfig{"127.0.0.1", 4566, ListenerRole::kServices, {}, {}});
  }
  std::set<std::pair<std::string, std::uint16_t>> seen;
  for (const auto& l : server.listeners) {
    if (l.port != 0 && !seen.insert({l.host, l.port}).second) {
      diags.error(l.where, node.path() + ".listeners",
                  "two listeners on " + l.host + ":" + std::to_string(l.port));
    }
  }
}

void read_logging(const Node& node, LoggingConfig& logging, Diagnostics& diags) {
  MapReader r(node, diags);
  if (auto level = r.string("level")) {
    static const std::vector<std::string> kLevels = {"trace", "debug", "info",
                                                     "warn",  "error", "off"};
    if (std::find(kLevels.begin(), kLevels.end(), *level) == kLevels.end()) {
      diags.error(r.get("level").location(), r.get("level").path(),
                  "must be one of trace, debug, info, warn, error, off");
    } else {
      logging.level = *level;
    }
  }
  if (auto format = r.string("format")) {
    if (*format == "text") {
      logging.format = LogFormat::kText;
    } else if (*format == "json") {
      logging.format = LogFormat::kJson;
    } else {
      diags.error(r.get("format").location(), r.get("format").path(), "must be 'text' or 'json'");
    }
  }
  Node access = r.get("accessLog");
  MapReader a(access, diags);
  if (auto d = a.string("destination")) logging.access_log.destination = *d;
  if (auto f = a.string("format")) logging.access_log.format = *f;
}

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }

// Length 1..max, every character allowed by `ok`.
template <typename Pred>
bool all_of_length(std::string_view s, std::size_t max, Pred ok) {
  return !s.empty() && s.size() <= max && std::all_of(s.begin(), s.end(), ok);
}

// A DNS label: [a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?
bool valid_api_id(std::string_view id) {
  return all_of_length(id, 63, [](char c) { return is_lower_alnum(c) || c == '-'; }) &&
         id.front() != '-' && id.back() != '-';
}

bool valid_stage_name(std::string_view name) {
  return all_of_length(name, 128, [](char c) { return is_alnum(c) || c == '_' || c == '-'; });
}

void read_stages(const Node& node, ApiConfig& api, const PluginKeys& plugin_keys,
                 Diagnostics& diags) {
  if (node.is_null()) return;
  MapReader stages(node, diags);
  if (!stages.ok()) return;
  for (const auto& [key, value] : node.entries()) {
    stages.allow(key.scalar());
    StageConfig stage;
    stage.name = key.scalar();
    stage.node = value;
    bool default_stage = stage.name == "$default";
    if (default_stage && api.protocol != core::ApiProtocol::kHttp) {
      diags.error(key.location(), key.path(),
                  std::string(core::to_string(api.protocol)) +
                      " APIs have no $default stage; name the stage (e.g. dev, prod)");
    } else if (!default_stage && !valid_stage_name(stage.name)) {
      diags.error(key.location(), key.path(),
                  "stage names are 1-128 letters, digits, '-' or '_' (or $default for HTTP APIs)");
    }
    MapReader r(value, diags);
    allow_all(r, plugin_keys.stage);
    Node vars = r.get("stageVariables");
    MapReader v(vars, diags);
    for (const auto& [vk, vv] : vars.entries()) {
      v.allow(vk.scalar());
      // AWS: keys are alphanumeric/underscore up to 64 chars, values up to 512 chars.
      if (!all_of_length(vk.scalar(), 64, [](char c) { return is_alnum(c) || c == '_'; })) {
        diags.error(vk.location(), vk.path(),
                    "stage variable names are 1-64 letters, digits or '_'");
      }
      if (auto s = read_string(vv, diags)) {
        if (s->size() > 512) {
          diags.error(vv.location(), vv.path(), "stage variable values are at most 512 characters");
        }
        stage.variables.emplace_back(vk.scalar(), std::move(*s));
      }
    }
    std::sort(stage.variables.begin(), stage.variables.end());
    api.stages.push_back(std::move(stage));
  }
}

void read_routes(const Node& node, ApiConfig& api, const PluginKeys& plugin_keys,
                 Diagnostics& diags) {
  if (node.is_null()) {
    diags.error(api.where, join_path(api.node.path(), "routes"), "an API needs at least one route");
    return;
  }
  MapReader routes(node, diags);
  if (!routes.ok()) return;
  for (const auto& [key, value] : node.entries()) {
    routes.allow(key.scalar());
    RouteConfig route;
    route.route_key = key.scalar();
    route.node = value;
    route.where = key.location();
    bool websocket = api.protocol == core::ApiProtocol::kWebSocket;
    if (websocket) {
      // WebSocket route keys: $connect, $disconnect, $default, or what the selection
      // expression yields; custom keys must not start with '$' (AWS).
      const std::string& k = route.route_key;
      bool predefined = k == "$connect" || k == "$disconnect" || k == "$default";
      if (k.empty() || k.size() > 128 || (!predefined && k.front() == '$')) {
        diags.error(key.location(), key.path(),
                    "WebSocket route keys are $connect, $disconnect, $default or a custom key "
                    "(1-128 characters, not starting with '$')");
      }
    } else {
      auto parsed = routing::parse_route_key(route.route_key);
      if (!parsed.key) {
        diags.error(key.location(), key.path(), "invalid route key: " + parsed.error);
      } else if (api.protocol == core::ApiProtocol::kRest && parsed.key->is_default) {
        diags.error(key.location(), key.path(),
                    "REST APIs have no $default route; use \"ANY /{proxy+}\"");
      }
    }
    MapReader r(value, diags);
    allow_all(r, plugin_keys.route);
    if (websocket) {
      // A route without an integration is allowed on AWS ($connect then simply accepts).
      route.integration = r.get("integration");
      if (auto rr = r.string("routeResponseSelectionExpression")) {
        if (*rr != "$default") {
          diags.error(r.get("routeResponseSelectionExpression").location(),
                      r.get("routeResponseSelectionExpression").path(),
                      "routeResponseSelectionExpression is $default (the only value AWS "
                      "supports for proxy integrations)");
        } else if (route.route_key == "$connect" || route.route_key == "$disconnect") {
          diags.error(r.get("routeResponseSelectionExpression").location(),
                      r.get("routeResponseSelectionExpression").path(),
                      "$connect and $disconnect cannot answer with a message");
        }
        route.two_way = true;
      }
    } else {
      route.integration = r.require("integration");
    }
    api.routes.push_back(std::move(route));
  }
}

std::optional<ApiConfig> read_api(const Node& node, const PluginKeys& plugin_keys,
                                  Diagnostics& diags) {
  MapReader r(node, diags);
  if (!r.ok()) return std::nullopt;
  allow_all(r, plugin_keys.api);
  ApiConfig api;
  api.node = node;
  api.where = node.location();
  if (auto id = r.string("id", Need::kRequired)) {
    api.id = *id;
    if (!valid_api_id(api.id)) {
      diags.error(r.get("id").location(), r.get("id").path(),
                  "API ids are lower-case letters, digits and '-' (a DNS label: they appear in "
                  "{apiId}.execute-api.localhost)");
    }
  }
  api.name = r.string("name").value_or(api.id);
  if (auto protocol = r.string("protocol")) {
    if (auto p = core::parse_api_protocol(*protocol)) {
      api.protocol = *p;
    } else {
      diags.error(r.get("protocol").location(), r.get("protocol").path(),
                  "must be HTTP, REST or WEBSOCKET, got '" + *protocol + "'");
    }
  }
  if (api.protocol == core::ApiProtocol::kWebSocket) {
    if (auto e = r.string("routeSelectionExpression", Need::kRequired)) {
      api.route_selection_expression = *e;
      if (e->find("$request.body") == std::string::npos &&
          e->find("${request.body") == std::string::npos) {
        diags.error(r.get("routeSelectionExpression").location(),
                    r.get("routeSelectionExpression").path(),
                    "a route selection expression reads the message: $request.body.action, "
                    "${request.body.service}/${request.body.action} …");
      }
    }
  } else if (r.has("routeSelectionExpression")) {
    diags.error(r.get("routeSelectionExpression").location(),
                r.get("routeSelectionExpression").path(),
                "routeSelectionExpression is a WEBSOCKET API setting");
  }
  if (auto base = r.string("basePath")) {
    std::string b = *base;
    while (b.size() > 1 && b.back() == '/') b.pop_back();
    if (b.empty() || b.front() != '/' || b == "/" || b.find("//") != std::string::npos) {
      diags.error(r.get("basePath").location(), r.get("basePath").path(),
                  "a base path looks like /name or /name/more");
    } else {
      api.base_path = b;
    }
  }
  if (auto types = r.string_list("binaryMediaTypes")) {
    if (api.protocol != core::ApiProtocol::kRest) {
      diags.error(r.get("binaryMediaTypes").location(), r.get("binaryMediaTypes").path(),
                  "binaryMediaTypes is a REST API setting; HTTP APIs decide by content type");
    }
    for (auto& t : *types) {
      // AWS stores "image/png" and matches case-insensitively; "~1" is the JSON-pointer escape
      // of "/" the AWS console and CLI patch operations use.
      if (auto esc = t.find("~1"); esc != std::string::npos) t.replace(esc, 2, "/");
      for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      api.binary_media_types.push_back(t);
    }
  }
  read_stages(r.get("stages"), api, plugin_keys, diags);
  if (api.stages.empty()) {
    // HTTP APIs get AWS's auto-deployed $default stage; REST and WebSocket APIs need a named
    // stage and get "dev", the default stage name of the Serverless Framework.
    StageConfig stage;
    stage.name = api.protocol == core::ApiProtocol::kHttp ? "$default" : "dev";
    api.stages.push_back(std::move(stage));
  }
  read_routes(r.get("routes"), api, plugin_keys, diags);
  return api;
}

std::optional<Config> read_config(const Node& root, const PluginKeys& plugin_keys,
                                  Diagnostics& diags) {
  Config config;
  config.source_file = root.file();
  config.root = root;
  if (!root.is_map()) {
    diags.error(root.location(), "", "a config file is a YAML mapping starting with 'version: 1'");
    return std::nullopt;
  }
  MapReader r(root, diags);
  allow_all(r, plugin_keys.top_level);
  if (auto v = r.integer("version", 1, 1000, Need::kRequired); v && *v != 1) {
    diags.error(r.get("version").location(), "version", "only version 1 is supported");
  }
  {
    MapReader aws(r.get("aws"), diags);
    if (auto region = aws.string("region")) config.aws.region = *region;
    if (auto account = aws.string("accountId")) {
      if (account->size() != 12 ||
          !all_of_length(*account, 12, [](char c) { return c >= '0' && c <= '9'; })) {
        diags.error(aws.get("accountId").location(), aws.get("accountId").path(),
                    "an account id is 12 digits (quote it: \"123456789012\")");
      }
      config.aws.account_id = *account;
    }
  }
  read_server(r.get("server"), config.server, diags);
  read_logging(r.get("logging"), config.logging, diags);
  if (config.logging.access_log.format.empty() || config.logging.access_log.format == "text") {
    config.logging.access_log.format = kAccessLogTextFormat;
  } else if (config.logging.access_log.format == "json") {
    config.logging.access_log.format = kAccessLogJsonFormat;
  }

  Node apis = r.get("apis");
  std::vector<std::pair<ApiConfig, bool>> read_apis;  // each API, and whether it read cleanly
  if (apis.is_null()) {
    diags.error(root.location(), "apis", "missing required key 'apis' (a list of APIs)");
  } else if (!apis.is_sequence()) {
    diags.error(apis.location(), apis.path(), "expected a list of APIs, got " + apis.kind_name());
  } else {
    for (const auto& item : apis.items()) {
      // An API with errors of its own stays out of the config: what the plugins would say
      // about a half-read API (its protocol guessed, routes missing) would only mislead.
      std::size_t errors_before = diags.error_count();
      if (auto api = read_api(item, plugin_keys, diags)) {
        read_apis.push_back({std::move(*api), diags.error_count() == errors_before});
      }
    }
  }
  std::set<std::string> ids, base_paths;
  for (auto& [api, sound] : read_apis) {
    if (!api.id.empty() && !ids.insert(api.id).second) {
      diags.error(api.where, api.node.path() + ".id", "duplicate API id '" + api.id + "'");
      sound = false;
    }
    if (!api.base_path.empty() && !base_paths.insert(api.base_path).second) {
      diags.error(api.where, api.node.path() + ".basePath",
                  "two APIs share the base path '" + api.base_path + "'");
      sound = false;
    }
    if (sound) config.apis.push_back(std::move(api));
  }
  r.finish();
  return config;
}

std::optional<Config> complete_only(std::optional<Config> config, std::size_t errors_before,
                                    const Diagnostics& diags) {
  if (diags.error_count() > errors_before) return std::nullopt;
  return config;
}

}  // namespace

std::optional<Config> load_config_partial(const std::string& path, const PluginKeys& plugin_keys,
                                          Diagnostics& diags) {
  auto root = load_yaml_file(path, diags);
  if (!root) return std::nullopt;
  return read_config(*root, plugin_keys, diags);
}

std::optional<Config> load_config_text_partial(const std::string& text, const std::string& name,
                                               const PluginKeys& plugin_keys, Diagnostics& diags) {
  auto root = load_yaml_text(text, name, diags);
  if (!root) return std::nullopt;
  return read_config(*root, plugin_keys, diags);
}

std::optional<Config> load_config(const std::string& path, const PluginKeys& plugin_keys,
                                  Diagnostics& diags) {
  std::size_t errors_before = diags.error_count();
  return complete_only(load_config_partial(path, plugin_keys, diags), errors_before, diags);
}

std::optional<Config> load_config_text(const std::string& text, const std::string& name,
                                       const PluginKeys& plugin_keys, Diagnostics& diags) {
  std::size_t errors_before = diags.error_count();
  return complete_only(load_config_text_partial(text, name, plugin_keys, diags), errors_before,
                       diags);
}

}  // namespace gh::config
