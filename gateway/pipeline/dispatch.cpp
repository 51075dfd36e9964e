#include "gateway/pipeline/dispatch.hpp"

#include "gateway/routing/request_path.hpp"

namespace gh::pipeline {

namespace {

std::string_view host_without_port(std::string_view host) {
  if (!host.empty() && host.front() == '[') {  // [::1]:3000
    auto close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(0, close + 1);
  }
  auto colon = host.rfind(':');
  return colon == std::string_view::npos ? host : host.substr(0, colon);
}

const CompiledApi* api_by_host(const Snapshot& snapshot, std::string_view host) {
  static constexpr std::string_view kMarker = ".execute-api.";
  std::string lower = core::to_lower(host);
  auto marker = lower.find(kMarker);
  if (marker == std::string::npos || marker == 0) return nullptr;
  std::string_view id = std::string_view(lower).substr(0, marker);
  if (id.find('.') != std::string_view::npos) return nullptr;
  return snapshot.api(id);
}

bool is_execute_api_host(std::string_view host) {
  return core::to_lower(host).find(".execute-api.") != std::string::npos;
}

// The first path segment and the rest. With `lenient`, leading and repeated slashes are
// skipped (REST collapses "/stage//x" to "/x").
std::pair<std::string_view, std::string_view> first_segment(std::string_view path, bool lenient) {
  std::size_t start = 1;
  if (lenient) {
    while (start < path.size() && path[start] == '/') ++start;
  }
  std::size_t end = path.find('/', start);
  if (end == std::string_view::npos) return {path.substr(start), std::string_view()};
  std::string_view rest = path.substr(end);
  if (lenient) {
    while (rest.size() > 1 && rest[1] == '/') rest.remove_prefix(1);
  }
  return {path.substr(start, end - start), rest};
}

}  // namespace

Dispatch dispatch(const Snapshot& snapshot, core::RequestContext& ctx) {
  Dispatch d;
  std::string_view host = host_without_port(ctx.request.headers.get("Host"));
  ctx.domain_name.assign(host);

  std::string_view path = ctx.request.path;
  std::size_t base_path_length = 0;
  if (is_execute_api_host(host)) {
    d.api = api_by_host(snapshot, host);
  } else {
    std::size_t best = 0;
    for (const auto& api : snapshot.apis()) {
      const std::string& base = api->base_path;
      if (base.empty() || base.size() <= best || !path.starts_with(base)) continue;
      if (path.size() != base.size() && path[base.size()] != '/') continue;
      d.api = api.get();
      best = base.size();
    }
    if (d.api) {
      path.remove_prefix(best);
      base_path_length = best;
    } else {
      d.api = snapshot.sole_root_api();
    }
  }
  if (!d.api) return d;
  ctx.api = &d.api->info;

  bool rest = d.api->info.protocol == core::ApiProtocol::kRest;
  bool websocket = d.api->info.protocol == core::ApiProtocol::kWebSocket;
  if (!rest && !websocket && path.find('%') != std::string_view::npos) {
    // HTTP APIs pick the stage and route on the decoded path (without a '%' it is the path as
    // sent). The base path is Gatehouse's own prefix: matched as sent, kept as sent.
    std::optional<std::string> decoded = routing::decode_http_api_path(path);
    if (!decoded) {
      d.undecodable_path = true;
      return d;
    }
    ctx.decoded_request_path.reserve(base_path_length + decoded->size());
    ctx.decoded_request_path.assign(ctx.request.path, 0, base_path_length);
    ctx.decoded_request_path += *decoded;
    path = std::string_view(ctx.decoded_request_path).substr(base_path_length);
  }
  auto [segment, remainder] = first_segment(path.empty() ? std::string_view("/") : path, rest);
  const CompiledStage* named =
      segment.empty() || segment == "$default" ? nullptr : d.api->stage(segment);
  if (named) {
    d.stage = named;
    path = remainder.empty() ? std::string_view("/") : remainder;
  } else if (!rest && !websocket && d.api->default_stage) {
    d.stage = d.api->default_stage;
    if (path.empty()) path = "/";
  } else {
    return d;
  }
  ctx.stage = &d.stage->info;
  ctx.path.assign(path);

  if (websocket) {
    // wss://host/{stage} is the handshake ($connect); /{stage}/@connections/{id} the
    // management API (aws-behaviour.md §2.1, §2.4).
    if (ctx.path == "/") {
      d.websocket = Dispatch::WebSocket::kConnect;
      d.route = d.api->ws_route("$connect");
      if (d.route != routing::RouteTable::npos) ctx.route = &d.api->routes[d.route];
    } else if (ctx.path.starts_with("/@connections/")) {
      d.websocket = Dispatch::WebSocket::kManagement;
    }
    return d;
  }

  d.route = d.api->table.match(ctx.request.method, ctx.path, &ctx.path_params);
  if (d.route != routing::RouteTable::npos) ctx.route = &d.api->routes[d.route];
  return d;
}

}  // namespace gh::pipeline
