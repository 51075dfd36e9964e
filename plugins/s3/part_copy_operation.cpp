// UploadPartCopy (S3 API Reference, UploadPartCopy): a multipart upload's part copied from an
// existing object, whole or a byte range of it.
#include <charconv>

#include "plugins/s3/operations.hpp"

namespace gh::plugins::s3::ops {

namespace {

std::optional<std::uint64_t> parse_unsigned(std::string_view s) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

/// x-amz-copy-source-range: exactly `bytes=first-last` with first <= last (S3 API Reference,
/// UploadPartCopy: "The range value must use the form bytes=first-last"). Open ranges
/// ("bytes=5-", "bytes=-5") and lists are refused, unlike GetObject's Range.
std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_copy_range(std::string_view text) {
  constexpr std::string_view kUnit = "bytes=";
  if (!text.starts_with(kUnit)) return std::nullopt;
  text.remove_prefix(kUnit.size());
  const auto dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto first = parse_unsigned(text.substr(0, dash));
  auto last = parse_unsigned(text.substr(dash + 1));
  if (!first || !last || *last < *first) return std::nullopt;  // UNVERIFIED: S3's code for 5-2
  return std::pair(*first, *last);
}

}  // namespace

core::Response upload_part_copy(S3Call& call) {
  S3ErrorReply bad;
  const auto number = part_number_param(call, bad);
  if (!number) return error_response(call, bad);

  const std::string source_header(call.header("x-amz-copy-source"));
  auto source = parse_copy_source(source_header);
  if (!source) {
    // As CopyObject answers it (object_operations.cpp).
    return error_response(call, reply(400, "InvalidArgument", "Invalid copy source object key"));
  }
  // Buckets are not versioned here: every object is the "null" version, so only that id names
  // one. S3 answers a version id it cannot parse with InvalidArgument "Invalid version id
  // specified"; UNVERIFIED whether a well-formed unknown id would be 404 NoSuchVersion instead.
  if (auto version = copy_source_version_id(source_header); version && *version != "null") {
    return error_response(
        call, invalid_argument("Invalid version id specified", "x-amz-copy-source", *version));
  }

  std::optional<std::pair<std::uint64_t, std::uint64_t>> range;
  if (const std::string* text = call.request().headers.find("x-amz-copy-source-range")) {
    range = parse_copy_range(*text);
    if (!range) {
      // The wording S3 answers (seen in gaul/s3proxy#304 and versity/versitygw#1122).
      return error_response(
          call, invalid_argument("The x-amz-copy-source-range value must be of the form "
                                 "bytes=first-last where first and last are the zero-based "
                                 "offsets of the first and last bytes to copy",
                                 "x-amz-copy-source-range", *text));
    }
  }

  // One snapshot of the source answers the conditions and supplies the bytes.
  auto reader = call.store.get_object(source->first, source->second);
  if (!reader) return error_response(call, reader.error);
  const ObjectInfo& info = (*reader)->info();
  if (auto condition = failed_copy_source_condition(call, info)) {
    return precondition_failed(call, *condition);
  }

  std::uint64_t first = 0, length = info.size;
  if (range) {
    // A range reaching past the source: S3 answers 400 InvalidArgument with this message
    // (observed against S3 in versity/versitygw#610 and fsspec/s3fs#321), not GetObject's 416.
    if (range->second >= info.size) {
      return error_response(call, reply(400, "InvalidArgument",
                                        "Range specified is not valid for source object of size: " +
                                            std::to_string(info.size)));
    }
    first = range->first;
    length = range->second - range->first + 1;
  }

  auto part =
      call.store.upload_part_copy(call.bucket, call.key, call.query.get("uploadId").value_or(""),
                                  *number, **reader, first, length);
  if (!part) return error_response(call, part.error);
  // S3 API Reference, UploadPartCopy "Response Syntax": CopyPartResult with ETag, then
  // LastModified (the part's, i.e. now).
  XmlWriter xml("CopyPartResult");
  xml.element("ETag", part->etag);
  xml.element("LastModified", iso8601_ms(part->last_modified_ms));
  return xml_response(xml.finish());
}

}  // namespace gh::plugins::s3::ops
