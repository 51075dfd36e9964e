#pragma once
/// S3Backend: where a `type: s3` route integration (and, in remote mode, the services
/// endpoint's S3 API) sends its S3 requests. A request is an S3 REST request in path style
/// (method, bucket, key, query, headers, body); the answer is S3's HTTP response as it is:
/// status, headers (ETag, Content-Type, Content-Range, Last-Modified …) and body, S3's XML
/// error documents included. The local object store is one backend (make_local_backend); a
/// remote S3-compatible endpoint (remote_backend.hpp) is the other, sending the same request
/// SigV4-signed for service `s3`.
///
/// call() is a coroutine run on the calling connection's executor. The local backend runs the
/// store's blocking calls on the BlockingPool, as the services endpoint's S3 API does.
/// Bodies are whole strings for route integrations (bounded by API Gateway's 10 MB payload
/// limit). The services endpoint's remote proxy (s3_proxy_api.hpp) alone streams: it gives the
/// remote backend a request body spooled to a file (S3Request::body_file) and lets it answer a
/// large body as a core::BodySource spooled to a temporary file (S3Request::stream_response).
/// Backends are immutable and shared by every request.

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>

#include "gateway/config/config.hpp"
#include "gateway/core/header_map.hpp"
#include "gateway/core/response.hpp"
#include "gateway/net/http_client.hpp"

namespace gh::plugins::s3 {

class StoreService;

/// One S3 REST request, path-style: `{method} /{bucket}/{key}?{query}`.
struct S3Request {
  std::string method;       // GET, PUT, HEAD, DELETE, POST
  std::string bucket;       // never empty
  std::string key;          // decoded; "" for a bucket-level request (ListObjectsV2)
  std::string query;        // raw, already percent-encoded ("list-type=2&prefix=a%2Fb"), or ""
  core::HeaderMap headers;  // S3 request headers: Content-Type, Range, If-*, x-amz-meta-* …
  std::string body;
  /// Instead of `body`, for the remote backend only: the payload in a file (SpoolFile), sent
  /// from it in pieces; `body_sha256` is its SHA-256 in lower-case hex (signed as the payload
  /// hash). The caller keeps the file open until call() completes.
  net::FileBody body_file;
  std::string body_sha256;
  /// The remote backend may answer a large body (over a MiB, or of unknown length) as
  /// Response::body_source, spooled to a temporary file while it is read, instead of whole:
  /// any size then (up to 5 GiB), with flat memory. Otherwise answers are whole, up to
  /// kMaxResponseBytes. The local backend ignores both.
  bool stream_response = false;
};

class S3Backend {
 public:
  virtual ~S3Backend() = default;
  /// S3's answer. Never throws for anything a client sends: failures of the backend itself
  /// (unreachable endpoint, unusable data directory) are S3 error responses (500/503 XML).
  virtual boost::asio::awaitable<core::Response> call(S3Request request) const = 0;
  /// One line for `gatehouse routes`, e.g. "local buckets in ./data/s3".
  virtual std::string describe() const = 0;
};

/// The local object store, through the same operations the services endpoint serves (without
/// its IAM check: a route's own authorization has already run, as API Gateway calls S3 with the
/// integration's role).
std::shared_ptr<const S3Backend> make_local_backend(StoreService& store,
                                                    const config::AwsConfig& aws);

}  // namespace gh::plugins::s3
