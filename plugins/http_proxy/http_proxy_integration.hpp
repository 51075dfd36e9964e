#pragma once
/// `type: http_proxy` (AWS HTTP_PROXY): forwards the client's request to an HTTP(S) backend and
/// returns the backend's response as it came (the pipeline then remaps headers per API type).
///
///   upstreams:                          # optional top-level section owned by this plugin
///     backend:
///       url: http://127.0.0.1:8080      # scheme://host[:port][/base]
///       tls: {verify: true, caFile: /path/ca.pem}
///       maxIdleConnections: 64
///       idleTimeoutMillis: 60000
///   ...
///   integration:
///     type: http_proxy
///     uri: "http://127.0.0.1:8080/pets/{proxy}"   # a full URI, or:
///     # upstream: backend                         # a named upstream plus an optional path
///     # path: /pets/{proxy}
///     httpMethod: ANY                              # ANY = the client's method (POST on
///                                                  # WebSocket routes: the message is the body)
///     timeoutInMillis: 29000                       # default 29000 (REST) / 30000 (HTTP API)
///
/// `{name}` in uri/path is a path parameter of the route; `${stageVariables.name}` is replaced
/// per stage when the snapshot is compiled. The factory runs at compile time (one thread, no
/// sockets); invoke() runs on the connection's executor and never blocks: the upstream call is
/// net::HttpClient::send() with the integration timeout as its deadline. Integrations are
/// immutable and share their HttpClient (and, through it, the per-thread connection pool).

#include <memory>

#include "gateway/core/integration.hpp"

namespace gh::plugins::http_proxy {

std::unique_ptr<core::IntegrationFactory> make_factory();

}  // namespace gh::plugins::http_proxy
