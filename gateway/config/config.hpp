#pragma once
/// The config as plain structs. Produced by load_config() (loader.cpp) from YAML; consumed by the
/// snapshot compiler (pipeline/) and the server (server/). Plugin-owned subtrees (a route's
/// `integration`, top-level sections such as `upstreams`) stay as Nodes: their factories parse
/// them and report their own diagnostics.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gateway/config/yaml_reader.hpp"
#include "gateway/core/api_protocol.hpp"

namespace gh::config {

struct TlsConfig {
  std::string cert_file;
  std::string key_file;
};

/// What a listener serves: API traffic; the services endpoint (AWS service APIs, as
/// LocalStack's :4566 does); or the admin endpoints (/_gatehouse/health and /metrics) alone.
/// Without an admin listener, the services listener answers the admin endpoints too.
enum class ListenerRole { kApis, kServices, kAdmin };

struct ListenerConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 3000;  // 0 = pick a free port (tests)
  ListenerRole role = ListenerRole::kApis;
  std::optional<TlsConfig> tls;
  Location where;
};

/// Limits and deadlines for client connections. Defaults follow AWS where AWS has a number.
struct LimitsConfig {
  std::size_t max_header_bytes = 10240;           // request line + headers (AWS: 10,240 bytes)
  std::size_t max_body_bytes = 10 * 1024 * 1024;  // AWS payload quota: 10 MB
  std::size_t max_connections = 10000;
  std::chrono::milliseconds header_timeout{10000};  // first byte to end of headers (slowloris)
  std::chrono::milliseconds body_timeout{30000};    // reading the body
  std::chrono::milliseconds idle_timeout{60000};    // keep-alive connection with no request
  std::chrono::milliseconds drain_timeout{10000};   // graceful shutdown: in-flight requests
  // WebSocket connections (AWS's quotas, aws-behaviour.md §2.5).
  std::chrono::milliseconds websocket_idle_timeout{600000};   // 10 minutes
  std::chrono::milliseconds websocket_max_duration{7200000};  // 2 hours
  std::size_t websocket_max_message_bytes = 128 * 1024;       // 128 KB
  std::size_t websocket_max_frame_bytes = 32 * 1024;          // 32 KB
  std::size_t websocket_send_queue_bytes = 1024 * 1024;       // queued for a slow reader
};

struct ServerConfig {
  unsigned threads = 0;  // 0 = number of cores
  std::vector<ListenerConfig> listeners;
  LimitsConfig limits;
  bool watch_config = true;  // reload when the config file changes

  /// Whether a listener serves only the admin endpoints (then the services listener does not).
  bool has_admin_listener() const {
    for (const auto& l : listeners) {
      if (l.role == ListenerRole::kAdmin) return true;
    }
    return false;
  }
};

enum class LogFormat { kText, kJson };

struct AccessLogConfig {
  /// "stdout", "stderr", "off", or a file path.
  std::string destination = "stdout";
  /// A `$context.*` template; the presets "text" and "json" are resolved by the loader.
  std::string format;
};

struct LoggingConfig {
  std::string level = "info";  // trace, debug, info, warn, error, off
  LogFormat format = LogFormat::kText;
  AccessLogConfig access_log;
};

struct StageConfig {
  std::string name;
  std::vector<std::pair<std::string, std::string>> variables;  // sorted by name
  Node node;  // the stage's mapping, for plugin-owned keys
};

struct RouteConfig {
  std::string route_key;  // as written: "GET /pets/{id}", "$default", "$connect", "sendmessage"
  bool two_way = false;   // WEBSOCKET: routeResponseSelectionExpression is set
  Node node;              // the route's mapping
  Node integration;       // parsed by the integration's factory
  Location where;
};

struct ApiConfig {
  std::string id;
  std::string name;
  core::ApiProtocol protocol = core::ApiProtocol::kHttp;
  std::string base_path;  // "" or "/segment[/segment…]"
  /// REST APIs: content types (exact, `type/*` or `*/*`) handled as binary (AWS binaryMediaTypes).
  std::vector<std::string> binary_media_types;
  std::string route_selection_expression;  // WEBSOCKET only
  std::vector<StageConfig> stages;
  std::vector<RouteConfig> routes;
  Node node;  // the API's mapping, for plugin-owned keys
  Location where;
};

struct AwsConfig {
  std::string region = "us-east-1";
  std::string account_id = "000000000000";
};

struct Config {
  std::string source_file;
  AwsConfig aws;
  ServerConfig server;
  LoggingConfig logging;
  std::vector<ApiConfig> apis;
  Node root;  // whole document, for plugin-owned top-level sections
};

/// Keys that plugins own, so the strict loader accepts them where they appear.
struct PluginKeys {
  std::vector<std::string> top_level;
  std::vector<std::string> api;
  std::vector<std::string> stage;
  std::vector<std::string> route;
};

/// Loads and checks the structure of a config file. Returns nullopt if any error was found;
/// every error is in `diags`. Plugin subtrees are checked later by the snapshot compiler.
std::optional<Config> load_config(const std::string& path, const PluginKeys& plugin_keys,
                                  Diagnostics& diags);
/// Same from YAML text (tests; `name` appears in diagnostics).
std::optional<Config> load_config_text(const std::string& text, const std::string& name,
                                       const PluginKeys& plugin_keys, Diagnostics& diags);

/// Like load_config(), but returns what could be read even when there were errors (nullopt only
/// when the file is not a YAML mapping), so the snapshot compiler can still check the plugins'
/// subtrees and every problem is reported at once. APIs with structural errors of their own,
/// and the later of two APIs sharing an id or base path, are left out. A config read with
/// errors (see `diags`) must never be served.
std::optional<Config> load_config_partial(const std::string& path, const PluginKeys& plugin_keys,
                                          Diagnostics& diags);
std::optional<Config> load_config_text_partial(const std::string& text, const std::string& name,
                                               const PluginKeys& plugin_keys, Diagnostics& diags);

/// The access-log templates behind the presets "text" and "json".
extern const char* const kAccessLogTextFormat;
extern const char* const kAccessLogJsonFormat;

}  // namespace gh::config
