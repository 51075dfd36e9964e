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
/// Configuration sub-resources (?acl, ?policy …) have IAM actions the local table does
/// not know: they need an action only `s3:*` grants, never the plain read's or write's.
///
/// Objects of any size (up to S3's 5 GiB per PutObject or UploadPart) pass with flat memory,
/// by store and forward through unnamed temporary files in $TMPDIR (spool_file.hpp):
///  - PutObject and UploadPart bodies: stream_body() gives a sink that runs the IAM check after
///    the head (a refusal is answered without reading the body), decodes aws-chunked framing,
///    hashes the payload (SHA-256, the remote's x-amz-content-sha256 and signed payload hash)
///    and spools it as it arrives, bounded by 5 GiB (EntityTooLarge beyond, as S3); handle()
///    then sends it from the file (net::FileBody: sendfile on plain TCP). A stated hex
///    x-amz-content-sha256 that the body does not match is XAmzContentSHA256Mismatch. Other
///    bodies (XML documents: DeleteObjects, CompleteMultipartUpload …) are read whole,
///    bounded by server.limits.maxBodyBytes.
///  - Answers: up to kInlineResponseBytes (1 MiB) in memory; larger ones, and those of unknown
///    length, are spooled while they are read (net::ResponseSink) and sent to the client from
///    the file (a core::BodySource; sendfile on plain TCP). The client's first byte therefore
///    waits for the remote's last.
/// A full temporary directory is 500 InternalError saying so; the files vanish with the request
/// whatever happens. The endpoint's timeoutInMillis bounds each wait of a streamed transfer
/// (no byte moved for that long: 503 ServiceUnavailable, the connection to the remote closed),
/// not the whole transfer.
///
/// handle() runs on the connection's executor and never blocks but on brief local file I/O
/// (spooling), as the local S3 API's streamed bodies.
#include <memory>

#include "gateway/core/service_api.hpp"
#include "plugins/s3/backend.hpp"

namespace gh::plugins::s3 {

/// `local`: the local S3 API (make_s3_api), never asked to handle a request: it words the
/// refusals that need no store (EntityTooLarge for a body over its limit).
std::shared_ptr<const core::ServiceApi> make_s3_proxy_api(
    std::shared_ptr<const S3Backend> remote, std::shared_ptr<const core::ServiceApi> local);

}  // namespace gh::plugins::s3
