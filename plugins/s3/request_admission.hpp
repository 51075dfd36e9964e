#pragma once
/// What every S3 request goes through before its operation runs: the IAM check when
/// `iam.enforce` is on (s3_auth.hpp), then the body's framing: an aws-chunked body (the SDKs'
/// default for uploads with checksums) is decoded (aws_chunked.hpp) into S3Call::body and its
/// trailers (x-amz-checksum-*) into S3Call::trailers; any other body is moved there as is.
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plugins/s3/operation_support.hpp"

namespace gh::plugins::s3 {

/// What admission leaves for the operation.
struct AdmittedRequest {
  std::string body;  // the payload (aws-chunked framing removed)
  bool was_aws_chunked = false;
  /// aws-chunked trailers (x-amz-checksum-*), names lower-cased.
  std::vector<std::pair<std::string, std::string>> trailers;
  /// DeleteObjects with iam.enforce: the keys s3:DeleteObject is denied on.
  std::set<std::string, std::less<>> denied_keys;
};

/// nullopt when operation `operation` (the S3 API name, "PutObject") on `target` may run;
/// else S3's refusal. Consumes ctx.request.body. Used by the local S3 API (admit_request) and
/// the remote proxy alike.
std::optional<S3ErrorReply> admit(core::RequestContext& ctx, const S3Address& target,
                                  std::string_view operation, AdmittedRequest& out);

/// admit() for the local S3 API: fills call.body, call.trailers and call.denied_keys.
std::optional<S3ErrorReply> admit_request(S3Call& call, std::string_view operation);

/// admit_request for a body that streams to the store as it arrives (upload_stream.hpp), run
/// after the head and before the body: the IAM check, with a stated hex x-amz-content-sha256
/// signed as stated (the caller compares it with the body's hash at the end), and the body's
/// framing.
struct StreamedAdmission {
  std::optional<S3ErrorReply> error;
  std::optional<ChunkedOptions> chunked;  // set: decode the body with these
  std::string stated_sha256;  // lower-case hex the body must hash to, when the signature covers it
};
StreamedAdmission admit_streamed_request(S3Call& call, std::string_view operation);
/// The same for a request without an S3Call (the remote proxy, which opens no local store).
StreamedAdmission admit_streamed(core::RequestContext& ctx, const S3Address& target,
                                 std::string_view operation);

}  // namespace gh::plugins::s3
