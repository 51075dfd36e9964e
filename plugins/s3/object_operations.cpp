// PutObject, GetObject / HeadObject, DeleteObject, DeleteObjects, CopyObject.
#include <array>

#include "gateway/util/encoding.hpp"
#include "plugins/s3/operations.hpp"

namespace gh::plugins::s3::ops {

namespace {

const S3ErrorReply& malformed_xml() {
  static const S3ErrorReply kReply =
      reply(400, "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our published "
            "schema");
  return kReply;
}

/// The headers Get/HeadObject answer with (S3 API Reference, GetObject "Response Syntax").
void add_object_headers(core::Response& out, const ObjectInfo& info) {
  const ObjectHeaders& h = info.headers;
  out.headers.add("Content-Type", h.content_type.empty() ? "binary/octet-stream" : h.content_type);
  out.headers.add("ETag", info.etag);
  out.headers.add("Last-Modified", http_date_ms(info.last_modified_ms));
  out.headers.add("Accept-Ranges", "bytes");
  auto optional = [&](std::string_view name, const std::string& value) {
    if (!value.empty()) out.headers.add(std::string(name), value);
  };
  optional("Content-Encoding", h.content_encoding);
  optional("Content-Disposition", h.content_disposition);
  optional("Content-Language", h.content_language);
  optional("Cache-Control", h.cache_control);
  optional("Expires", h.expires);
  for (const auto& [name, value] : h.user_metadata) out.headers.add("x-amz-meta-" + name, value);
  // S3 API Reference, GetObject / HeadObject: x-amz-tagging-count, "The number of tags, if
  // any, on the object".
  if (!h.tags.empty()) out.headers.add("x-amz-tagging-count", std::to_string(h.tags.size()));
}

/// RFC 9110 §13.2.2's evaluation order, which S3 follows (S3 API Reference, GetObject:
/// If-Match true + If-Unmodified-Since false → 200; If-None-Match false + If-Modified-Since
/// true → 304). 0 when the request proceeds, else 304 or 412.
int evaluate_preconditions(const S3Call& call, const ObjectInfo& info) {
  const std::int64_t modified_s = info.last_modified_ms / 1000;
  if (const std::string* match = call.request().headers.find("If-Match")) {
    if (!etag_listed(*match, info.etag)) return 412;
  } else if (const std::string* since = call.request().headers.find("If-Unmodified-Since")) {
    if (auto t = parse_http_date(*since); t && modified_s > *t) return 412;
  }
  if (const std::string* none = call.request().headers.find("If-None-Match")) {
    if (etag_listed(*none, info.etag)) return 304;
  } else if (const std::string* since = call.request().headers.find("If-Modified-Since")) {
    if (auto t = parse_http_date(*since); t && modified_s <= *t) return 304;
  }
  return 0;
}

/// The 304 or 412 the conditional headers answer, or nullopt when the request proceeds.
std::optional<core::Response> refused_by_preconditions(const S3Call& call, const ObjectInfo& info) {
  const int status = evaluate_preconditions(call, info);
  if (status == 412) {
    return precondition_failed(
        call, call.request().headers.contains("If-Match") ? "If-Match" : "If-Unmodified-Since");
  }
  if (status == 304) {
    core::Response out = empty_response(304);
    out.headers.add("ETag", info.etag);
    out.headers.add("Last-Modified", http_date_ms(info.last_modified_ms));
    return out;
  }
  return std::nullopt;
}

/// GetObject's ?partNumber=: nullopt without one, else the number or S3's 400 (not 1–10000, or
/// with a Range too).
std::optional<int> requested_part(const S3Call& call, std::optional<S3ErrorReply>& error) {
  if (!call.query.has("partNumber")) return std::nullopt;
  S3ErrorReply bad;
  const auto number = part_number_param(call, bad);
  if (!number) {
    error = std::move(bad);
  } else if (call.request().headers.contains("Range")) {
    // UNVERIFIED wording: S3's InvalidRequest for both at once, as S3-compatible servers quote it.
    error = reply(400, "InvalidRequest",
                  "Cannot specify both Range header and partNumber query parameter.");
  }
  return number;
}

/// 416 InvalidRange for a Range that starts past the object's end.
core::Response invalid_range(const S3Call& call, std::uint64_t size) {
  S3ErrorReply e = reply_for(S3Error::kInvalidRange);
  e.details.emplace_back("RangeRequested", std::string(call.header("Range")));
  e.details.emplace_back("ActualObjectSize", std::to_string(size));
  core::Response out = error_response(call, e);
  out.headers.add("Content-Range", "bytes */" + std::to_string(size));
  return out;
}

/// Narrows `reader` to the part or the Range the request asks for, or S3's error when it cannot.
std::optional<core::Response> select_body(const S3Call& call, ObjectReader& reader,
                                          std::optional<int> part) {
  if (part) {
    // S3 API Reference, GetObject: partNumber "Effectively performs a 'ranged' GET request for
    // the part specified" (206 with the part's Content-Range; a single-part object is part 1,
    // as moto and Ceph's s3-tests expect of S3).
    const S3Error e = reader.select_part(static_cast<std::size_t>(*part));
    if (e != S3Error::kNone) return error_response(call, e);
  } else if (const std::string* text = call.request().headers.find("Range")) {
    const auto range = parse_range_header(*text);
    if (range && reader.select_range(*range) != S3Error::kNone) {
      return invalid_range(call, reader.info().size);
    }
  }
  return std::nullopt;
}

/// Bodies up to this size are read into the response at once; larger ones stream.
constexpr std::uint64_t kInlineBodyBytes = 256 * 1024;

/// GetObject's body read from the object's file while it is sent.
class ReaderSource final : public core::BodySource {
 public:
  explicit ReaderSource(std::unique_ptr<ObjectReader> reader) : reader_(std::move(reader)) {}
  std::uint64_t size() const override { return reader_->content_length(); }
  std::size_t read(char* out, std::size_t n, std::error_code& ec) override {
    return reader_->read(out, n, ec);
  }
  FileSpan file() const override { return {reader_->fd(), reader_->position()}; }

