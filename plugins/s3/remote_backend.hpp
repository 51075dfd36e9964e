#pragma once
/// The remote S3 backend: S3Requests sent over S3's REST protocol to an S3-compatible endpoint
/// (AWS S3, MinIO, s3rver, another Gatehouse), SigV4-signed for service `s3`, and the remote's
/// answer returned as it is (status, headers, body; S3's XML errors included).
///
/// Signing (Amazon S3 API Reference, "Signature Calculations for the Authorization Header:
/// Transferring Payload in a Single Chunk"): the canonical URI is the path as sent, encoded
/// once, never normalised (sigv4::UriMode::kS3); every sent header is signed; the payload is
/// always hashed and sent as `x-amz-content-sha256` (never UNSIGNED-PAYLOAD: the body is in
/// memory or was hashed while it was spooled, and a hashed payload is also safe over plain
/// http). aws-chunked encoding is never sent: bodies have a Content-Length.
///
/// Addressing: path style (`/{bucket}/{key}` on the endpoint's host) or virtual-hosted
/// (`/{key}` on `{bucket}.{endpoint host}`), chosen per request by path_style_for(), after the
/// endpoint URL's own path if it has one. An empty bucket (the services endpoint's ListBuckets)
/// is `GET /`.
///
/// Connections come from net::HttpClient (keep-alive pool per io_context, TLS verified by
/// default). Route integrations send and receive whole bodies (answers up to
/// kMaxResponseBytes). The services endpoint's proxy streams (S3Request::body_file,
/// stream_response): its uploads are sent from their spool file and large answers spooled to a
/// temporary file (spool_file.hpp), and timeoutInMillis then bounds each wait (no progress for
/// that long), not the whole transfer.
/// A dead, slow or garbled remote is S3's XML error naming the endpoint and what failed (never
/// credentials): 503 ServiceUnavailable when it cannot be reached or does not answer in time
/// (the SDKs retry those), 500 InternalError for TLS failures and garbled or oversized answers.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/net/remote_endpoint.hpp"
#include "plugins/s3/aws_chunked.hpp"
#include "plugins/s3/backend.hpp"

namespace gh::plugins::s3 {

/// Largest response body read whole from the remote (route integrations, which API Gateway
/// cuts at 10 MB later anyway). Whole bodies bound memory per request.
inline constexpr std::size_t kMaxResponseBytes = std::size_t{256} << 20;
/// With S3Request::stream_response (the services endpoint): answers up to this size stay in
/// memory; larger ones, and those of unknown length, are spooled to a temporary file.
inline constexpr std::uint64_t kInlineResponseBytes = std::uint64_t{1} << 20;
/// The largest answer spooled: S3's largest single object part or PUT is 5 GiB, but a GET of a
/// multipart object may be far larger (5 TiB): bounded by the temporary directory's space.
inline constexpr std::uint64_t kMaxSpooledResponse = std::uint64_t{5} << 40;

struct S3RemoteEndpoint {
  net::RemoteEndpoint endpoint;
  /// `forcePathStyle`; nullopt: path style for IP literals, `localhost`, `*.localhost` and
  /// one-label host names (docker-compose service names such as `minio`), virtual-hosted
  /// otherwise, as the AWS SDKs do for AWS's own endpoints.
  std::optional<bool> force_path_style;
};

/// Whether requests for `bucket` use path-style addressing: forcePathStyle when set, else the
/// default above; always for bucket names that are not valid DNS labels (upper case,
/// underscores) and, over https, for names with dots (a wildcard certificate would not match),
/// as the SDKs fall back.
bool path_style_for(const S3RemoteEndpoint& remote, std::string_view bucket);

/// Builds the backend (its HttpClient; for https, loads the CA store through `tls_cache`).
/// nullptr and `error` when the TLS setup fails. Called at config compile time.
std::shared_ptr<const S3Backend> make_remote_backend(const S3RemoteEndpoint& remote,
                                                     net::TlsContextCache* tls_cache,
                                                     std::string& error);

}  // namespace gh::plugins::s3
