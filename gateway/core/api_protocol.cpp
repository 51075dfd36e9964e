#include "gateway/core/api_protocol.hpp"

namespace gh::core {

std::string_view to_string(ApiProtocol p) noexcept {
  switch (p) {
    case ApiProtocol::kHttp:
      return "HTTP";
    case ApiProtocol::kRest:
      return "REST";
    case ApiProtocol::kWebSocket:
      return "WEBSOCKET";
  }
  return "HTTP";
}

std::optional<ApiProtocol> parse_api_protocol(std::string_view s) noexcept {
  if (s == "HTTP") return ApiProtocol::kHttp;
  if (s == "REST") return ApiProtocol::kRest;
  if (s == "WEBSOCKET") return ApiProtocol::kWebSocket;
  return std::nullopt;
}

}  // namespace gh::core
