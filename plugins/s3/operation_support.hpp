#pragma once
/// What the S3 API's operations share (internal to plugins/s3): one parsed request (S3Call),
/// S3's error and XML answers, the object headers S3 stores and returns, time formats.
///
/// Operations run on the BlockingPool (see s3_api.hpp) and call the ObjectStore, which blocks on
/// file I/O.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/config/config.hpp"
#include "gateway/core/request_context.hpp"
#include "gateway/core/response.hpp"
#include "plugins/s3/aws_chunked.hpp"
#include "plugins/s3/names.hpp"
#include "plugins/s3/object_store.hpp"
#include "plugins/s3/s3_xml.hpp"

namespace gh::plugins::s3 {

/// The query string, decoded; a parameter without '=' (`?uploads`) has an empty value.
class QueryParams {
 public:
  explicit QueryParams(std::string_view raw_query);
  bool has(std::string_view name) const;
  std::optional<std::string> get(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

/// The bucket and key a request addresses, percent-decoded.
struct S3Address {
  std::string bucket;  // "" for ListBuckets
  std::string key;     // "" for bucket-level requests
};

/// One S3 request, addressed (bucket, key) and with its body decoded (aws-chunked removed).
struct S3Call {
  core::RequestContext& ctx;
  ObjectStore& store;
  const config::AwsConfig& aws;
  std::string bucket;  // "" for ListBuckets
  std::string key;     // "" for bucket operations
  QueryParams query;
  std::string body;  // the payload
  /// aws-chunked trailers (x-amz-checksum-*), names lower-cased.
  std::vector<std::pair<std::string, std::string>> trailers;
  std::string request_id;  // x-amz-request-id
  /// DeleteObjects with iam.enforce: the keys s3:DeleteObject is denied on.
  std::set<std::string, std::less<>> denied_keys;

  const core::Request& request() const { return ctx.request; }
  std::string_view header(std::string_view name) const { return ctx.request.headers.get(name); }
  /// A header, or else the aws-chunked trailer of that name.
  std::string header_or_trailer(std::string_view name) const;
};

/// S3's standard answer for a storage-layer error (code, status and S3's wording).
S3ErrorReply reply_for(S3Error error);
S3ErrorReply reply(int status, std::string code, std::string message);
/// 400 InvalidArgument with ArgumentName and ArgumentValue.
S3ErrorReply invalid_argument(std::string message, std::string name, std::string value);
/// The partNumber query parameter (UploadPart, UploadPartCopy, Get/HeadObject): 1–10000, or
/// nullopt with `error` set to S3's InvalidArgument.
std::optional<int> part_number_param(const S3Call& call, S3ErrorReply& error);

/// A body S3 reads whole and requires a digest of (DeleteObjects): Content-MD5 or an
/// x-amz-checksum-crc32 / -crc32c / -sha256 (what the current SDKs send instead) must be given
/// and match the body. nullopt when it does; else S3's InvalidRequest (none given),
/// InvalidDigest (a malformed Content-MD5) or BadDigest (a mismatch).
std::optional<S3ErrorReply> check_required_digest(const S3Call& call);

/// The error document (Code, Message, details, Key or BucketName, RequestId, HostId) with the
/// reply's status; HEAD answers carry no body, as S3's.
core::Response error_response(const S3Call& call, const S3ErrorReply& error);
core::Response error_response(const S3Call& call, S3Error error);
core::Response xml_response(std::string document, int status = 200);

/// S3's request ids: 16 upper-case hex digits (x-amz-request-id), and a longer opaque base64
/// x-amz-id-2.
std::string s3_request_id();
std::string s3_host_id();
/// Sets x-amz-request-id, x-amz-id-2 and Server: AmazonS3, as every S3 answer has them.
void add_s3_ids(core::Response& out, const std::string& request_id);
/// S3's error document for an answer given without an S3Call (no Key or BucketName elements:
/// a request refused before its operation, the remote backend's failures), with its ids; HEAD
/// answers carry no body.
core::Response standalone_error(const S3ErrorReply& error, std::string_view method);
/// A 200/204 without a body.
core::Response empty_response(int status = 200);

/// S3's canonical owner, the same for every bucket and object (one local account).
void write_owner(XmlWriter& xml, std::string_view element = "Owner");

/// "2009-10-12T17:50:30.000Z", the XML timestamp form.
std::string iso8601_ms(std::int64_t epoch_ms);
/// "Wed, 21 Oct 2015 07:28:00 GMT", the header form (Last-Modified).
std::string http_date_ms(std::int64_t epoch_ms);
/// An HTTP date (IMF-fixdate, RFC 850 or asctime) as epoch seconds; nullopt when invalid.
std::optional<std::int64_t> parse_http_date(std::string_view text);

/// Content-Type/-Encoding/-Disposition/-Language, Cache-Control, Expires and x-amz-meta-*
/// (names lower-cased) as a PutObject / CreateMultipartUpload / CopyObject REPLACE sends them.
ObjectHeaders headers_from_request(const core::Request& request);
/// A tag set as a request gives it, in its order (duplicates kept: validate_tags refuses them).
using TagList = std::vector<std::pair<std::string, std::string>>;
/// S3's checks of an object's tag set, the same for x-amz-tagging and PutObjectTagging's
/// document: nullopt with `out` filled, or the error to answer.
std::optional<S3ErrorReply> validate_tags(const TagList& tags,
                                          std::map<std::string, std::string>& out);
/// The `x-amz-tagging` header of PutObject / CreateMultipartUpload / CopyObject (URL query
/// encoded, "k1=v1&k2=v2"), validated; an absent header is no tags.
std::optional<S3ErrorReply> tags_from_header(const S3Call& call,
                                             std::map<std::string, std::string>& out);
/// Checksums and Content-MD5 for a write; nullopt with `error` set for a malformed Content-MD5.
std::optional<PutOptions> put_options(const S3Call& call, S3ErrorReply& error);
/// Feeds the payload to `writer` chunk by chunk and commits it.
Result<ObjectInfo> write_payload(ObjectWriter& writer, std::string_view payload);

/// PutObject's or UploadPart's writer, opened after the request's head, or why not.
struct OpenedUpload {
  std::unique_ptr<ObjectWriter> writer;  // null when refused
  std::optional<S3ErrorReply> error;
};
/// The last step of PutObject / UploadPart once the whole payload went through the writer:
/// checks the checksums only an aws-chunked trailer states (x-amz-checksum-* in
/// call.trailers), commits, answers 200 with the ETag and checksums (or S3's error).
core::Response finish_upload(const S3Call& call, ObjectWriter& writer);
/// PutObject's and UploadPart's answer for a buffered body: call.body through the opened
/// writer, then finish_upload().
core::Response store_payload(const S3Call& call, OpenedUpload upload);
/// x-amz-copy-source ("bucket/key" or "/bucket/key", URL-encoded, maybe ?versionId=…) as
/// (bucket, key); nullopt when it names no object.
std::optional<std::pair<std::string, std::string>> parse_copy_source(std::string_view header);
/// The versionId an x-amz-copy-source names (`…?versionId=…`, decoded), or nullopt without one.
std::optional<std::string> copy_source_version_id(std::string_view header);
/// The x-amz-copy-source-if-* condition that fails for `source` (named as S3 names it in the
/// PreconditionFailed document, e.g. "x-amz-copy-source-If-Match"), or nullopt when the copy
/// may proceed.
std::optional<std::string> failed_copy_source_condition(const S3Call& call,
                                                        const ObjectInfo& source);
/// PutObject's / CompleteMultipartUpload's If-None-Match and If-Match, for the store to check.
WriteCondition write_condition(const S3Call& call);
/// A conditional write's failure (412 naming the header, as S3's Condition element) or any
/// other error of the write.
core::Response write_error(const S3Call& call, S3Error error);
/// Whether the request sends any x-amz-copy-source-if-* header.
bool has_copy_source_condition(const S3Call& call);
/// 412 PreconditionFailed naming the condition that failed (e.g. "If-Match").
core::Response precondition_failed(const S3Call& call, std::string_view condition);
/// x-amz-checksum-* headers for the stored checksums that exist.
void add_checksum_headers(core::Response& response, const ObjectInfo& info);

}  // namespace gh::plugins::s3
