#pragma once
/// The S3 plugin: local buckets (object_store.hpp) served through the S3 API on the services
/// endpoint (s3_api.hpp), so the AWS SDKs and CLI work against Gatehouse with an endpoint
/// override, path-style or virtual-hosted (`{bucket}.s3.localhost:4566`).
///
/// The top-level `s3:` section (s3_settings.hpp), optional:
///
///   s3:
///     dataDir: .gatehouse/s3   # relative to the config file; a directory per bucket
///     fsync: true              # false: no fsync on writes (throw-away data, faster tests)
///     buckets: [files]         # created at start and reload when missing (local or remote)
///
/// The store is a long-lived service: a reload keeps it (and its open buckets); a changed
/// dataDir takes effect at the next start, and the reload says so. It is opened on the first
/// S3 request, so `validate` and `routes` never touch the disk.
///
/// Remote mode (remote_backend.hpp): with an `endpoint`, route integrations send their S3
/// requests to a real S3-compatible endpoint (AWS S3, MinIO, s3rver, another Gatehouse)
/// instead of the local buckets, SigV4-signed for service `s3`. The keys beside it are those
/// of `dynamodb:` (net/remote_endpoint.hpp), plus forcePathStyle:
///
///   s3:
///     endpoint: https://s3.eu-west-1.amazonaws.com   # http or https (an optional path prefix)
///     region: eu-west-1                 # default: aws.region
///     credentials: {accessKeyId: AKIA…, secretAccessKey: "${env:S3_SECRET}", sessionToken: …}
///     tls: {verify: true, caFile: ca.pem}
///     timeoutInMillis: 10000
///     forcePathStyle: true              # default: path style for IP literals, localhost and
///                                       # one-label hosts (MinIO in compose), else virtual-hosted
///     servicesEndpoint: remote          # remote (default) | local
///
/// `servicesEndpoint: remote` (the default) makes the services endpoint's S3 API a proxy
/// (s3_proxy_api.hpp): each S3 request is checked by Gatehouse's own IAM when `iam.enforce` is
/// on, then sent to the endpoint signed with the configured credentials (an aws-chunked upload
/// decoded first) and the remote's answer returned as it is. `local` keeps the local buckets
/// there. In remote mode the local store is never opened (unless `local` serves it). A remote
/// that cannot be reached or does not answer in time is S3's XML 503 ServiceUnavailable naming
/// the endpoint (a TLS failure or a garbled answer: 500 InternalError).
///
/// Operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation;
/// PutObject, GetObject (Range, If-* conditions, response-* overrides), HeadObject,
/// DeleteObject, DeleteObjects, CopyObject; object tags (Get/Put/DeleteObjectTagging,
/// x-amz-tagging on writes, kept in the object's trailer); ListObjects, ListObjectsV2;
/// CreateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload,
/// AbortMultipartUpload, ListParts, ListMultipartUploads (paged). Presigned URLs (SigV4) work for
/// every operation. Other sub-resources (?acl, ?versioning …) answer 501 NotImplemented. PutObject
/// and UploadPart bodies stream to disk as they arrive (upload_stream.hpp) and large GetObject
/// bodies are read while they are sent, up to S3's 5 GiB per request with flat memory; other bodies
/// are small and bounded by server.limits.maxBodyBytes.
///
/// Route integrations (`type: s3`, API Gateway's S3 proxy; route_config.cpp parses,
/// route_integration.cpp answers, through the S3Backend of backend.hpp):
///
///   "GET /files":                 # no key: ListObjectsV2 (prefix from ?prefix=)
///     integration: {type: s3, bucket: files}
///   "ANY /files/{key+}":          # GET GetObject, HEAD HeadObject, PUT PutObject, DELETE …
///     integration: {type: s3, bucket: $stageVariables.bucket}   # key: the last path parameter
///   "GET /docs/{folder}/{name}":
///     integration:
///       type: s3
///       bucket: "docs-${stageVariables.env}"
///       key: "{folder}/{name}"    # {x} / {x+} = ${request.path.x}, as in AWS's S3 URIs
///       action: GetObject         # GetObject HeadObject PutObject DeleteObject ListObjectsV2
///   "GET /folders/{folder}":
///     integration: {type: s3, bucket: files, action: ListObjectsV2, prefix: "{folder}/",
///                   response: xml}
///   "GET /albums/{album}":        # a prefix and no key: ListObjectsV2 without naming it
///     integration: {type: s3, bucket: photos, prefix: "{album}/"}
///
/// Keys: bucket (required), key (object actions; default: the route's last path parameter when
/// the route ends in one, except on a GET route without action that gives a prefix: that one
/// lists), action (default: from the route's method: GET GetObject, or ListObjectsV2 without a
/// key; HEAD HeadObject; PUT PutObject; DELETE DeleteObject; an ANY route
/// picks per request, other methods answer 405; POST/PATCH routes must name one), prefix
/// (ListObjectsV2; default $request.querystring.prefix), response (json, the default | xml).
/// bucket, key and prefix are value templates ($request.path.x, $request.querystring.x,
/// $request.header.x, $stageVariables.x, $context.x, ${…} inside text). Path parameters are
/// percent-decoded into keys (/files/a%20b reads "a b"; a greedy parameter keeps its slashes).
/// Checked at load: the action, a path parameter the route lacks, key/prefix on the wrong
/// action, a bucket name S3 refuses when the config (or the stage's variables) fix it.
///
/// Requests: the body and Content-Type, Content-MD5, Content-Language, Content-Encoding,
/// Cache-Control, Expires, Content-Disposition, x-amz-meta-*, Range and If-* are sent on; no
/// other header (an x-amz-copy-source could not turn a PUT into a copy). Listings pass
/// ?delimiter=, ?max-keys= (or maxKeys), ?continuation-token= (or nextToken) and
/// ?start-after= (or startAfter). A key with a "." or ".." segment, or one S3 refuses, is a 400
/// {"message":"Invalid object key"}; a key the request lacks a value for is a 400 {"message":
/// "the request has no value for the key (…)"}; a bucket template without a value, or not a
/// bucket name, is API Gateway's 500 (API_CONFIGURATION_ERROR).
///
/// Answers: S3's status (200, 204 for DELETE, 206 for ranges, 304) with the object's bytes and
/// Content-Type, ETag, Last-Modified, Content-Range, Accept-Ranges, Cache-Control,
/// Content-Disposition, Content-Encoding, Content-Language, Expires and x-amz-meta-*; S3's ids
/// stay behind. HEAD states the object's Content-Length as integrations' lengths go: REST APIs
/// as x-amzn-Remapped-Content-Length, HTTP APIs not at all (the pipeline drops it).
/// Listings (json): {"objects": [{"key", "size", "lastModified", "etag"}], "prefixes":
/// [CommonPrefixes], "count": n, "nextToken": "…" (only when there are more)}; xml: S3's
/// ListBucketResult as it is. Errors (json): a missing key is
/// 404 {"message":"Not Found"} (no body for HEAD); every other S3 error keeps S3's status with
/// {"message": S3's Message, "code": S3's Code}, e.g. 416 InvalidRange, 404 NoSuchBucket,
/// 412 PreconditionFailed; xml: S3's error document as it is. (On AWS an S3 proxy maps statuses
/// with integration responses; these are the answers users most often configure there.)
///
/// Binary bodies: REST APIs treat payloads as AWS does [DOC api-gateway-payload-encodings-
/// workflow]: a request body passes untouched when its Content-Type is one of the API's
/// binaryMediaTypes, an answer when the request's (first) Accept type is; otherwise the payload
/// is UTF-8 text and bytes that are not UTF-8 become U+FFFD (declare `*/*` to pass everything).
/// HTTP APIs (AWS has no S3 integration for them) pass every body untouched.

#include <memory>

#include "gateway/core/integration.hpp"

namespace gh::plugins::s3 {

std::unique_ptr<core::IntegrationFactory> make_factory();

}  // namespace gh::plugins::s3
