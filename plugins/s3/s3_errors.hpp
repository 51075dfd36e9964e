#pragma once
/// Error codes of the S3 storage layer. Each value names the S3 error code the API layer puts in
/// its XML `<Code>` element, with the HTTP status S3 uses for it (Amazon S3 API Reference,
/// "Error responses" → "List of error codes"). Pure functions, any thread.
#include <optional>
#include <string_view>
#include <utility>

namespace gh::plugins::s3 {

enum class S3Error {
  kNone,
  kNoSuchBucket,             // 404
  kBucketAlreadyOwnedByYou,  // 409
  kBucketNotEmpty,           // 409
  kInvalidBucketName,        // 400
  kNoSuchKey,                // 404
  kKeyTooLongError,          // 400 (keys are at most 1024 bytes of UTF-8)
  kInvalidArgument,          // 400 (e.g. a key with NUL or invalid UTF-8)
  kInvalidRange,             // 416
  kInvalidRequest,           // 400 (e.g. copying an object onto itself without changes)
  kBadDigest,                // 400 (Content-MD5 or x-amz-checksum-* mismatch)
  kNoSuchUpload,             // 404
  kInvalidPart,              // 400
  kInvalidPartOrder,         // 400
  kEntityTooSmall,           // 400 (a multipart part other than the last under the minimum)
  kPreconditionFailed,       // 412 (a conditional write's If-Match / If-None-Match)
  kInvalidPartNumber,        // 416 (GetObject ?partNumber= past the object's parts)
  kInternalError,            // 500 (I/O failure)
};

/// The S3 error code string ("NoSuchKey", …); "" for kNone.
std::string_view error_code(S3Error e) noexcept;
/// The HTTP status S3 answers with; 200 for kNone.
int http_status(S3Error e) noexcept;

/// A value or an S3Error: the storage layer reports failures as values, never exceptions.
template <typename T>
struct Result {
  std::optional<T> value;
  S3Error error = S3Error::kNone;

  Result(T v) : value(std::move(v)) {}  // NOLINT(google-explicit-constructor): ergonomic returns
  Result(S3Error e) : error(e) {}       // NOLINT(google-explicit-constructor)
  bool ok() const noexcept { return error == S3Error::kNone; }
  explicit operator bool() const noexcept { return ok(); }
  T& operator*() { return *value; }
  const T& operator*() const { return *value; }
  T* operator->() { return &*value; }
  const T* operator->() const { return &*value; }
};

}  // namespace gh::plugins::s3