 private:
  std::unique_ptr<ObjectReader> reader_;
};

}  // namespace

OpenedUpload open_put_object(S3Call& call) {
  S3ErrorReply bad;
  auto options = put_options(call, bad);
  if (!options) return {nullptr, bad};
  if (auto refused = tags_from_header(call, options->headers.tags)) return {nullptr, *refused};
  options->condition = write_condition(call);
  auto writer = call.store.begin_put(call.bucket, call.key, std::move(*options));
  if (!writer) return {nullptr, reply_for(writer.error)};
  return {std::move(*writer), std::nullopt};
}

core::Response put_object(S3Call& call) { return store_payload(call, open_put_object(call)); }

core::Response get_object(S3Call& call) {
  const bool head = call.request().method == "HEAD";
  std::optional<S3ErrorReply> bad_part;
  const std::optional<int> part = requested_part(call, bad_part);
  if (bad_part) return error_response(call, *bad_part);
  auto reader = call.store.get_object(call.bucket, call.key);
  if (!reader) return error_response(call, reader.error);
  ObjectReader& r = **reader;
  const ObjectInfo& info = r.info();
  // The conditions come before the Range: RFC 9110 §13.2.2 evaluates Range last (step 5), so a
  // 304 or 412 wins over a 416 (UNVERIFIED against S3 itself for unsatisfiable ranges).
  if (auto refused = refused_by_preconditions(call, info)) return std::move(*refused);
  if (auto refused = select_body(call, r, part)) return std::move(*refused);

  core::Response out = empty_response(r.is_range() ? 206 : 200);
  add_object_headers(out, info);
  // x-amz-mp-parts-count only answers a partNumber request on a multipart object (S3 sends it
  // nowhere else: boto/boto3#3137, ceph/ceph#66764).
  if (part && !info.part_sizes.empty()) {
    out.headers.add("x-amz-mp-parts-count", std::to_string(info.part_sizes.size()));
  }
  if (r.is_range()) {
    const std::uint64_t last = r.range_first() + r.content_length() - 1;
    out.headers.add("Content-Range", "bytes " + std::to_string(r.range_first()) + "-" +
                                         std::to_string(last) + "/" + std::to_string(info.size));
  } else if (core::iequals(call.header("x-amz-checksum-mode"), "ENABLED")) {
    // A range has no whole-object checksum to check against (UNVERIFIED: S3 omits it there).
    add_checksum_headers(out, info);
  }
  // response-* overrides (GetObject only; S3 API Reference, GetObject "URI Request Parameters").
  if (!head) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kOverrides = {{
        {"response-content-type", "Content-Type"},
        {"response-content-language", "Content-Language"},
        {"response-expires", "Expires"},
        {"response-cache-control", "Cache-Control"},
        {"response-content-disposition", "Content-Disposition"},
        {"response-content-encoding", "Content-Encoding"},
    }};
    for (const auto& [param, header] : kOverrides) {
      if (auto v = call.query.get(param)) out.headers.set(header, *v);
    }
  }
  if (head) {
    // The wire layer sends this length for a HEAD instead of the (empty) body's.
    out.headers.add("Content-Length", std::to_string(r.content_length()));
    return out;
  }
  if (r.content_length() > kInlineBodyBytes) {
    // Read while it is sent, from the file the reader holds open (a concurrent overwrite or
    // delete does not change what the client gets).
    out.body_source = std::make_shared<ReaderSource>(std::move(*reader));
    return out;
  }
  out.body.resize(r.content_length());
  std::size_t filled = 0;
  while (filled < out.body.size()) {
    std::error_code ec;
    std::size_t n = r.read(out.body.data() + filled, out.body.size() - filled, ec);
    if (ec || n == 0) return error_response(call, S3Error::kInternalError);
    filled += n;
  }
  return out;
}

