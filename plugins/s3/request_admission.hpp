#pragma once
/// What every S3 request goes through before its operation runs: the IAM check when
/// `iam.enforce` is on (s3_auth.hpp), then the body's framing: an aws-chunked body (the SDKs'
/// default for uploads with checksums) is decoded (aws_chunked.hpp) into S3Call::body and its
/// trailers (x-amz-checksum-*) into S3Call::trailers; any other body is moved there as is.
#include <optional>
#include <string_view>

#include "plugins/s3/operation_support.hpp"

namespace gh::plugins::s3 {

/// nullopt when the operation may run; else S3's refusal. `operation` is the S3 API name
/// ("PutObject"). Consumes ctx.request.body.
std::optional<S3ErrorReply> admit_request(S3Call& call, std::string_view operation);

}  // namespace gh::plugins::s3
