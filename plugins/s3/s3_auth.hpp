#pragma once
/// The S3 API's IAM check (`iam.enforce: true`): SigV4 with S3's rules, then the identity
/// policies, answered with S3's error codes. The signature itself is verified by the shared
/// verifier (gateway/sigv4/verify.hpp) through the sigv4 plugin's ServiceAuthorizer, which
/// applies S3's rules for service "s3":
///  - the canonical URI is the path as sent, encoded once, never normalised (UriMode::kS3);
///  - header auth requires `x-amz-content-sha256`: 64 hex digits (must be the body's SHA-256,
///    else XAmzContentSHA256Mismatch), UNSIGNED-PAYLOAD, or a STREAMING-… value (the body is
///    aws-chunked; its chunks are checked by aws_chunked.hpp with the ChunkSigning returned here);
///  - presigned URLs (X-Amz-* query parameters) sign UNSIGNED-PAYLOAD, X-Amz-Expires is 1 s to
///    7 days, an expired URL is AccessDenied "Request has expired";
///  - clock skew up to 15 minutes (RequestTimeTooSkewed beyond).
/// Sources: Amazon S3 API Reference, "Authenticating Requests (AWS Signature Version 4)",
/// "Authenticating Requests: Using Query Parameters", "Error responses"; the Service
/// Authorization Reference, "Actions, resources, and condition keys for Amazon S3".
/// Pure functions of their arguments, any thread.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/request_context.hpp"
#include "gateway/core/service_authorizer.hpp"
#include "plugins/s3/aws_chunked.hpp"

namespace gh::plugins::s3 {

/// An S3 operation in IAM's terms.
struct S3Access {
  std::string action;    // "s3:GetObject"
  std::string resource;  // "arn:aws:s3:::bucket/key", "arn:aws:s3:::bucket", "*"
};

/// The IAM action and resource of S3 API operation `operation` (its API reference name:
/// "GetObject", "ListObjectsV2", "CreateMultipartUpload" …) on `bucket` / `key` (decoded; empty
/// when the operation has none). nullopt for an operation this table does not know.
/// CopyObject and UploadPartCopy map to s3:PutObject on the destination; the caller also checks
/// s3_access("GetObject", source bucket, source key). DeleteObjects maps to s3:DeleteObject:
/// check it once per key.
std::optional<S3Access> s3_access(std::string_view operation, std::string_view bucket,
                                  std::string_view key);

/// "arn:aws:s3:::bucket" or, with a key, "arn:aws:s3:::bucket/key".
std::string s3_arn(std::string_view bucket, std::string_view key = {});

struct S3AuthOutcome {
  /// Set when the request is refused: render as S3's XML error with its status.
  std::optional<S3ErrorReply> error;
  /// The body's framing per x-amz-content-sha256 (kUnsigned when absent, or presigned).
  PayloadMode payload = PayloadMode::kUnsigned;
  /// For the STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] modes once the signature verified:
  /// hand it to ChunkedOptions::signing so each chunk signature is checked too.
  std::optional<ChunkSigning> chunk_signing;
};

/// Runs the IAM check of `access` for the S3 API: call it when ctx.service_authorizer is set
/// (IAM enforced), before acting. Fills ctx.identity with the signer. The body, when the
/// payload mode is kHashed, is ctx.request.body (buffered) and must hash to the stated value.
/// With the sigv4 plugin's authorizer the answers are S3's exact codes (SignatureDoesNotMatch
/// with StringToSign/CanonicalRequest details, InvalidAccessKeyId, RequestTimeTooSkewed,
/// AuthorizationHeaderMalformed, AuthorizationQueryParametersError, XAmzContentSHA256Mismatch,
/// AccessDenied …); with any other ServiceAuthorizer its GatewayError is mapped by kind.
S3AuthOutcome authorize_s3(
    core::RequestContext& ctx, const core::ServiceAuthorizer& authorizer, const S3Access& access,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

/// ChunkedOptions for a request whose body is aws-chunked (is_aws_chunked(payload_mode(
/// x-amz-content-sha256))): the mode, x-amz-decoded-content-length, x-amz-trailer, and
/// `signing` (authorize_s3's chunk_signing; nullopt when IAM is not enforced). When
/// x-amz-decoded-content-length is not a decimal number, returns S3's error instead.
struct ChunkedSetup {
  std::optional<S3ErrorReply> error;
  ChunkedOptions options;
};
ChunkedSetup chunked_options(const core::RequestContext& ctx,
                             const std::optional<ChunkSigning>& signing = std::nullopt);

}  // namespace gh::plugins::s3
