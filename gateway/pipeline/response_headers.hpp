#pragma once
/// How API Gateway treats the headers an integration answered with, before adding its own.

#include "gateway/core/api_protocol.hpp"
#include "gateway/core/header_map.hpp"

namespace gh::pipeline {

/// REST APIs rename backend headers that collide with their own to x-amzn-Remapped-<name>
/// (Connection, Content-Length, Date, Server, x-amzn-RequestId) and drop Transfer-Encoding.
/// HTTP APIs remap nothing: hop-by-hop headers and framing are dropped, Date is replaced by the
/// gateway's own, Server passes through. (aws-behaviour.md §1.5, docs/aws-notes-core.md §5.)
void normalize_integration_headers(core::ApiProtocol protocol, core::HeaderMap& headers);

/// Hop-by-hop headers (RFC 9110 §7.6.1) plus framing, which a proxy never forwards as is.
bool is_hop_by_hop(std::string_view name) noexcept;

}  // namespace gh::pipeline
