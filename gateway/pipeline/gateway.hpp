#pragma once
/// Gateway: what a connection calls for every request. It owns the installed snapshot (swapped
/// atomically on reload), picks API/stage/route, runs the phases and the integration, renders
/// errors, adds AWS's response headers, and records metrics and the access log.
///
/// All methods are thread-safe and never block; run() is a coroutine on the connection's
/// executor. A connection caches the installed snapshot in a SnapshotHandle and refreshes it
/// between requests, so the hot path takes no lock and touches no shared reference count.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "gateway/config/config.hpp"
#include "gateway/core/request_context.hpp"
#include "gateway/core/response.hpp"
#include "gateway/pipeline/access_log.hpp"
#include "gateway/pipeline/dispatch.hpp"
#include "gateway/pipeline/metrics.hpp"
#include "gateway/pipeline/snapshot.hpp"

namespace gh::core {
class Services;
}

namespace gh::pipeline {

/// What is installed: a compiled config and the access-log sink it names.
struct Installed {
  std::shared_ptr<const Snapshot> snapshot;
  std::shared_ptr<AccessLog> access_log;
};

/// A connection's cached view of the installed config.
struct SnapshotHandle {
  std::shared_ptr<const Installed> installed;
  std::uint64_t generation = 0;
};

/// One request's state between the connection and the gateway.
struct Exchange {
  core::RequestContext ctx;
  config::ListenerRole role = config::ListenerRole::kApis;
  const Installed* installed = nullptr;
  Dispatch dispatch;
  /// The limit the request's body was held to: maxBodyBytes, or a streaming sink's.
  std::uint64_t body_limit = 0;

  const config::LimitsConfig& limits() const { return installed->snapshot->config().server.limits; }
};

/// What a WebSocket connection keeps from its handshake for the events that follow.
struct WebSocketSession {
  std::string connection_id;
  std::int64_t connected_at_ms = 0;
  std::string api_id;
  std::string stage;
  std::string domain_name;
  core::ConnectionInfo connection;
  core::HeaderMap connect_headers;  // what DISCONNECT events show (Host, User-Agent, x-api-key)
  core::Identity identity;          // as $connect's auth left it
};

class Gateway {
 public:
  Gateway(core::Services& services, Metrics& metrics);

  /// Makes `installed` the config for every request that starts from now on.
  void install(Installed installed);
  /// The installed config (for the server: listeners, limits, reload comparison).
  std::shared_ptr<const Installed> installed() const;
  /// Brings a connection's handle up to date (cheap when nothing changed).
  const Installed& refresh(SnapshotHandle& handle) const;

  /// After the request head was read: ids, timestamps, API/stage/route. ex.ctx.request must
  /// hold method, target, headers and connection info; the body is read afterwards. Uses the
  /// snapshot `handle` already holds (refreshed by the caller before the request).
  void begin(Exchange& ex, SnapshotHandle& handle) const;
  /// Services listener, after begin() and before the body: the claiming service API's sink for
  /// the body (ServiceApi::stream_body), kept in ex.ctx.body_sink; nullptr to read it whole.
  /// Without a sink, `whole_limit` is set to the body limit of the claiming API
  /// (ServiceApi::whole_body_limit); unchanged when no API claims the request.
  core::BodySink* stream_body(Exchange& ex, std::uint64_t& whole_limit) const;
  /// The response for a request refused before its body was read (too large, bad framing).
  core::Response reject(Exchange& ex, core::GatewayError error) const;
  /// Runs the request: services endpoint, or phases and integration. Never throws.
  /// The answer goes into `response` (no moves through coroutine frames).
  boost::asio::awaitable<void> run(Exchange& ex, core::Response& response) const;
  /// Answers the request into `response` when that needs no waiting: a miss, or a route whose
  /// middleware and integration are all synchronous (RouteBinding::synchronous: mock behind
  /// IAM, throttling, API keys). Otherwise false, and run() answers it. Saves the coroutine
  /// frames of run(), run_route() and invoke(), three heap allocations per request.
  bool run_now(Exchange& ex, core::Response& response) const;
  /// After the response was written, or the client went away: metrics and access log.
  void complete(Exchange& ex) const;

  // WebSocket APIs (pipeline/websocket_events.cpp). Coroutines on the connection's executor.

