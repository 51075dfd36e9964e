// ListObjects (v1) and ListObjectsV2 (S3 API Reference, ListObjects / ListObjectsV2).
#include <charconv>

#include "gateway/util/encoding.hpp"
#include "plugins/s3/operations.hpp"

namespace gh::plugins::s3::ops {

namespace {

/// The parameters both versions share, checked as S3 checks them.
struct ListParams {
  ListQuery query;
  bool url_encoding = false;
  int requested_max_keys = 1000;
};

std::optional<ListParams> read_params(const S3Call& call, S3ErrorReply& error) {
  ListParams p;
  p.query.prefix = call.query.get("prefix").value_or("");
  p.query.delimiter = call.query.get("delimiter").value_or("");
  if (auto max = call.query.get("max-keys")) {
    int v = -1;
    auto [end, ec] = std::from_chars(max->data(), max->data() + max->size(), v);
    if (ec != std::errc() || end != max->data() + max->size() || v < 0) {
      error =
          reply(400, "InvalidArgument", "Provided max-keys not an integer or within integer range");
      error.details.emplace_back("ArgumentName", "max-keys");
      error.details.emplace_back("ArgumentValue", *max);
      return std::nullopt;
    }
    p.requested_max_keys = v;
  }
  p.query.max_keys = std::min(p.requested_max_keys, 1000);
  if (auto enc = call.query.get("encoding-type")) {
    if (*enc != "url") {
      error = reply(400, "InvalidArgument", "Invalid Encoding Method specified in Request");
      error.details.emplace_back("ArgumentName", "encoding-type");
      error.details.emplace_back("ArgumentValue", *enc);
      return std::nullopt;
    }
    p.url_encoding = true;
  }
  return p;
}

/// A key or prefix as the listing shows it: with encoding-type=url, URL-encoded ('/' kept,
/// as S3 does; clients decode with unquote_plus / decodeURIComponent).
std::string shown(const ListParams& p, std::string_view text) {
  return p.url_encoding ? util::percent_encode(text, true) : std::string(text);
}

void write_entries(XmlWriter& xml, const ListParams& p, const ListPage& page, bool owner) {
  for (const ListEntry& e : page.contents) {
    xml.open("Contents");
    xml.element("Key", shown(p, e.key));
    xml.element("LastModified", iso8601_ms(e.summary.last_modified_ms));
    xml.element("ETag", e.summary.etag);
    xml.element("Size", std::to_string(e.summary.size));
    if (owner) write_owner(xml);
    xml.element("StorageClass", "STANDARD");
    xml.close();
  }
  for (const std::string& prefix : page.common_prefixes) {
    xml.open("CommonPrefixes");
    xml.element("Prefix", shown(p, prefix));
    xml.close();
  }
}

}  // namespace

core::Response list_objects_v1(S3Call& call) {
  S3ErrorReply error;
  auto p = read_params(call, error);
  if (!p) return error_response(call, error);
  std::string marker = call.query.get("marker").value_or("");
  p->query.after = marker;
  auto page = call.store.list_objects(call.bucket, p->query);
  if (!page) return error_response(call, page.error);
  XmlWriter xml("ListBucketResult");
  xml.element("Name", call.bucket);
  xml.element("Prefix", shown(*p, p->query.prefix));
  xml.element("Marker", shown(*p, marker));
  // NextMarker only with a delimiter (S3 API Reference, ListObjects: without one, clients use
  // the last key).
  if (page->is_truncated && !p->query.delimiter.empty()) {
    xml.element("NextMarker", shown(*p, page->last_returned));
  }
  xml.element("MaxKeys", std::to_string(p->requested_max_keys));
  if (!p->query.delimiter.empty()) xml.element("Delimiter", shown(*p, p->query.delimiter));
  xml.element("IsTruncated", page->is_truncated ? "true" : "false");
  if (p->url_encoding) xml.element("EncodingType", "url");
  write_entries(xml, *p, *page, true);
  return xml_response(xml.finish());
}

core::Response list_objects_v2(S3Call& call) {
  S3ErrorReply error;
  auto p = read_params(call, error);
  if (!p) return error_response(call, error);
  std::string start_after = call.query.get("start-after").value_or("");
  auto token_text = call.query.get("continuation-token");
  std::optional<std::string> token;
  if (token_text) {
    token = decode_continuation_token(*token_text);
    if (!token) {
      S3ErrorReply e =
          reply(400, "InvalidArgument", "The continuation token provided is incorrect");
      e.details.emplace_back("ArgumentName", "continuation-token");
      return error_response(call, e);
    }
  }
  p->query.after = v2_list_after(start_after, token);
  auto page = call.store.list_objects(call.bucket, p->query);
  if (!page) return error_response(call, page.error);
  XmlWriter xml("ListBucketResult");
  xml.element("Name", call.bucket);
  xml.element("Prefix", shown(*p, p->query.prefix));
  if (!p->query.delimiter.empty()) xml.element("Delimiter", shown(*p, p->query.delimiter));
  xml.element("MaxKeys", std::to_string(p->requested_max_keys));
  if (p->url_encoding) xml.element("EncodingType", "url");
  xml.element("KeyCount", std::to_string(page->contents.size() + page->common_prefixes.size()));
  xml.element("IsTruncated", page->is_truncated ? "true" : "false");
  if (token_text) xml.element("ContinuationToken", *token_text);
  if (page->is_truncated) {
    xml.element("NextContinuationToken", encode_continuation_token(page->last_returned));
  }
  if (call.query.has("start-after")) xml.element("StartAfter", shown(*p, start_after));
  write_entries(xml, *p, *page, call.query.get("fetch-owner") == "true");
  return xml_response(xml.finish());
}

}  // namespace gh::plugins::s3::ops
