#pragma once
/// The S3 API on the services endpoint: S3's REST protocol (path-style `/{bucket}/{key}` and
/// virtual-hosted `{bucket}.s3.localhost[:port]` / `{bucket}.localhost` addressing) answered
/// from the local ObjectStore with S3's status codes, headers and XML (operations.hpp).
///
/// It claims what the other services-endpoint APIs do not: not DynamoDB (X-Amz-Target), not the
/// Lambda Invoke API (/2015-03-31/…), not @connections, /usageplans/…/usage or /_gatehouse/…
/// (S3 bucket names cannot start with '_' or '2015-03-31' contain '/', so no bucket is lost).
///
/// With `iam.enforce`, each request is checked with S3's SigV4 rules and IAM actions
/// (s3_auth.hpp) before it acts. aws-chunked bodies (the SDKs' default for uploads with
/// checksums) are decoded (aws_chunked.hpp) and their trailing checksums verified by the store.
///
/// Bodies: PutObject and UploadPart take theirs as they arrive (stream_body() makes an
/// UploadStream that writes to the store's temporary file), and GetObject answers objects over
/// 256 KiB with a BodySource read while it is sent; everything else is whole.
///
/// Threading: handle() runs the operation on the BlockingPool (core/blocking_pool.hpp): store
/// calls block on the disk (fsync included). stream_body() and the UploadStream's writes run on
/// the connection's thread (opening a temporary file, page-cache writes); the commit with its
/// fsyncs happens in handle().
#include <memory>
#include <string>
#include <string_view>

#include "gateway/config/config.hpp"
#include "gateway/core/service_api.hpp"
#include "plugins/s3/operation_support.hpp"
#include "plugins/s3/store_service.hpp"

namespace gh::plugins::s3 {

/// The services-endpoint requests S3 answers: all but DynamoDB's (X-Amz-Target), the Lambda
/// Invoke API (/2015-03-31/…), @connections, /usageplans/…/usage and /_gatehouse/… (S3 bucket
/// names cannot start with '_' or be '2015-03-31', so no bucket is lost). Cheap; never blocks.
bool is_s3_request(const core::Request& request);

/// The bucket a virtual-hosted Host names ("photos.s3.localhost:4566" → "photos"; also
/// "{bucket}.localhost"), or "" for path-style hosts.
std::string virtual_host_bucket(std::string_view host);

/// Bucket and key a request addresses (virtual-hosted or path-style), percent-decoded.
S3Address address_of(const core::Request& request);

/// The S3 API operation a request is, in the names s3_access() knows ("PutObject",
/// "ListObjectsV2" …; S3 API Reference, each operation's "Request Syntax"). A request none of
/// the implemented operations matches is named after its target ("PutBucketSubresource",
/// "ObjectSubresource" …): no IAM action but s3:* allows it, and the local API answers 501.
std::string_view operation_name(const core::Request& request, const S3Address& address,
                                const QueryParams& query);

/// Answers one S3 request from the local store: addressing, routing to the operation, IAM when
/// ctx.service_authorizer is set (none: no check, as for route integrations), aws-chunked
/// decoding, S3's ids. The services endpoint's S3 API and the local S3Backend both run this.
core::Response answer_s3_request(StoreService& store, const config::AwsConfig& aws,
                                 core::RequestContext& ctx);

std::shared_ptr<const core::ServiceApi> make_s3_api(StoreService& store,
                                                    const config::AwsConfig& aws);

}  // namespace gh::plugins::s3
