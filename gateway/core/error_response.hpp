#pragma once
/// The ONE place a GatewayError becomes the response AWS would send for that API type, and the
/// one place integrations build their own JSON answers ({"message": …}).

#include <string>
#include <string_view>

#include "gateway/core/api_protocol.hpp"
#include "gateway/core/gateway_error.hpp"
#include "gateway/core/response.hpp"

namespace gh::core {

/// Status, body and error headers for `error` as an API of `protocol` answers it. Request-id
/// headers are added by the pipeline for every response, not here.
Response render_error(const GatewayError& error, ApiProtocol protocol);

/// The message AWS uses for `kind` when the error carries none (for logs and $context.error.*).
std::string_view default_error_message(ErrorKind kind, ApiProtocol protocol) noexcept;

/// `status` with `body` as it is and Content-Type application/json.
Response json_response(int status, std::string body);

/// `status` with the compact body {"message":"<text>"} (Content-Type application/json): how
/// integrations answer their own refusals and misses ("Not Found", "Method Not Allowed" …).
Response json_message(int status, std::string_view text);

}  // namespace gh::core
