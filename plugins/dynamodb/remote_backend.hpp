#pragma once
/// The remote DynamoDB backend: the same JSON a DynamoBackend takes, sent over DynamoDB's
/// JSON 1.0 protocol (POST, `X-Amz-Target: DynamoDB_20120810.<Operation>`,
/// `Content-Type: application/x-amz-json-1.0`) to a DynamoDB-compatible endpoint (AWS,
/// DynamoDB Local, dynalite, another Gatehouse), SigV4-signed for service `dynamodb`.
/// Source: AWS DynamoDB Developer Guide, "Low-level API" (Programming.LowLevelAPI.html).
///
/// Connections come from net::HttpClient (keep-alive pool per io_context, TLS with
/// verification by default). The remote's answer becomes an ops::Result: a 2xx JSON object is
/// the result; an error body {__type, message|Message, …} becomes a DynamoError with the same
/// status, type, message and extra members (so a remote ConditionalCheckFailedException looks
/// like a local one). A dead, slow or garbled remote is a 500 InternalServerError naming the
/// endpoint and what failed (never credentials).

#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "gateway/net/http_client.hpp"
#include "gateway/net/remote_endpoint.hpp"
#include "gateway/sigv4/signing.hpp"
#include "plugins/dynamodb/backend.hpp"

namespace gh::plugins::dynamodb {

/// Where the backend sends its requests (`dynamodb.endpoint` and the keys beside it, parsed by
/// net::parse_remote_settings); `path` is the request-target (DynamoDB: "/").
using RemoteEndpoint = net::RemoteEndpoint;

/// Builds the backend (its HttpClient; for https, loads the CA store through `tls_cache`).
/// nullptr and `error` when the TLS setup fails. Called at config compile time.
std::shared_ptr<const DynamoBackend> make_remote_backend(const RemoteEndpoint& endpoint,
                                                         net::TlsContextCache* tls_cache,
                                                         std::string& error);

/// Runs one backend call to completion on a private io_context of the calling thread: for the
/// control thread only (provisioning declared tables at install), never on a worker.
ops::Result call_blocking(const DynamoBackend& backend, std::string_view operation,
                          boost::json::object request);

}  // namespace gh::plugins::dynamodb