core::Response get_object_tagging(S3Call& call) {
  // S3 API Reference, GetObjectTagging: 200 with <Tagging><TagSet><Tag><Key/><Value/></Tag>…
  // in S3's namespace, an empty TagSet for an object without tags; NoSuchKey / NoSuchBucket as
  // GetObject answers.
  auto info = call.store.head_object(call.bucket, call.key);
  if (!info) return error_response(call, info.error);
  XmlWriter xml("Tagging");
  xml.open("TagSet");
  for (const auto& [key, value] : info->headers.tags) {
    xml.open("Tag");
    xml.element("Key", key);
    xml.element("Value", value);
    xml.close();
  }
  return xml_response(xml.finish());
}

core::Response put_object_tagging(S3Call& call) {
  // S3 API Reference, PutObjectTagging: PUT /{Key+}?tagging with
  // <Tagging><TagSet><Tag><Key>…</Key><Value>…</Value></Tag>…</TagSet></Tagging>, which
  // replaces the object's tag set; 200 with an empty body. Errors: InvalidTag, MalformedXML.
  auto doc = parse_xml(call.body);
  if (!doc || doc->name != "Tagging") return error_response(call, malformed_xml());
  const XmlNode* set = doc->child("TagSet");
  if (!set) return error_response(call, malformed_xml());
  TagList tags;
  for (const XmlNode& tag : set->children) {
    if (tag.name != "Tag") return error_response(call, malformed_xml());
    const XmlNode* key = tag.child("Key");
    const XmlNode* value = tag.child("Value");
    // Both are required in the Tag data type (S3 API Reference, "Tag").
    if (!key || !value) return error_response(call, malformed_xml());
    tags.emplace_back(key->text, value->text);
  }
  std::map<std::string, std::string> valid;
  if (auto refused = validate_tags(tags, valid)) return error_response(call, *refused);
  auto info = call.store.put_object_tags(call.bucket, call.key, std::move(valid));
  if (!info) return error_response(call, info.error);
  return empty_response(200);
}

core::Response delete_object_tagging(S3Call& call) {
  // S3 API Reference, DeleteObjectTagging: DELETE /{Key+}?tagging removes the tag set; 204.
  auto info = call.store.put_object_tags(call.bucket, call.key, {});
  if (!info) return error_response(call, info.error);
  return empty_response(204);
}

core::Response delete_object(S3Call& call) {
  if (S3Error e = call.store.delete_object(call.bucket, call.key); e != S3Error::kNone) {
    return error_response(call, e);
  }
  return empty_response(204);
}

