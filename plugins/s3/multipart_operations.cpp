// CreateMultipartUpload, UploadPart, CompleteMultipartUpload, AbortMultipartUpload, ListParts,
// ListMultipartUploads (S3 API Reference, each operation's page).
#include <algorithm>
#include <charconv>

#include "gateway/util/encoding.hpp"
#include "plugins/s3/operations.hpp"

namespace gh::plugins::s3::ops {

namespace {

std::optional<int> parse_number(std::string_view s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

/// The upload's location URL as S3 shows it in CompleteMultipartUploadResult.
std::string location(const S3Call& call) {
  std::string_view host = call.header("Host");
  std::string scheme = call.request().connection.secure ? "https://" : "http://";
  return scheme + std::string(host) + "/" + call.bucket + "/" + call.key;
}

}  // namespace

core::Response create_multipart_upload(S3Call& call) {
  // S3 API Reference, CreateMultipartUpload: x-amz-tagging, the tag set the completed object
  // gets (CompleteMultipartUpload copies the upload's headers, tags included).
  ObjectHeaders headers = headers_from_request(call.request());
  if (auto refused = tags_from_header(call, headers.tags)) return error_response(call, *refused);
  auto id = call.store.create_multipart_upload(call.bucket, call.key, headers);
  if (!id) return error_response(call, id.error);
  XmlWriter xml("InitiateMultipartUploadResult");
  xml.element("Bucket", call.bucket);
  xml.element("Key", call.key);
  xml.element("UploadId", *id);
  return xml_response(xml.finish());
}

OpenedUpload open_upload_part(S3Call& call) {
  S3ErrorReply bad;
  const auto number = part_number_param(call, bad);
  if (!number) return {nullptr, bad};
  auto options = put_options(call, bad);
  if (!options) return {nullptr, bad};
  auto writer = call.store.begin_upload_part(
      call.bucket, call.key, call.query.get("uploadId").value_or(""), *number, std::move(*options));
  if (!writer) return {nullptr, reply_for(writer.error)};
  return {std::move(*writer), std::nullopt};
}

core::Response upload_part(S3Call& call) { return store_payload(call, open_upload_part(call)); }

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
  auto info = call.store.complete_multipart_upload(
      call.bucket, call.key, call.query.get("uploadId").value_or(""), parts, write_condition(call));
  if (!info) return write_error(call, info.error);
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
  // S3 API Reference, ListMultipartUploads. Uploads are ordered by key, then by initiation time
  // (and upload id, to break ties); `delimiter` rolls keys up into CommonPrefixes, which count
  // against max-uploads as uploads do; key-marker / upload-id-marker resume after a position.
  const std::string prefix = call.query.get("prefix").value_or("");
  const std::string delimiter = call.query.get("delimiter").value_or("");
  const std::string key_marker = call.query.get("key-marker").value_or("");
  // "If key-marker is not specified, the upload-id-marker parameter is ignored."
  const std::string upload_id_marker =
      key_marker.empty() ? "" : call.query.get("upload-id-marker").value_or("");
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
  bool url_encoding = false;
  if (auto enc = call.query.get("encoding-type")) {
    if (*enc != "url") {
      return error_response(call, invalid_argument("Invalid Encoding Method specified in Request",
                                                   "encoding-type", *enc));
    }
    url_encoding = true;
  }
  // encoding-type=url encodes Delimiter, KeyMarker, Prefix, NextKeyMarker and Key (and, as in
  // ListObjects, the CommonPrefixes), '/' kept.
  const auto shown = [&](std::string_view text) {
    return url_encoding ? util::percent_encode(text, true) : std::string(text);
  };

  auto uploads = call.store.list_multipart_uploads(call.bucket);
  if (!uploads) return error_response(call, uploads.error);

