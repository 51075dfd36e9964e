#pragma once
/// Dispatch: which API, stage and route a request is for. Runs right after the request head is
/// read (before the body), on the connection's executor; pure lookups, never blocks.
///
/// The API is chosen by Host (`{apiId}.execute-api.<anything>`, as AWS and LocalStack name
/// them), else by the longest configured base path, else the one API without a base path. REST
/// APIs take the stage from the first path segment (`/dev/pets/1`); HTTP APIs too when it names
/// a declared stage, and otherwise serve their `$default` stage at `/`.

#include <cstddef>

#include "gateway/core/request_context.hpp"
#include "gateway/pipeline/snapshot.hpp"

namespace gh::pipeline {

struct Dispatch {
  /// WEBSOCKET APIs: what the request is for (the stage root is the handshake; `@connections`
  /// the management API).
  enum class WebSocket { kNone, kConnect, kManagement };

  const CompiledApi* api = nullptr;
  WebSocket websocket = WebSocket::kNone;
  const CompiledStage* stage = nullptr;
  std::size_t route = routing::RouteTable::npos;
  /// An HTTP API request whose path does not decode (routing/request_path.hpp): 400 Bad Request
  /// rather than a miss. No stage or route is chosen.
  bool undecodable_path = false;

  bool matched() const noexcept { return api && stage && route != routing::RouteTable::npos; }
  /// How errors for this request are rendered (HTTP API style when no API was found).
  core::ApiProtocol protocol() const noexcept {
    return api ? api->info.protocol : core::ApiProtocol::kHttp;
  }
  const RouteBinding* binding() const noexcept {
    return matched() ? &stage->bindings[route] : nullptr;
  }
};

/// Fills ctx.api, ctx.stage, ctx.route, ctx.path, ctx.path_params, ctx.domain_name and, for an
/// HTTP API request with escapes in its path, ctx.decoded_request_path. HTTP APIs route on the
/// decoded path, so their ctx.path and ctx.path_params are decoded; REST APIs keep them raw.
Dispatch dispatch(const Snapshot& snapshot, core::RequestContext& ctx);

}  // namespace gh::pipeline
