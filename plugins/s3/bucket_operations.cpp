// ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation.
#include <charconv>
#include <limits>

#include "plugins/s3/object_listing.hpp"
#include "plugins/s3/operations.hpp"

namespace gh::plugins::s3::ops {

core::Response list_buckets(S3Call& call) {
  // S3 API Reference, ListBuckets (2024): `prefix` filters by name, `bucket-region` by region,
  // `max-buckets` (1–10,000) pages with an opaque ContinuationToken; with any of them and no
  // max-buckets, pages are 10,000. Without any, every bucket at once.
  // UNVERIFIED: the wording of the max-buckets and token refusals (ListObjectsV2's here).
  const std::string prefix = call.query.get("prefix").value_or("");
  const auto region = call.query.get("bucket-region");
  const auto token_text = call.query.get("continuation-token");
  const auto max_text = call.query.get("max-buckets");
  std::size_t page = std::numeric_limits<std::size_t>::max();
  if (max_text) {
    int v = 0;
    auto [end, ec] = std::from_chars(max_text->data(), max_text->data() + max_text->size(), v);
    if (ec != std::errc() || end != max_text->data() + max_text->size() || v < 1 || v > 10000) {
      return error_response(call, invalid_argument("Argument max-buckets must be an integer "
                                                   "between 1 and 10000",
                                                   "max-buckets", *max_text));
    }
    page = static_cast<std::size_t>(v);
  } else if (call.query.has("prefix") || region || token_text) {
    page = 10000;
  }
  std::string after;
  if (token_text) {
    auto token = decode_continuation_token(*token_text);
    if (!token) {
      return error_response(call, invalid_argument("The continuation token provided is incorrect",
                                                   "continuation-token", *token_text));
    }
    after = std::move(*token);
  }
  XmlWriter xml("ListAllMyBucketsResult");
  write_owner(xml);
  xml.open("Buckets");
  std::size_t listed = 0;
  std::string last;
  bool more = false;
  for (const BucketInfo& b : call.store.list_buckets()) {  // sorted by name
    if (!b.name.starts_with(prefix) || (!after.empty() && b.name <= after)) continue;
    if (region && *region != call.aws.region) break;  // every bucket is in aws.region
    if (listed == page) {
      more = true;
      break;
    }
    xml.open("Bucket");
    xml.element("Name", b.name);
    xml.element("CreationDate", iso8601_ms(b.created_ms));
    xml.close();
    last = b.name;
    ++listed;
  }
  xml.close();
  if (more) xml.element("ContinuationToken", encode_continuation_token(last));
  if (call.query.has("prefix")) xml.element("Prefix", prefix);
  return xml_response(xml.finish());
}

core::Response create_bucket(S3Call& call) {
  // The optional body: <CreateBucketConfiguration><LocationConstraint>…</…></…>. We keep one
  // region (aws.region), so the constraint is only checked for well-formedness.
  // UNVERIFIED: S3 refuses a LocationConstraint that differs from the endpoint's region
  // (IllegalLocationConstraintException); we accept any, as local emulators commonly do.
  if (call.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    auto doc = parse_xml(call.body);
    if (!doc || doc->name != "CreateBucketConfiguration") {
      return error_response(
          call, reply(400, "MalformedXML",
                      "The XML you provided was not well-formed or did not validate against our "
                      "published schema"));
    }
  }
  // Re-creating a bucket we own (one owner here, so any existing bucket): S3 API Reference,
  // "BucketAlreadyOwnedByYou": "Amazon S3 returns this error in all AWS Regions except in the
  // North Virginia Region. For legacy compatibility, if you re-create an existing bucket that
  // you already own in the North Virginia Region, Amazon S3 returns 200 OK". The bucket and its
  // objects are kept (there are no ACLs here to reset).
  const S3Error e = call.store.create_bucket(call.bucket);
  const bool legacy_ok = e == S3Error::kBucketAlreadyOwnedByYou && call.aws.region == "us-east-1";
  if (e != S3Error::kNone && !legacy_ok) return error_response(call, e);
  core::Response out = empty_response();
  out.headers.add("Location", "/" + call.bucket);
  return out;
}

core::Response head_bucket(S3Call& call) {
  if (S3Error e = call.store.head_bucket(call.bucket); e != S3Error::kNone) {
    return error_response(call, e);
  }
  core::Response out = empty_response();
  out.headers.add("x-amz-bucket-region", call.aws.region);
  return out;
}

core::Response delete_bucket(S3Call& call) {
  if (S3Error e = call.store.delete_bucket(call.bucket); e != S3Error::kNone) {
    return error_response(call, e);
  }
  return empty_response(204);
}

core::Response get_bucket_location(S3Call& call) {
  if (S3Error e = call.store.head_bucket(call.bucket); e != S3Error::kNone) {
    return error_response(call, e);
  }
  // S3 API Reference, GetBucketLocation: buckets in us-east-1 have a null LocationConstraint.
  XmlWriter xml("LocationConstraint");
  std::string doc = xml.finish();
  if (call.aws.region != "us-east-1") {
    auto close = doc.rfind("</LocationConstraint>");
    doc.insert(close, xml_escape(call.aws.region));
  }
  return xml_response(std::move(doc));
}

}  // namespace gh::plugins::s3::ops
