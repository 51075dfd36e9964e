#pragma once
/// Streaming digests for object bodies: MD5 (the ETag) always, CRC32 / CRC32C / SHA-256 when asked
/// (the `x-amz-checksum-*` algorithms). Not thread-safe: one hasher per writer.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gh::plugins::s3 {

/// Which optional checksums a writer computes (MD5 is always computed).
struct ChecksumSet {
  bool crc32 = false;
  bool crc32c = false;
  bool sha256 = false;
};

/// Final values. `md5` is 16 raw bytes; the others are S3's wire form: base64 of the big-endian
/// CRC (4 bytes) or of the raw SHA-256 (32 bytes), empty when not computed.
struct Digests {
  std::string md5;
  std::string crc32;
  std::string crc32c;
  std::string sha256;
};

class StreamingHasher {
 public:
  explicit StreamingHasher(ChecksumSet set);
  ~StreamingHasher();
  StreamingHasher(const StreamingHasher&) = delete;
  StreamingHasher& operator=(const StreamingHasher&) = delete;

  void update(std::string_view bytes);
  /// Call once, after the last update.
  Digests finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The ETag S3 gives a single-part object: the MD5 as lower-case hex in double quotes.
std::string single_part_etag(std::string_view raw_md5);
/// The ETag of a completed multipart upload: `"hex(md5(concat(raw part MD5s)))-N"`
/// (widely documented by AWS re:Post / S3 User Guide "Checking object integrity"; peers such as
/// MinIO and moto compute the same).
std::string multipart_etag(const std::vector<std::string>& raw_part_md5s);

}  // namespace gh::plugins::s3
