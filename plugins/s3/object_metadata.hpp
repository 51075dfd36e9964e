#pragma once
/// What the store keeps about an object, and its on-disk encoding.
///
/// On disk an object is ONE file: the body, then a metadata trailer, then a fixed 16-byte footer
/// (`u64 little-endian trailer length` + magic "GHS3OBJ1"). Body and metadata therefore change
/// together with a single rename(2): a reader never sees new metadata with an old body, and a
/// crash mid-write never exposes a half object. The body starts at offset 0, so range reads are
/// plain preads. The trailer is a list of (name, value) string pairs, so fields can be added
/// without a format change. Pure functions, any thread.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gh::plugins::s3 {

/// Headers a client sets on PutObject / CreateMultipartUpload and gets back on Get/HeadObject.
struct ObjectHeaders {
  std::string content_type;  // empty: the API layer applies S3's default
  std::string content_encoding;
  std::string content_disposition;
  std::string content_language;
  std::string cache_control;
  std::string expires;
  /// `x-amz-meta-*` without the prefix; names lower-cased by the API layer (S3 stores them so).
  std::map<std::string, std::string> user_metadata;
  /// The object's tag set (S3 object tagging): at most 10 tags, unique keys, validated by the
  /// API layer. Ordered by key, the order S3 answers them in (ceph s3-tests,
  /// test_put_obj_with_tags). Objects stored before tags were kept read as untagged.
  std::map<std::string, std::string> tags;

  bool operator==(const ObjectHeaders&) const = default;
};

/// Everything Head/Get/List need about a stored object.
struct ObjectInfo {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;                   // with its double quotes, as S3 sends it
  std::int64_t last_modified_ms = 0;  // Unix epoch milliseconds
  ObjectHeaders headers;
  std::string checksum_crc32;  // S3 wire form (base64), empty when not stored
  std::string checksum_crc32c;
  std::string checksum_sha256;
  std::uint32_t parts_count = 0;  // 0 for a single-part upload
  /// A multipart object's part sizes, in order (GetObject ?partNumber=). Empty for single-part
  /// objects and for multipart objects stored before the sizes were kept: both read as one part.
  std::vector<std::uint64_t> part_sizes;
};

inline constexpr std::size_t kFooterBytes = 16;
inline constexpr std::string_view kFooterMagic = "GHS3OBJ1";

/// The trailer and footer to append after the body.
std::string encode_trailer(const ObjectInfo& info);
/// Parses a trailer blob (without the footer); nullopt when corrupt.
std::optional<ObjectInfo> decode_trailer(std::string_view blob);
/// From the 16-byte footer: the trailer length; nullopt when the magic is wrong.
std::optional<std::uint64_t> decode_footer(std::string_view footer);

}  // namespace gh::plugins::s3