  /// The request is a WebSocket handshake for a WEBSOCKET API's stage.
  bool is_websocket_handshake(const Exchange& ex) const;
  /// Runs $connect (its middleware and integration, if the route exists) and fills `session`.
  /// A 2xx answer accepts the handshake (its headers join the 101); anything else is sent to
  /// the client instead, as AWS refuses a handshake.
  boost::asio::awaitable<core::Response> websocket_connect(Exchange& ex,
                                                           WebSocketSession& session) const;
  /// One text message: route selection, the route's integration. Returns the frame to send
  /// back (a two-way route's answer, or AWS's error frame), if any.
  boost::asio::awaitable<std::optional<std::string>> websocket_message(
      SnapshotHandle& handle, const WebSocketSession& session, std::string body) const;
  /// $disconnect, best-effort, after the connection closed with `code`.
  boost::asio::awaitable<void> websocket_disconnect(SnapshotHandle& handle,
                                                    const WebSocketSession& session, int code,
                                                    std::string reason) const;

  /// Draining: health answers 503 so load balancers stop sending traffic.
  void set_draining(bool draining) noexcept { draining_.store(draining); }
  Metrics& metrics() const noexcept { return metrics_; }

 private:
  /// The answer to a request no route matched (REST: Missing Authentication Token, or an
  /// IncompleteSignature for a malformed Authorization header; HTTP APIs: Not Found, or Bad
  /// Request for a path that does not decode).
  core::GatewayError no_route_error(const Exchange& ex) const;
  core::Response error_response(Exchange& ex, core::GatewayError error) const;
  /// An exchange for a WebSocket event after the handshake (message, $disconnect): ids, times,
  /// the session's API, stage and identity in the installed config; false when a reload removed
  /// them.
  bool begin_websocket_event(Exchange& ex, SnapshotHandle& handle,
                             const WebSocketSession& session) const;
  /// The route's phases and integration (or 200 with no body when it has none), into `response`.
  boost::asio::awaitable<void> run_route(Exchange& ex, const RouteBinding& binding,
                                         core::Response& response) const;
  /// An asynchronous middleware's turn in run_route: true (and `response` set) when it answered.
  boost::asio::awaitable<bool> run_middleware(Exchange& ex, const core::Middleware& mw,
                                              core::Response& response) const;
  /// run() for the services endpoint (Lambda Invoke, DynamoDB, S3 and the other service APIs).
  boost::asio::awaitable<void> run_services(Exchange& ex, core::Response& response) const;
  /// run_route for a synchronous binding, in place.
  void run_route_now(Exchange& ex, const RouteBinding& binding, core::Response& response) const;
  // The pieces both share.
  /// A middleware's verdict: true (and `response` set) when it answered the request.
  bool answered_by(Exchange& ex, core::Step step, core::Response& response) const;
  void take_integration_result(Exchange& ex, core::IntegrationResult&& result,
                               std::chrono::steady_clock::time_point start,
                               core::Response& response) const;
  void after_route(Exchange& ex, const RouteBinding& binding, core::Response& response) const;
  core::Response route_failed(Exchange& ex, const std::exception& e) const;
  /// POST/GET/DELETE /{stage}/@connections/{id} (aws-behaviour.md §2.4), on the API's own
  /// host/path.
  core::Response manage_connection(Exchange& ex) const;
  /// On the services endpoint: true (and `response` set) when the path is one.
  bool manage_connection_on_services(Exchange& ex, core::Response& response) const;
  /// With `iam.enforce`, SigV4 and execute-api:ManageConnections are checked first.
  core::Response manage_connection(Exchange& ex, std::string_view api_id, std::string_view stage,
                                   std::string_view raw_id) const;
  void decorate(Exchange& ex, core::Response& response) const;
  /// /_gatehouse/health and /_gatehouse/metrics (on the admin listener, or on the services
  /// listener when there is none), else 404.
  core::Response admin_response(Exchange& ex) const;
  /// A service API threw: AWS's 500, named in the log.
  void service_failed(Exchange& ex, std::string_view api, const std::exception& e,
                      core::Response& response) const;

  core::Services& services_;
  Metrics& metrics_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Installed> installed_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<bool> draining_{false};
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace gh::pipeline
