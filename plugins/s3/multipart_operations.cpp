// CreateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload, ListParts,
// ListMultipartUploads (S3 API Reference, each operation's page).
#include <charconv>

#include "plugins/s3/operations.hpp"

namespace gh::plugins::s3::ops {

namespace {

std::optional<int> parse_number(std::string_view s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

S3ErrorReply invalid_argument(std::string message, std::string name, std::string value) {
  S3ErrorReply e = reply(400, "InvalidArgument", std::move(message));
  e.details.emplace_back("ArgumentName", std::move(name));
  e.details.emplace_back("ArgumentValue", std::move(value));
  return e;
}

/// The upload's location URL as S3 shows it in CompleteMultipartUploadResult.
std::string location(const S3Call& call) {
  std::string_view host = call.header("Host");
  std::string scheme = call.request().connection.secure ? "https://" : "http://";
  return scheme + std::string(host) + "/" + call.bucket + "/" + call.key;
}

}  // namespace

core::Response create_multipart_upload(S3Call& call) {
  auto id = call.store.create_multipart_upload(call.bucket, call.key,
                                               headers_from_request(call.request()));
  if (!id) return error_response(call, id.error);
  XmlWriter xml("InitiateMultipartUploadResult");
  xml.element("Bucket", call.bucket);
  xml.element("Key", call.key);
  xml.element("UploadId", *id);
  return xml_response(xml.finish());
}

core::Response upload_part(S3Call& call) {
  std::string number_text = call.query.get("partNumber").value_or("");
  auto number = parse_number(number_text);
  if (!number || *number < 1 || *number > 10000) {
    return error_response(
        call, invalid_argument("Part number must be an integer between 1 and 10000, inclusive",
                               "partNumber", number_text));
  }
  S3ErrorReply bad;
  auto options = put_options(call, bad);
  if (!options) return error_response(call, bad);
  return store_payload(call, call.store.begin_upload_part(call.bucket, call.key,
                                                          call.query.get("uploadId").value_or(""),
                                                          *number, std::move(*options)));
}

core::Response complete_multipart_upload(S3Call& call) {
  auto doc = parse_xml(call.body);
  if (!doc || doc->name != "CompleteMultipartUpload") {
    return error_response(
        call, reply(400, "MalformedXML",
                    "The XML you provided was not well-formed or did not validate against our "
                    "published schema"));
  }
  std::vector<CompletedPart> parts;
  for (const XmlNode& node : doc->children) {
    if (node.name != "Part") continue;
    auto number = parse_number(node.child_text("PartNumber"));
    if (!number || parts.size() >= 10000) {
      return error_response(call, reply(400, "MalformedXML",
                                        "The XML you provided was not well-formed or did not "
                                        "validate against our published schema"));
    }
    parts.push_back({*number, node.child_text("ETag")});
  }
  if (parts.empty()) {
    return error_response(
        call, reply(400, "MalformedXML",
                    "The XML you provided was not well-formed or did not validate against our "
                    "published schema"));
  }
  auto info = call.store.complete_multipart_upload(call.bucket, call.key,
                                                   call.query.get("uploadId").value_or(""), parts);
  if (!info) return error_response(call, info.error);
  XmlWriter xml("CompleteMultipartUploadResult");
  xml.element("Location", location(call));
  xml.element("Bucket", call.bucket);
  xml.element("Key", call.key);
  xml.element("ETag", info->etag);
  return xml_response(xml.finish());
}

core::Response abort_multipart_upload(S3Call& call) {
  S3Error e = call.store.abort_multipart_upload(call.bucket, call.key,
                                                call.query.get("uploadId").value_or(""));
  if (e != S3Error::kNone) return error_response(call, e);
  return empty_response(204);
}

core::Response list_parts(S3Call& call) {
  int max_parts = 1000, marker = 0;
  if (auto v = call.query.get("max-parts")) {
    auto n = parse_number(*v);
    if (!n || *n < 0) {
      return error_response(call, invalid_argument("Argument max-parts must be an integer "
                                                   "between 0 and 2147483647",
                                                   "max-parts", *v));
    }
    max_parts = std::min(*n, 1000);
  }
  if (auto v = call.query.get("part-number-marker")) {
    auto n = parse_number(*v);
    if (!n || *n < 0) {
      return error_response(call, invalid_argument("Argument part-number-marker must be an "
                                                   "integer between 0 and 2147483647",
                                                   "part-number-marker", *v));
    }
    marker = *n;
  }
  const std::string upload_id = call.query.get("uploadId").value_or("");
  auto parts = call.store.list_parts(call.bucket, call.key, upload_id);
  if (!parts) return error_response(call, parts.error);
  XmlWriter xml("ListPartsResult");
  xml.element("Bucket", call.bucket);
  xml.element("Key", call.key);
  xml.element("UploadId", upload_id);
  write_owner(xml, "Initiator");
  write_owner(xml);
  xml.element("StorageClass", "STANDARD");
  xml.element("PartNumberMarker", std::to_string(marker));
  std::vector<const PartInfo*> page;
  bool truncated = false;
  for (const PartInfo& part : *parts) {
    if (part.part_number <= marker) continue;
    if (static_cast<int>(page.size()) == max_parts) {
      truncated = true;
      break;
    }
    page.push_back(&part);
  }
  if (!page.empty()) xml.element("NextPartNumberMarker", std::to_string(page.back()->part_number));
  xml.element("MaxParts", std::to_string(max_parts));
  xml.element("IsTruncated", truncated ? "true" : "false");
  for (const PartInfo* part : page) {
    xml.open("Part");
    xml.element("PartNumber", std::to_string(part->part_number));
    xml.element("LastModified", iso8601_ms(part->last_modified_ms));
    xml.element("ETag", part->etag);
    xml.element("Size", std::to_string(part->size));
    xml.close();
  }
  return xml_response(xml.finish());
}

core::Response list_multipart_uploads(S3Call& call) {
  // Every upload in one page, filtered by prefix; key-marker/upload-id-marker paging and
  // delimiter grouping are not implemented yet (a listing is capped at max-uploads, with
  // IsTruncated, so clients never loop).
  auto uploads = call.store.list_multipart_uploads(call.bucket);
  if (!uploads) return error_response(call, uploads.error);
  const std::string prefix = call.query.get("prefix").value_or("");
  int max_uploads = 1000;
  if (auto v = call.query.get("max-uploads")) {
    auto n = parse_number(*v);
    if (!n || *n < 0) {
      return error_response(call, invalid_argument("Argument max-uploads must be an integer "
                                                   "between 0 and 2147483647",
                                                   "max-uploads", *v));
    }
    max_uploads = std::min(*n, 1000);
  }
  XmlWriter xml("ListMultipartUploadsResult");
  xml.element("Bucket", call.bucket);
  xml.element("KeyMarker", "");
  xml.element("UploadIdMarker", "");
  if (!prefix.empty()) xml.element("Prefix", prefix);
  std::vector<const UploadInfo*> page;
  bool truncated = false;
  for (const UploadInfo& u : *uploads) {
    if (!u.key.starts_with(prefix)) continue;
    if (static_cast<int>(page.size()) == max_uploads) {
      truncated = true;
      break;
    }
    page.push_back(&u);
  }
  if (truncated && !page.empty()) {
    xml.element("NextKeyMarker", page.back()->key);
    xml.element("NextUploadIdMarker", page.back()->upload_id);
  }
  xml.element("MaxUploads", std::to_string(max_uploads));
  xml.element("IsTruncated", truncated ? "true" : "false");
  for (const UploadInfo* u : page) {
    xml.open("Upload");
    xml.element("Key", u->key);
    xml.element("UploadId", u->upload_id);
    write_owner(xml, "Initiator");
    write_owner(xml);
    xml.element("StorageClass", "STANDARD");
    xml.element("Initiated", iso8601_ms(u->initiated_ms));
    xml.close();
  }
  return xml_response(xml.finish());
}

}  // namespace gh::plugins::s3::ops
