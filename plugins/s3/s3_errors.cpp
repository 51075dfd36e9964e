#include "plugins/s3/s3_errors.hpp"

namespace gh::plugins::s3 {

std::string_view error_code(S3Error e) noexcept {
  switch (e) {
    case S3Error::kNone:
      return "";
    case S3Error::kNoSuchBucket:
      return "NoSuchBucket";
    case S3Error::kBucketAlreadyOwnedByYou:
      return "BucketAlreadyOwnedByYou";
    case S3Error::kBucketNotEmpty:
      return "BucketNotEmpty";
    case S3Error::kInvalidBucketName:
      return "InvalidBucketName";
    case S3Error::kNoSuchKey:
      return "NoSuchKey";
    case S3Error::kKeyTooLongError:
      return "KeyTooLongError";
    case S3Error::kInvalidArgument:
      return "InvalidArgument";
    case S3Error::kInvalidRange:
      return "InvalidRange";
    case S3Error::kInvalidRequest:
      return "InvalidRequest";
    case S3Error::kBadDigest:
      return "BadDigest";
    case S3Error::kNoSuchUpload:
      return "NoSuchUpload";
    case S3Error::kInvalidPart:
      return "InvalidPart";
    case S3Error::kInvalidPartOrder:
      return "InvalidPartOrder";
    case S3Error::kEntityTooSmall:
      return "EntityTooSmall";
    case S3Error::kPreconditionFailed:
      return "PreconditionFailed";
    case S3Error::kInvalidPartNumber:
      return "InvalidPartNumber";
    case S3Error::kInternalError:
      return "InternalError";
  }
  return "InternalError";
}

int http_status(S3Error e) noexcept {
  switch (e) {
    case S3Error::kNone:
      return 200;
    case S3Error::kNoSuchBucket:
    case S3Error::kNoSuchKey:
    case S3Error::kNoSuchUpload:
      return 404;
    case S3Error::kBucketAlreadyOwnedByYou:
    case S3Error::kBucketNotEmpty:
      return 409;
    case S3Error::kInvalidRange:
    case S3Error::kInvalidPartNumber:
      return 416;
    case S3Error::kPreconditionFailed:
      return 412;
    case S3Error::kInternalError:
      return 500;
    default:
      return 400;
  }
}

}  // namespace gh::plugins::s3
