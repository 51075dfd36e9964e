#pragma once
/// ListObjects (v1) / ListObjectsV2 over a bucket's in-memory key index.
///
/// The index is a std::map ordered by std::string comparison, which compares bytes as unsigned
/// char: exactly S3's order ("List results are always returned in UTF-8 binary order", S3 API
/// Reference, ListObjectsV2). A page costs O(log n + page size): we seek with lower_bound to the
/// marker, and when a key rolls up into a common prefix we seek straight past every key sharing
/// that prefix instead of walking them. Pure function; the caller holds the index lock.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gh::plugins::s3 {

/// One entry of a listing (Contents).
struct ObjectSummary {
  std::uint64_t size = 0;
  std::string etag;
  std::int64_t last_modified_ms = 0;
};

using KeyIndex = std::map<std::string, ObjectSummary, std::less<>>;

struct ListQuery {
  std::string prefix;
  std::string delimiter;  // empty: no grouping
  /// Only keys strictly greater than this: v1 `marker`, v2 `start-after`, or the position decoded
  /// from a v2 continuation token (v2: the greater of start-after and the token's position).
  /// A common prefix that is <= `after` is not returned again (so a NextMarker that was a common
  /// prefix resumes after it, as S3 does).
  std::string after;
  int max_keys = 1000;  // S3 caps at 1000; the API layer clamps
};

struct ListEntry {
  std::string key;
  ObjectSummary summary;
};

struct ListPage {
  std::vector<ListEntry> contents;
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  /// The last key or common prefix returned: v1 NextMarker (with a delimiter) and what a v2
  /// continuation token should encode. Empty when nothing was returned.
  std::string last_returned;
};

ListPage list_index(const KeyIndex& index, const ListQuery& query);

/// ListObjectsV2 continuation tokens: opaque to clients (S3 API Reference: "NextContinuationToken
/// is obfuscated and is not a real key"); ours is standard base64 of the last returned key or
/// common prefix, so a token survives restarts and needs no server-side state.
std::string encode_continuation_token(std::string_view last_returned);
/// nullopt for a token we did not issue (the API layer answers InvalidArgument, as S3 does).
std::optional<std::string> decode_continuation_token(std::string_view token);
/// ListQuery::after for v2: the token's position when present (it is always past start-after,
/// which only matters on the first page), else start-after.
std::string v2_list_after(std::string_view start_after, const std::optional<std::string>& token);

/// The smallest string greater than every string starting with `prefix` ("" when none exists,
/// i.e. `prefix` is all 0xFF bytes).
std::string prefix_successor(std::string prefix);

}  // namespace gh::plugins::s3
