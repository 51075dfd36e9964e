// ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation.
#include "plugins/s3/operations.hpp"

namespace gh::plugins::s3::ops {

core::Response list_buckets(S3Call& call) {
  XmlWriter xml("ListAllMyBucketsResult");
  write_owner(xml);
  xml.open("Buckets");
  for (const BucketInfo& b : call.store.list_buckets()) {
    xml.open("Bucket");
    xml.element("Name", b.name);
    xml.element("CreationDate", iso8601_ms(b.created_ms));
    xml.close();
  }
  xml.close();
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
