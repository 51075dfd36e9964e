#pragma once
/// The three API Gateway API types. REST and HTTP APIs differ in routing, error bodies, headers
/// and event payloads; WEBSOCKET APIs in almost everything.

#include <optional>
#include <string_view>

namespace gh::core {

enum class ApiProtocol { kHttp, kRest, kWebSocket };

/// "HTTP", "REST", "WEBSOCKET" as written in config and AWS's ProtocolType.
std::string_view to_string(ApiProtocol p) noexcept;
std::optional<ApiProtocol> parse_api_protocol(std::string_view s) noexcept;

}  // namespace gh::core
