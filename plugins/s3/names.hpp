#pragma once
/// Validation of bucket names and object keys; ETag lists. Pure functions, any thread.
#include <string_view>

#include "plugins/s3/s3_errors.hpp"

namespace gh::plugins::s3 {

/// S3 general purpose bucket naming rules (Amazon S3 User Guide, "General purpose bucket naming
/// rules"): 3–63 characters of lower-case letters, digits, '.' and '-'; starting and ending with a
/// letter or digit; no ".."; not an IPv4 address; reserved prefixes xn--, sthree-, amzn-s3-demo-
/// and suffixes -s3alias, --ol-s3, .mrap, --x-s3, --table-s3 refused.
bool is_valid_bucket_name(std::string_view name) noexcept;

/// kNone for a storable key; kKeyTooLongError above 1024 bytes; kInvalidArgument for an empty
/// key, a NUL byte or invalid UTF-8 (S3 keys are UTF-8; refusing NUL is our choice, UNVERIFIED
/// against S3, and keeps keys safe for every client and log line).
S3Error validate_key(std::string_view key) noexcept;

inline constexpr std::size_t kMaxKeyBytes = 1024;

/// Whether `etag` is in an If-Match / If-None-Match list ("*" matches any; quotes optional).
bool etag_listed(std::string_view list, std::string_view etag);

}  // namespace gh::plugins::s3
