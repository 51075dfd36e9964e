#pragma once
/// The services endpoint's S3 API in remote mode (`s3.endpoint` with `servicesEndpoint: remote`,
/// the default): every request the local S3 API would claim (is_s3_request) is forwarded to the
/// remote backend (remote_backend.hpp) and the remote's answer returned as it is, so the SDKs
/// and the CLI pointed at Gatehouse see the remote's buckets.
///
/// What is forwarded: method, bucket and key (path-style or virtual-hosted on the way in,
/// address_of; the remote's addressing on the way out), the query (without presigned-URL
/// X-Amz-* parameters), the headers but those of one hop and the client's own signature
/// (Authorization, X-Amz-Date, X-Amz-Security-Token, X-Amz-Content-Sha256: the request is
/// signed again with the endpoint's credentials), and the payload: an aws-chunked body (the
/// SDKs' default for uploads) is decoded first, its trailing checksums (x-amz-checksum-*) sent
/// as headers, so the remote verifies them.
///
/// With `iam.enforce`, Gatehouse's own IAM check (s3_auth.hpp, S3's SigV4 rules and IAM
/// actions) runs first, as for the local buckets, and a refusal is answered locally.
/// DeleteObjects needs s3:DeleteObject on every key it names: a key that is denied refuses the
/// whole request (the local API instead reports it as an AccessDenied entry in its result).
/// Configuration sub-resources (?acl, ?tagging, ?policy …) have IAM actions the local table does
/// not know: they need an action only `s3:*` grants, never the plain read's or write's.
///
/// Bodies are buffered (server.limits.maxBodyBytes), the remote's answer too (up to
/// kMaxResponseBytes). handle() runs on the connection's executor and never blocks.
#include <memory>

#include "gateway/core/service_api.hpp"
#include "plugins/s3/backend.hpp"

namespace gh::plugins::s3 {

/// `local`: the local S3 API (make_s3_api), never asked to handle a request: it words the
/// refusals that need no store (EntityTooLarge for a body over server.limits.maxBodyBytes).
std::shared_ptr<const core::ServiceApi> make_s3_proxy_api(
    std::shared_ptr<const S3Backend> remote, std::shared_ptr<const core::ServiceApi> local);

}  // namespace gh::plugins::s3