  // Where the page starts: after key-marker, or, with upload-id-marker, after that upload of
  // key-marker. The doc says "upload IDs lexicographically greater"; ours are random, so we
  // resume after the marker's position in our order, and fall back to the lexicographic rule
  // only when that upload is gone (completed or aborted between pages).
  std::size_t start = 0;
  const std::vector<UploadInfo>& all = *uploads;
  if (!key_marker.empty()) {
    start = static_cast<std::size_t>(
        std::upper_bound(all.begin(), all.end(), key_marker,
                         [](const std::string& k, const UploadInfo& u) { return k < u.key; }) -
        all.begin());
    if (!upload_id_marker.empty()) {
      auto same =
          std::lower_bound(all.begin(), all.end(), key_marker,
                           [](const UploadInfo& u, const std::string& k) { return u.key < k; });
      auto at = std::find_if(same, all.begin() + static_cast<std::ptrdiff_t>(start),
                             [&](const UploadInfo& u) { return u.upload_id == upload_id_marker; });
      if (at != all.begin() + static_cast<std::ptrdiff_t>(start)) {
        start = static_cast<std::size_t>(at - all.begin()) + 1;
      } else {
        while (same != all.begin() + static_cast<std::ptrdiff_t>(start) &&
               same->upload_id <= upload_id_marker) {
          ++same;
        }
        start = static_cast<std::size_t>(same - all.begin());
      }
    }
  }

  std::vector<const UploadInfo*> page;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_key, next_upload_id;
  for (std::size_t i = start; i < all.size(); ++i) {
    const UploadInfo& u = all[i];
    if (!u.key.starts_with(prefix)) {
      if (u.key > prefix) break;  // sorted: past every key with the prefix
      continue;
    }
    std::string rolled;
    if (!delimiter.empty()) {
      const auto pos = u.key.find(delimiter, prefix.size());
      if (pos != std::string::npos) rolled = u.key.substr(0, pos + delimiter.size());
    }
    // A common prefix at or before key-marker was on an earlier page.
    if (!rolled.empty() &&
        (rolled <= key_marker || (!common_prefixes.empty() && common_prefixes.back() == rolled))) {
      continue;
    }
    if (static_cast<int>(page.size() + common_prefixes.size()) == max_uploads) {
      truncated = true;
      break;
    }
    if (!rolled.empty()) {
      common_prefixes.push_back(rolled);
      next_key = rolled;
      next_upload_id.clear();
    } else {
      page.push_back(&u);
      next_key = u.key;
      next_upload_id = u.upload_id;
    }
  }
  // max-uploads=0 answers an empty, untruncated page (UNVERIFIED, as ListObjects' max-keys=0).
  if (max_uploads == 0) truncated = false;

  // Element order of the API Reference's "Response Syntax".
  XmlWriter xml("ListMultipartUploadsResult");
  xml.element("Bucket", call.bucket);
  xml.element("KeyMarker", shown(key_marker));
  xml.element("UploadIdMarker", upload_id_marker);
  if (truncated) xml.element("NextKeyMarker", shown(next_key));
  xml.element("Prefix", shown(prefix));
  if (!delimiter.empty()) xml.element("Delimiter", shown(delimiter));
  // After a common prefix the next page resumes with key-marker alone (UNVERIFIED: S3's value
  // there; an empty marker makes the SDKs' paginators send none).
  if (truncated) xml.element("NextUploadIdMarker", next_upload_id);
  xml.element("MaxUploads", std::to_string(max_uploads));
  xml.element("IsTruncated", truncated ? "true" : "false");
  for (const UploadInfo* u : page) {
    xml.open("Upload");
    xml.element("Key", shown(u->key));
    xml.element("UploadId", u->upload_id);
    write_owner(xml, "Initiator");
    write_owner(xml);
    xml.element("StorageClass", "STANDARD");
    xml.element("Initiated", iso8601_ms(u->initiated_ms));
    xml.close();
  }
  for (const std::string& p : common_prefixes) {
    xml.open("CommonPrefixes");
    xml.element("Prefix", shown(p));
    xml.close();
  }
  if (url_encoding) xml.element("EncodingType", "url");
  return xml_response(xml.finish());
}

}  // namespace gh::plugins::s3::ops
