#pragma once
/// How API Gateway turns a function's successful output into the client's response
/// (../shared/reference/aws-behaviour.md §1.4): REST payload 1.0 is strict (unknown key, bad
/// statusCode, non-object → 502), HTTP API 1.0 requires statusCode (else 500), HTTP API 2.0
/// infers a 200 JSON response from output without statusCode.
///
/// Pure function; called on the connection's executor, never blocks. A function *error*
/// (X-Amz-Function-Error) never reaches this: the integration maps it to a GatewayError first.

#include <string_view>
#include <variant>

#include "gateway/core/gateway_error.hpp"
#include "gateway/core/request.hpp"
#include "gateway/core/response.hpp"
#include "plugins/lambda/proxy_event.hpp"

namespace gh::core {
struct ApiInfo;
}

namespace gh::plugins::lambda {

/// `payload` is the function's raw output bytes. `request` is the client's request (its
/// Accept header decides REST binary decoding against api.binary_media_types).
std::variant<core::Response, core::GatewayError> interpret_proxy_result(
    std::string_view payload, const core::ApiInfo& api, PayloadFormat format,
    const core::Request& request);

/// A WebSocket route's function output (aws-behaviour.md §2.3): {statusCode, headers, body} as
/// a proxy result ($connect: the status decides the handshake, the headers join the 101; a
/// two-way route sends `body` back), or any other JSON as a 200 whose body is that JSON
/// (`null`: no body).
core::Response interpret_websocket_result(std::string_view payload);

}  // namespace gh::plugins::lambda
