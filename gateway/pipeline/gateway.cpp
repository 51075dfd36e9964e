#include "gateway/pipeline/gateway.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <variant>

#include "gateway/core/error_response.hpp"
#include "gateway/core/integration.hpp"
#include "gateway/core/middleware.hpp"
#include "gateway/core/services.hpp"
#include "gateway/pipeline/response_headers.hpp"
#include "gateway/sigv4/verify.hpp"
#include "gateway/util/ids.hpp"

namespace gh::pipeline {

namespace {

std::string json_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

}  // namespace

Gateway::Gateway(core::Services& services, Metrics& metrics)
    : services_(services), metrics_(metrics) {}

void Gateway::install(Installed installed) {
  auto fresh = std::make_shared<const Installed>(std::move(installed));
  {
    std::lock_guard lock(mutex_);
    installed_ = fresh;
    generation_.fetch_add(1, std::memory_order_release);
  }
  // After the swap: a plugin reconciling its services (Lambda pools) sees the new config
  // serving requests, so nothing is started for a config that never goes live.
  fresh->snapshot->activate();
}

std::shared_ptr<const Installed> Gateway::installed() const {
  std::lock_guard lock(mutex_);
  return installed_;
}

const Installed& Gateway::refresh(SnapshotHandle& handle) const {
  std::uint64_t generation = generation_.load(std::memory_order_acquire);
  if (!handle.installed || handle.generation != generation) {
    std::lock_guard lock(mutex_);
    handle.installed = installed_;
    handle.generation = generation_.load(std::memory_order_relaxed);
  }
  return *handle.installed;
}

void Gateway::begin(Exchange& ex, SnapshotHandle& handle) const {
  // The connection refreshed `handle` before reading this request and holds references into
  // that snapshot (its limits) until the request is done: use it, do not refresh again here.
  ex.installed = handle.installed ? handle.installed.get() : &refresh(handle);
  core::RequestContext& ctx = ex.ctx;
  ctx.services = &services_;
  ctx.received = std::chrono::steady_clock::now();
  ctx.request_time = std::chrono::system_clock::now();
  ctx.identity.source_ip = ctx.request.connection.source_ip;
  ctx.identity.user_agent = ctx.request.headers.get("User-Agent");
  if (ex.role == config::ListenerRole::kApis) {
    ex.dispatch = dispatch(*ex.installed->snapshot, ctx);
  }
  // REST: a UUID request id plus a short extended id; HTTP APIs use the short form for both.
  ctx.extended_request_id = util::short_request_id();
  // AWS service APIs on the services endpoint answer with UUID request ids, like REST APIs.
  bool uuid = ex.role == config::ListenerRole::kServices ||
              ex.dispatch.protocol() == core::ApiProtocol::kRest;
  ctx.request_id = uuid ? util::uuid_v4() : ctx.extended_request_id;
}

core::GatewayError Gateway::no_route_error(const Exchange& ex) const {
  // A REST API reads an Authorization header before it looks for the resource: a header that
  // is not SigV4 answers IncompleteSignatureException even on a miss (aws-behaviour.md §3.3).
  const core::Request& req = ex.ctx.request;
  // An HTTP API answers a path it cannot decode with 400 (routing/request_path.hpp). The body
  // is not in the captures; {"message":"Bad Request"} is the HTTP API form of a 400.
  if (ex.dispatch.undecodable_path) return core::GatewayError::of(core::ErrorKind::kBadRequest);
  if (ex.dispatch.protocol() == core::ApiProtocol::kRest) {
    if (const std::string* authorization = req.headers.find("Authorization")) {
      std::vector<sigv4::HeaderView> headers;
      for (const auto& f : req.headers) headers.push_back({f.name, f.value});
      if (auto message = sigv4::incomplete_authorization(*authorization, headers)) {
        return core::GatewayError::of(core::ErrorKind::kIncompleteSignature, std::move(*message));
      }
    }
  }
  return core::GatewayError::of(core::ErrorKind::kNoRoute);
}

core::Response Gateway::error_response(Exchange& ex, core::GatewayError error) const {
  core::ApiProtocol protocol = ex.dispatch.protocol();
  ex.ctx.error_kind = error.kind;
  ex.ctx.error_message = error.message.empty()
                             ? std::string(core::default_error_message(error.kind, protocol))
                             : error.message;
  return core::render_error(error, protocol);
}

core::BodySink* Gateway::stream_body(Exchange& ex, std::uint64_t& whole_limit) const {
  if (ex.role != config::ListenerRole::kServices) return nullptr;
  const Snapshot& snap = *ex.installed->snapshot;
  ex.ctx.service_authorizer = snap.service_authorizer();
  for (const auto& api : snap.service_apis()) {
    if (!api->claims(ex.ctx.request)) continue;
    try {
      ex.ctx.body_sink = api->stream_body(ex.ctx);
    } catch (const std::exception& e) {
      // handle() answers the request then, from a whole body.
      spdlog::error("request {}: the {} service API could not take the body as a stream: {}",
                    ex.ctx.request_id, api->name(), e.what());
      ex.ctx.body_sink.reset();
    }
    if (!ex.ctx.body_sink) {
      whole_limit = api->whole_body_limit(static_cast<std::size_t>(whole_limit));
    }
    break;
  }
  return ex.ctx.body_sink.get();
}

core::Response Gateway::reject(Exchange& ex, core::GatewayError error) const {
  if (ex.role == config::ListenerRole::kServices &&
      error.kind == core::ErrorKind::kRequestTooLarge) {
    // A service API may word it its own way (S3's EntityTooLarge XML).
    const Snapshot& snap = *ex.installed->snapshot;
    for (const auto& api : snap.service_apis()) {
      if (!api->claims(ex.ctx.request)) continue;
      const std::uint64_t limit =
          ex.body_limit ? ex.body_limit : snap.config().server.limits.max_body_bytes;
      if (auto answer = api->too_large(ex.ctx.request, static_cast<std::size_t>(limit))) {
        ex.ctx.error_kind = error.kind;
        ex.ctx.error_message = error.message;
        return std::move(*answer);
      }
      break;
    }
  }
  // Oversized requests are refused in front of API Gateway proper (CloudFront/the load
  // balancer): plain text without request-id headers (docs/aws-notes-core.md §4).
  bool front_door = error.kind == core::ErrorKind::kRequestTooLarge ||
                    error.kind == core::ErrorKind::kHeadersTooLarge;
  core::Response response = error_response(ex, std::move(error));
  if (!front_door) decorate(ex, response);
  return response;
}

void Gateway::decorate(Exchange& ex, core::Response& response) const {
  if (ex.role == config::ListenerRole::kServices) return;
  if (ex.dispatch.protocol() == core::ApiProtocol::kRest) {
    response.headers.set("x-amzn-RequestId", ex.ctx.request_id);
    response.headers.set("x-amz-apigw-id", ex.ctx.extended_request_id);
    // API Gateway adds a Content-Type when the integration gave none (aws-behaviour.md §1.4).
    if (!response.headers.contains("Content-Type")) {
      response.headers.add("Content-Type", "application/json");
    }
  } else {
    response.headers.set("apigw-requestid", ex.ctx.request_id);
  }
}

boost::asio::awaitable<void> Gateway::run_services(Exchange& ex, core::Response& response) const {
  // Response-sized locals stay out of this frame (see run() below): the connection management
  // answer and the 500 are built by plain functions.
  if (manage_connection_on_services(ex, response)) co_return;
  ex.ctx.service_authorizer = ex.installed->snapshot->service_authorizer();
  for (const auto& api : ex.installed->snapshot->service_apis()) {
    if (!api->claims(ex.ctx.request)) continue;
    try {
      co_await api->handle(ex.ctx, response);
    } catch (const std::exception& e) {
      service_failed(ex, api->name(), e, response);
    }
    co_return;
  }
  response = admin_response(ex);
}

void Gateway::service_failed(Exchange& ex, std::string_view api, const std::exception& e,
                             core::Response& response) const {
  spdlog::error("request {}: unexpected error in the {} service API: {}", ex.ctx.request_id, api,
                e.what());
  core::Response failed;
  failed.status = 500;
  failed.headers.add("Content-Type", "application/json");
  failed.headers.add("x-amzn-RequestId", ex.ctx.request_id);
  failed.body = "{\"Type\":\"Service\",\"message\":\"Internal error\"}";
  failed.headers.add("x-amzn-ErrorType", "ServiceException");
  response = std::move(failed);
}

// Each coroutine's locals live in its heap frame, and Asio recycles frames only up to 1020
// bytes (thread_info_base: 255 chunks of 4): a larger one costs an aligned_alloc and a free per
// call, which glibc serves from its slow path (~600 instructions a pair, three per proxied
// request before). So run() and run_route() keep the API path's frames small: the services
// endpoint and asynchronous middleware, each with a Response-sized local, have frames of
// their own.
boost::asio::awaitable<void> Gateway::run(Exchange& ex, core::Response& response) const {
  if (ex.role == config::ListenerRole::kServices) {
    co_await run_services(ex, response);
    co_return;
  }
  if (ex.role == config::ListenerRole::kAdmin) {
    response = admin_response(ex);
    co_return;
  }

  if (ex.dispatch.websocket == Dispatch::WebSocket::kManagement) {
    response = manage_connection(ex);
    decorate(ex, response);
    co_return;
  }
  const RouteBinding* binding = ex.dispatch.binding();
  if (!binding || ex.dispatch.websocket == Dispatch::WebSocket::kConnect) {
    // (A plain request to a WebSocket API's stage, without the upgrade, matches nothing.)
    response = reject(ex, no_route_error(ex));
    co_return;
  }
  co_await run_route(ex, *binding, response);
  decorate(ex, response);
}

bool Gateway::run_now(Exchange& ex, core::Response& response) const {
  if (ex.role != config::ListenerRole::kApis ||
      ex.dispatch.websocket == Dispatch::WebSocket::kManagement) {
    return false;
  }
  const RouteBinding* binding = ex.dispatch.binding();
  if (!binding || ex.dispatch.websocket == Dispatch::WebSocket::kConnect) {
    response = reject(ex, no_route_error(ex));
    return true;
  }
  if (!binding->synchronous) return false;
  run_route_now(ex, *binding, response);
  decorate(ex, response);
  return true;
}

bool Gateway::answered_by(Exchange& ex, core::Step step, core::Response& response) const {
  if (auto* r = std::get_if<core::Response>(&step)) {
    response = std::move(*r);
    return true;
  }
  if (auto* e = std::get_if<core::GatewayError>(&step)) {
    response = error_response(ex, std::move(*e));
    return true;
  }
  return false;
}

void Gateway::take_integration_result(Exchange& ex, core::IntegrationResult&& result,
                                      std::chrono::steady_clock::time_point start,
                                      core::Response& response) const {
  ex.ctx.integration_latency = std::chrono::steady_clock::now() - start;
  if (auto* r = std::get_if<core::Response>(&result)) {
    if (ex.ctx.integration_status < 0) ex.ctx.integration_status = r->status;
    normalize_integration_headers(ex.dispatch.protocol(), r->headers);
    response = std::move(*r);
  } else {
    response = error_response(ex, std::move(std::get<core::GatewayError>(result)));
  }
}

void Gateway::after_route(Exchange& ex, const RouteBinding& binding,
                          core::Response& response) const {
  for (auto it = binding.middleware.rbegin(); it != binding.middleware.rend(); ++it) {
    (*it)->on_response(ex.ctx, response);
  }
}

core::Response Gateway::route_failed(Exchange& ex, const std::exception& e) const {
  spdlog::error("request {}: unexpected error in route \"{}\": {}", ex.ctx.request_id,
                ex.ctx.route ? ex.ctx.route->route_key : "-", e.what());
  return error_response(ex, core::GatewayError::of(core::ErrorKind::kInternal));
}

boost::asio::awaitable<void> Gateway::run_route(Exchange& ex, const RouteBinding& binding,
                                                core::Response& response) const {
  core::RequestContext& ctx = ex.ctx;
  response = core::Response{};
  try {
    bool answered = false;
    for (const auto& mw : binding.middleware) {
      // (No co_await inside ?: or a call's arguments: GCC 12 miscompiles the temporaries.)
      if (const core::SyncMiddleware* sync = mw->synchronous()) {
        answered = answered_by(ex, sync->check(ctx), response);
      } else {
        answered = co_await run_middleware(ex, *mw, response);
      }
      if (answered) break;
    }
    if (!answered && binding.integration) {
      auto start = std::chrono::steady_clock::now();
      core::IntegrationResult result = co_await binding.integration->invoke(ctx);
      take_integration_result(ex, std::move(result), start, response);
    }
    after_route(ex, binding, response);
  } catch (const std::exception& e) {
    response = route_failed(ex, e);
  }
}

boost::asio::awaitable<bool> Gateway::run_middleware(Exchange& ex, const core::Middleware& mw,
                                                     core::Response& response) const {
  core::Step step = co_await mw.handle(ex.ctx);
  co_return answered_by(ex, std::move(step), response);
}

void Gateway::run_route_now(Exchange& ex, const RouteBinding& binding,
                            core::Response& response) const {
  try {
    bool answered = false;
    for (const auto& mw : binding.middleware) {
      answered = answered_by(ex, mw->synchronous()->check(ex.ctx), response);
      if (answered) break;
    }
    if (!answered && binding.integration) {
      auto start = std::chrono::steady_clock::now();
      take_integration_result(ex, binding.integration->synchronous()->answer(ex.ctx), start,
                              response);
    }
    after_route(ex, binding, response);
  } catch (const std::exception& e) {
    response = route_failed(ex, e);
  }
}

core::Response Gateway::admin_response(Exchange& ex) const {
  const core::Request& req = ex.ctx.request;
  core::Response response;
  // With an admin listener of its own, the services listener does not answer these.
  const bool here = ex.role == config::ListenerRole::kAdmin ||
                    !ex.installed->snapshot->config().server.has_admin_listener();
  if (here && req.path == "/_gatehouse/health" && (req.method == "GET" || req.method == "HEAD")) {
    bool draining = draining_.load();
    const Snapshot& snap = *ex.installed->snapshot;
    double uptime =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    response.status = draining ? 503 : 200;
    response.headers.add("Content-Type", "application/json");
    response.body =
        std::string("{\"status\":\"") + (draining ? "draining" : "ok") +
        "\",\"version\":\"" GATEHOUSE_VERSION "\",\"apis\":" + std::to_string(snap.apis().size()) +
        ",\"openConnections\":" + std::to_string(metrics_.open_connections()) +
        ",\"uptimeSeconds\":" + json_number(uptime) + "}";
    return response;
  }
  if (here && req.path == "/_gatehouse/metrics" && (req.method == "GET" || req.method == "HEAD")) {
    response.headers.add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    response.body = metrics_.render_prometheus();
    return response;
  }
  response.status = 404;
  response.headers.add("Content-Type", "application/json");
  response.body = "{\"message\":\"Not Found\"}";
  return response;
}

void Gateway::complete(Exchange& ex) const {
  if (ex.role != config::ListenerRole::kApis) return;
  core::RequestContext& ctx = ex.ctx;
  auto latency = std::chrono::steady_clock::now() - ctx.received;
  const Snapshot& snap = *ex.installed->snapshot;
  RouteMetrics* cell = snap.unknown_api_metrics();
  if (const RouteBinding* b = ex.dispatch.binding()) {
    cell = b->metrics;
  } else if (ex.dispatch.api) {
    cell = ex.dispatch.api->unmatched_metrics;
  }
  if (cell) {
    cell->record(ctx.status, latency,
                 ctx.integration_latency ? &*ctx.integration_latency : nullptr);
  }
  AccessLog* log = ex.installed->access_log.get();
  if (log && log->enabled()) {
    thread_local std::string line;
    line.clear();
    snap.access_log_format().render(ctx, line, "-", snap.access_log_json());
    log->write(line);
  }
}

}  // namespace gh::pipeline
