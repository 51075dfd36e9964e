#pragma once
/// RequestContext: one per request, passed by reference through every phase and the integration.
/// Owned by the connection's coroutine; only touched from that connection's executor.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/api_info.hpp"
#include "gateway/core/body_stream.hpp"
#include "gateway/core/gateway_error.hpp"
#include "gateway/core/request.hpp"

namespace gh::core {

class ServiceAuthorizer;

class Services;

/// Who is calling: `$context.identity.*`. Empty strings are AWS's nulls. Auth phases fill it.
struct Identity {
  std::string source_ip;
  std::string user_agent;
  // The AWS_IAM signer's fields: views of the credential store's own strings, so a signed
  // request copies none of them. Set them only from storage that `signer_owner` owns, or from
  // literals.
  std::string_view access_key;
  std::string_view account_id;
  std::string_view caller;
  std::string_view user;
  std::string_view user_arn;
  // What keeps those views valid. While the request runs, the config snapshot it runs in holds
  // the store, so the identity only points at the snapshot's own reference (`signer_owner`):
  // no reference count is touched per request (two atomic operations on a line all threads
  // share). An identity kept after its request (a WebSocket connection keeps its $connect
  // identity across config reloads) must be kept(): it then owns the store (`signer`).
  const std::shared_ptr<const void>* signer_owner = nullptr;
  std::shared_ptr<const void> signer;
  std::string principal_org_id;
  std::string api_key;
  std::string api_key_id;

  /// This identity, owning what its views point into, for keeping beyond the request (while the
  /// request's snapshot still exists).
  Identity kept() const {
    Identity copy = *this;
    if (signer_owner) copy.signer = *signer_owner;
    copy.signer_owner = nullptr;
    return copy;
  }
};

/// WEBSOCKET APIs: which connection event a context is for ($context.eventType,
/// connectionId, connectedAt, messageId; aws-behaviour.md §2.2).
struct WebSocketEvent {
  enum class Type { kConnect, kMessage, kDisconnect };
  Type type = Type::kConnect;
  std::string connection_id;
  std::int64_t connected_at = 0;   // epoch milliseconds
  std::string message_id;          // MESSAGE only
  int disconnect_status_code = 0;  // DISCONNECT only: the close code
  std::string disconnect_reason;   // DISCONNECT only

  std::string_view type_name() const noexcept {
    return type == Type::kConnect ? "CONNECT" : type == Type::kMessage ? "MESSAGE" : "DISCONNECT";
  }
};

struct PathParam {
  std::string name;   // without braces and without '+'
  std::string value;  // REST: raw, still percent-encoded; HTTP APIs: decoded (path_decoded())
};

struct RequestContext {
  Request request;

  // What the request matched (null until routing succeeded).
  const ApiInfo* api = nullptr;
  const StageInfo* stage = nullptr;
  const RouteInfo* route = nullptr;
  std::vector<PathParam> path_params;
  /// The request path with the stage (or base path) removed: `$request.path`, the path a REST
  /// payload 1.0 event calls `path`. Raw (percent-encoded) for REST, decoded for HTTP APIs.
  std::string path;
  /// HTTP APIs: `request.path` decoded as AWS decodes it before routing
  /// (routing/request_path.hpp), set only when that differs from `request.path`. Read it
  /// through request_path().
  std::string decoded_request_path;
  /// Host the client addressed, without port: `$context.domainName`.
  std::string domain_name;

  std::string request_id;           // $context.requestId
  std::string extended_request_id;  // $context.extendedRequestId
  std::chrono::system_clock::time_point request_time;
  std::chrono::steady_clock::time_point received;

  Identity identity;

  /// Set for the events of WEBSOCKET APIs ($connect, messages, $disconnect).
  std::optional<WebSocketEvent> websocket;

  // Integration outcome, for `$context.integration*` and metrics.
  int integration_status = -1;  // HTTP status the integration answered, -1 when none
  std::optional<std::chrono::steady_clock::duration> integration_latency;
  std::string integration_error;

  // The gateway error answered, if any: `$context.error.*`.
  std::optional<ErrorKind> error_kind;
  std::string error_message;

  // Final response facts, for the access log: `$context.status`, `$context.responseLength`.
  int status = 0;
  std::size_t response_length = 0;

  /// Services listener: the sink the claiming service API's stream_body() made, which took the
  /// body as it arrived (request.body stays empty); null for buffered bodies.
  std::unique_ptr<BodySink> body_sink;

  /// Long-lived shared services (never null while a request runs).
  Services* services = nullptr;
  /// `iam.enforce`: the IAM check a service API runs before acting (services endpoint only;
  /// null when the service APIs are open).
  const ServiceAuthorizer* service_authorizer = nullptr;

  /// The request path with stage (and base path) as the API reports it (`$context.path`, the
  /// events' rawPath and path): decoded for HTTP APIs, as sent for REST and WebSocket APIs.
  std::string_view request_path() const noexcept {
    return decoded_request_path.empty() ? std::string_view(request.path)
                                        : std::string_view(decoded_request_path);
  }
  /// Whether `path`, `path_params` and request_path() are percent-decoded: HTTP APIs decode the
  /// path before routing; REST APIs pass it on as sent.
  bool path_decoded() const noexcept { return api && api->protocol == ApiProtocol::kHttp; }

  /// Value of path parameter `name` (raw for REST, decoded for HTTP APIs), or nullptr.
  const std::string* path_param(std::string_view name) const noexcept {
    for (const auto& p : path_params) {
      if (p.name == name) return &p.value;
    }
    return nullptr;
  }
};

}  // namespace gh::core
