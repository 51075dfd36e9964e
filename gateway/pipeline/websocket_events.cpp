// The gateway side of WebSocket APIs (aws-behaviour.md §2): the $connect handshake decision,
// message route selection and its error frames, $disconnect, and the @connections management
// API. The socket side (Beast frames, queues, limits) is net/websocket_session.cpp.
#include <spdlog/spdlog.h>

#include "gateway/core/error_response.hpp"
#include "gateway/core/service_authorizer.hpp"
#include "gateway/core/services.hpp"
#include "gateway/core/websocket_connections.hpp"
#include "gateway/pipeline/gateway.hpp"
#include "gateway/util/encoding.hpp"
#include "gateway/util/ids.hpp"
#include "gateway/util/time_format.hpp"

namespace gh::pipeline {

namespace {

/// A connection id as AWS shapes them: 16 base64 characters ending in '=' ("R1kmxc2VNjMCFIA=");
/// the URL-safe alphabet, so the id needs no escaping in an @connections path.
std::string new_connection_id() { return util::short_request_id(); }

/// AWS's error frame for a message it could not route or run: {"message": "...",
/// "connectionId":"...", "requestId":"..."} [OBS aws-samples/simple-websockets-chat-app#24].
std::string error_frame(std::string_view message, const std::string& connection_id,
                        const std::string& request_id) {
  return "{\"message\": " + util::json_quote(message) +
         ", \"connectionId\":" + util::json_quote(connection_id) +
         ", \"requestId\":" + util::json_quote(request_id) + "}";
}

}  // namespace

bool Gateway::is_websocket_handshake(const Exchange& ex) const {
  const core::Request& req = ex.ctx.request;
  return ex.dispatch.websocket == Dispatch::WebSocket::kConnect && req.method == "GET" &&
         core::iequals(req.headers.get("Upgrade"), "websocket");
}

boost::asio::awaitable<core::Response> Gateway::websocket_connect(Exchange& ex,
                                                                  WebSocketSession& session) const {
  core::RequestContext& ctx = ex.ctx;
  session.connection_id = new_connection_id();
  session.connected_at_ms = util::epoch_millis(ctx.request_time);
  session.api_id = ctx.api->id;
  session.stage = ctx.stage->name;
  session.domain_name = ctx.domain_name;
  session.connection = ctx.request.connection;
  for (const auto& f : ctx.request.headers) {
    if (core::iequals(f.name, "Host") || core::iequals(f.name, "User-Agent") ||
        core::iequals(f.name, "x-api-key") || core::iequals(f.name, "X-Forwarded-For")) {
      session.connect_headers.add(f.name, f.value);
    }
  }
  // WebSocket events use the short id for requestId as well (aws-behaviour.md §2.2).
  ctx.request_id = ctx.extended_request_id;
  core::WebSocketEvent event;
  event.type = core::WebSocketEvent::Type::kConnect;
  event.connection_id = session.connection_id;
  event.connected_at = session.connected_at_ms;
  ctx.websocket = std::move(event);

  core::Response response;
  response.status = 200;  // no $connect route: the connection is simply accepted
  if (const RouteBinding* binding = ex.dispatch.binding()) {
    co_await run_route(ex, *binding, response);
  }
  session.identity = ctx.identity.kept();  // beyond this snapshot: see core::Identity
  co_return response;
}

bool Gateway::begin_websocket_event(Exchange& ex, SnapshotHandle& handle,
                                    const WebSocketSession& session) const {
  ex.installed = &refresh(handle);
  const Snapshot& snap = *ex.installed->snapshot;
  const CompiledApi* api = snap.api(session.api_id);
  const CompiledStage* stage = api ? api->stage(session.stage) : nullptr;
  if (!api || !stage || api->info.protocol != core::ApiProtocol::kWebSocket) {
    return false;  // the API or stage went away in a reload
  }
  core::RequestContext& ctx = ex.ctx;
  ctx.services = &services_;
  ctx.received = std::chrono::steady_clock::now();
  ctx.request_time = std::chrono::system_clock::now();
  ctx.extended_request_id = util::short_request_id();
  ctx.request_id = ctx.extended_request_id;
  ctx.request.connection = session.connection;
  ctx.identity = session.identity;
  ctx.domain_name = session.domain_name;
  ctx.api = &api->info;
  ctx.stage = &stage->info;
  ctx.path = "/";
  ex.dispatch.api = api;
  ex.dispatch.stage = stage;
  return true;
}

boost::asio::awaitable<std::optional<std::string>> Gateway::websocket_message(
    SnapshotHandle& handle, const WebSocketSession& session, std::string body) const {
  Exchange ex;
  if (!begin_websocket_event(ex, handle, session)) co_return std::nullopt;
  core::RequestContext& ctx = ex.ctx;
  const CompiledApi* api = ex.dispatch.api;
  const CompiledStage* stage = ex.dispatch.stage;
  ctx.request.body = std::move(body);

  // Route selection: the expression's value names the route; else $default (also for a body
  // that is not JSON); no $default: AWS's Forbidden error frame (aws-behaviour.md §2.1).
  std::size_t route = routing::RouteTable::npos;
  if (api->selection) {
    if (auto key = api->selection->evaluate(ctx.request.body)) route = api->ws_route(*key);
  }
  if (route == routing::RouteTable::npos) route = api->ws_route("$default");
  if (route == routing::RouteTable::npos) {
    ctx.status = 403;
    ctx.error_message = "Forbidden";
    complete(ex);
    co_return error_frame("Forbidden", session.connection_id, ctx.request_id);
  }
  ex.dispatch.route = route;
  ctx.route = &api->routes[route];
  core::WebSocketEvent event;
  event.type = core::WebSocketEvent::Type::kMessage;
  event.connection_id = session.connection_id;
  event.connected_at = session.connected_at_ms;
  event.message_id = util::short_request_id();
  ctx.websocket = std::move(event);

  core::Response response;
  co_await run_route(ex, stage->bindings[route], response);
  ctx.status = response.status;
  ctx.response_length = response.body.size();
  complete(ex);
  if (ctx.error_kind) {
    // Integration or throttling failures come back as an error frame, the connection stays.
    co_return error_frame(ctx.error_message, session.connection_id, ctx.request_id);
  }
  if (ctx.route->two_way && !response.body.empty()) co_return std::move(response.body);
  co_return std::nullopt;
}

boost::asio::awaitable<void> Gateway::websocket_disconnect(SnapshotHandle& handle,
                                                           const WebSocketSession& session,
                                                           int code, std::string reason) const {
  Exchange ex;
  if (!begin_websocket_event(ex, handle, session)) co_return;
  const CompiledApi* api = ex.dispatch.api;
  const CompiledStage* stage = ex.dispatch.stage;
  std::size_t route = api->ws_route("$disconnect");
  if (route == routing::RouteTable::npos) co_return;
  core::RequestContext& ctx = ex.ctx;
  ctx.request.headers = session.connect_headers;
  ctx.route = &api->routes[route];
  ex.dispatch.route = route;
  core::WebSocketEvent event;
  event.type = core::WebSocketEvent::Type::kDisconnect;
  event.connection_id = session.connection_id;
  event.connected_at = session.connected_at_ms;
  event.disconnect_status_code = code;
  event.disconnect_reason = std::move(reason);
  ctx.websocket = std::move(event);
  core::Response response;
  co_await run_route(ex, stage->bindings[route], response);
  ctx.status = response.status;
  complete(ex);
}

core::Response Gateway::manage_connection(Exchange& ex) const {
  const core::RequestContext& ctx = ex.ctx;
  std::string_view id =
      std::string_view(ctx.path).substr(std::string_view("/@connections/").size());
  return manage_connection(ex, ctx.api->id, ctx.stage->name, id);
}

bool Gateway::manage_connection_on_services(Exchange& ex, core::Response& response) const {
  // /{stage}/@connections/{id}: what SDK clients send when pointed at the services endpoint
  // (AWS_ENDPOINT_URL inside functions). The connection id names the API.
  std::string_view path = ex.ctx.request.path;
  constexpr std::string_view kMarker = "/@connections/";
  auto marker = path.find(kMarker);
  if (path.size() < 2 || marker == std::string_view::npos || marker == 0 ||
      path.substr(1, marker - 1).find('/') != std::string_view::npos) {
    return false;
  }
  std::string_view stage = path.substr(1, marker - 1);
  response = manage_connection(ex, {}, stage, path.substr(marker + kMarker.size()));
  return true;
}

core::Response Gateway::manage_connection(Exchange& ex, std::string_view api_id,
                                          std::string_view stage, std::string_view raw_id) const {
  core::RequestContext& ctx = ex.ctx;
  const core::Request& req = ctx.request;
  core::Response out;
  out.headers.add("Content-Type", "application/json");
  out.headers.add("x-amzn-RequestId", ctx.request_id);
  auto error = [&](int status, std::string_view type, std::string_view message) {
    out.status = status;
    out.headers.add("x-amzn-ErrorType", std::string(type));
    if (!message.empty()) out.body = "{\"message\":" + util::json_quote(message) + "}";
    return out;
  };
  std::string id = util::percent_decode(raw_id);
  if (id.empty() || id.find('/') != std::string::npos ||
      (req.method != "POST" && req.method != "GET" && req.method != "DELETE")) {
    return error(403, "ForbiddenException",
                 "No method found matching route " + std::string(stage) + "/@connections/" +
                     std::string(raw_id) + " for http method " + req.method + ".");
  }
  auto* registry = services_.find<core::WebSocketConnections>();
  auto connection = registry ? registry->find(id) : nullptr;
  if (connection &&
      ((!api_id.empty() && connection->api_id != api_id) || connection->stage != stage)) {
    connection = nullptr;
  }
  if (const core::ServiceAuthorizer* authorizer = ex.installed->snapshot->service_authorizer()) {
    // execute-api:ManageConnections on .../{apiId}/{stage}/{METHOD}/@connections/{id}
    // (aws-behaviour.md §4.6; a policy's ".../POST/@connections/*" covers it). On the services
    // endpoint the connection names the API; a gone one is only checked for its signature.
    const auto& aws = ex.installed->snapshot->config().aws;
    std::string api = !api_id.empty() ? std::string(api_id)
                      : connection    ? connection->api_id
                                      : std::string("*");
    core::ServiceAccess access{"execute-api", "execute-api:ManageConnections",
                               "arn:aws:execute-api:" + aws.region + ":" + aws.account_id + ":" +
                                   api + "/" + std::string(stage) + "/" + req.method +
                                   "/@connections/" + id};
    if (auto refused = authorizer->check(ctx, access)) {
      if (connection || refused->kind != core::ErrorKind::kAccessDenied) {
        ctx.error_kind = refused->kind;
        ctx.error_message = refused->message;
        core::Response denied = core::render_error(*refused, core::ApiProtocol::kRest);
        denied.headers.set("x-amzn-RequestId", ctx.request_id);
        return denied;
      }
    }
  }
  if (!connection) {
    // 410 with no parseable error body, as AWS answers it (aws-behaviour.md §2.4).
    return error(410, "GoneException", "");
  }
  if (req.method == "POST") {
    constexpr std::size_t kMaxMessage = 128 * 1024;
    if (req.body.size() > kMaxMessage) {
      return error(413, "PayloadTooLargeException", "Message too long");
    }
    switch (connection->send(req.body)) {
      case core::WebSocketConnection::SendResult::kQueued:
        out.status = 200;
        return out;
      case core::WebSocketConnection::SendResult::kGone:
        return error(410, "GoneException", "");
      case core::WebSocketConnection::SendResult::kQueueFull:
        return error(429, "LimitExceededException", "Client side buffer is full");
    }
  }
  if (req.method == "GET") {
    out.status = 200;
    auto at = [](std::int64_t ms) {
      return util::iso8601_millis(
          std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
    };
    out.body = "{\"connectedAt\":\"" + at(connection->connected_at_ms) +
               "\",\"identity\":{\"sourceIp\":" + util::json_quote(connection->source_ip) +
               ",\"userAgent\":" + util::json_quote(connection->user_agent) +
               "},\"lastActiveAt\":\"" + at(connection->last_active_ms.load()) + "\"}";
    return out;
  }
  connection->close(1000, "");
  out.status = 204;
  out.headers.erase("Content-Type");
  return out;
}

}  // namespace gh::pipeline
