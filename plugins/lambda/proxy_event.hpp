#pragma once
/// The Lambda proxy integration's event: the JSON API Gateway sends a function for one request,
/// in payload format 1.0 (REST APIs; HTTP APIs on request) or 2.0 (HTTP APIs' default).
/// Exact field rules: ../shared/reference/aws-behaviour.md §1.2 and §1.3.
///
/// Pure functions of the request context; called on the connection's executor, never block.

#include <string>

#include "gateway/core/request_context.hpp"

namespace gh::plugins::lambda {

enum class PayloadFormat { kV1, kV2 };

/// The event for `ctx` (routing done: api, stage, route, path params, ids and times are set).
/// REST APIs use ctx.api->binary_media_types to decide whether the body is base64-encoded
/// (core::matches_binary_media_type).
/// The output is compact JSON in AWS's key order (REST 1.0, HTTP API 1.0 and 2.0 each have their
/// own); strings that are not valid UTF-8 carry U+FFFD in place of the bad bytes.
std::string build_proxy_event(const core::RequestContext& ctx, PayloadFormat format);

/// The X-Amzn-Trace-Id the event carries: the client's own if it sent one, otherwise
/// "Root=1-<8 hex request-time seconds>-<24 hex>" derived from the request id, so the same request
/// always gets the same id (the integration echoes it on REST responses, aws-behaviour.md §1.5).
std::string proxy_trace_id(const core::RequestContext& ctx);

}  // namespace gh::plugins::lambda