core::Response delete_objects(S3Call& call) {
  // S3 API Reference, DeleteObjects: <Delete><Quiet>true</Quiet><Object><Key>…</Key>…</Delete>,
  // up to 1,000 keys, with a digest of the body (checked first: a body that is not what was
  // sent is not parsed).
  if (auto e = check_required_digest(call)) return error_response(call, *e);
  auto doc = parse_xml(call.body);
  if (!doc || doc->name != "Delete") return error_response(call, malformed_xml());
  const bool quiet = doc->child_text("Quiet") == "true";
  std::vector<std::string> keys;
  for (const XmlNode& node : doc->children) {
    if (node.name != "Object") continue;
    const XmlNode* key = node.child("Key");
    if (!key) return error_response(call, malformed_xml());
    keys.push_back(key->text);
  }
  if (keys.empty() || keys.size() > 1000) return error_response(call, malformed_xml());
  // iam.enforce: keys the caller may not delete (request_admission.cpp) are AccessDenied
  // entries, as S3 reports them, and the others go ahead.
  std::vector<std::string> denied;
  std::erase_if(keys, [&](const std::string& key) {
    if (!call.denied_keys.contains(key)) return false;
    denied.push_back(key);
    return true;
  });
  auto results = call.store.delete_objects(call.bucket, keys);
  if (!results) return error_response(call, results.error);
  XmlWriter xml("DeleteResult");
  for (const std::string& key : denied) {
    xml.open("Error");
    xml.element("Key", key);
    xml.element("Code", "AccessDenied");
    xml.element("Message", "Access Denied");
    xml.close();
  }
  for (const DeleteResult& r : *results) {
    if (r.error == S3Error::kNone) {
      if (quiet) continue;
      xml.open("Deleted");
      xml.element("Key", r.key);
      xml.close();
    } else {
      S3ErrorReply e = reply_for(r.error);
      xml.open("Error");
      xml.element("Key", r.key);
      xml.element("Code", e.code);
      xml.element("Message", e.message);
      xml.close();
    }
  }
  return xml_response(xml.finish());
}

core::Response copy_object(S3Call& call) {
  auto source = parse_copy_source(call.header("x-amz-copy-source"));
  if (!source) {
    return error_response(call, reply(400, "InvalidArgument", "Invalid copy source object key"));
  }
  CopyRequest request;
  request.src_bucket = source->first;
  request.src_key = source->second;
  request.dst_bucket = call.bucket;
  request.dst_key = call.key;
  std::string_view directive = call.header("x-amz-metadata-directive");
  if (directive == "REPLACE") {
    request.replace_metadata = true;
    request.new_headers = headers_from_request(call.request());
  } else if (!directive.empty() && directive != "COPY") {
    return error_response(call, reply(400, "InvalidArgument", "Unknown metadata directive."));
  }
  // S3 API Reference, CopyObject: x-amz-tagging-directive "Specifies whether the object tag-set
  // is copied from the source object or replaced with the tag-set that's provided in the
  // request. The default value is COPY." Valid values: COPY | REPLACE.
  std::string_view tagging = call.header("x-amz-tagging-directive");
  if (tagging == "REPLACE") {
    std::map<std::string, std::string> tags;
    if (auto refused = tags_from_header(call, tags)) return error_response(call, *refused);
    request.new_tags = std::move(tags);
  } else if (!tagging.empty() && tagging != "COPY") {
    // UNVERIFIED wording, by analogy with the metadata directive's.
    return error_response(call, reply(400, "InvalidArgument", "Unknown tagging directive."));
  }
  // Copy preconditions (x-amz-copy-source-if-*) against the source, by the rule UploadPartCopy
  // uses (failed_copy_source_condition).
  if (has_copy_source_condition(call)) {
    auto src = call.store.head_object(request.src_bucket, request.src_key);
    if (!src) return error_response(call, src.error);
    if (auto condition = failed_copy_source_condition(call, *src)) {
      return precondition_failed(call, *condition);
    }
  }
  auto info = call.store.copy_object(request);
  if (!info) return error_response(call, info.error);
  XmlWriter xml("CopyObjectResult");
  xml.element("LastModified", iso8601_ms(info->last_modified_ms));
  xml.element("ETag", info->etag);
  return xml_response(xml.finish());
}

}  // namespace gh::plugins::s3::ops
