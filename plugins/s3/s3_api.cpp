#include "plugins/s3/s3_api.hpp"

#include <array>

#include "gateway/util/encoding.hpp"
#include "gateway/util/ids.hpp"
#include "plugins/s3/operations.hpp"
#include "plugins/s3/request_admission.hpp"
#include "plugins/s3/upload_stream.hpp"

namespace gh::plugins::s3 {

namespace {

using Handler = core::Response (*)(S3Call&);

/// An operation: its S3 API name (for IAM and logs) and the function that answers it.
struct Operation {
  std::string_view name;
  Handler handler = nullptr;
};

/// Query parameters that name no sub-resource: a presigned URL's X-Amz-* (any case) or SigV2
/// AWSAccessKeyId/Signature/Expires, and the SDKs' `x-id=PutObject` … markers.
bool is_request_parameter(std::string_view name) {
  if (name == "AWSAccessKeyId" || name == "Signature" || name == "Expires") return true;
  return name.size() >= 2 && (name[0] == 'x' || name[0] == 'X') && name[1] == '-';
}

/// Whether the query names a sub-resource (?acl, ?tagging …), which the plain operations lack.
bool has_subresource(const QueryParams& q) {
  for (const auto& [name, value] : q.items()) {
    if (!is_request_parameter(name)) return true;
  }
  return false;
}

/// Which operation a request is (S3 API Reference, each operation's "Request Syntax").
Operation route(std::string_view method, const std::string& bucket, const std::string& key,
                const QueryParams& q, const core::Request& req) {
  using namespace ops;
  // Object tagging (S3 API Reference, GetObjectTagging, PutObjectTagging, DeleteObjectTagging).
  // The AWS CLI's `s3 cp`, `mv` and `sync` read the source's tags to set them on a multipart
  // copy, and fail the copy when this call fails (AWS CLI Command Reference, s3 cp,
  // --copy-props: "default may require additional HeadObject, GetObjectTagging, and
  // PutObjectTagging API calls").
  if (!key.empty() && q.has("tagging")) {
    if (method == "GET") return {"GetObjectTagging", get_object_tagging};
    if (method == "PUT") return {"PutObjectTagging", put_object_tagging};
    if (method == "DELETE") return {"DeleteObjectTagging", delete_object_tagging};
  }
  // Configuration sub-resources have IAM actions of their own (s3:GetBucketAcl,
  // s3:PutBucketTagging …) and no operation here: never taken for a plain read or write.
  static constexpr std::string_view kSubresources =
      " accelerate acl analytics attributes cors encryption intelligent-tiering "
      "inventory legal-hold lifecycle logging metrics notification object-lock "
      "ownershipControls policy publicAccessBlock replication requestPayment restore "
      "retention tagging versioning website ";
  for (const auto& [name, value] : q.items()) {
    if (kSubresources.find(" " + name + " ") != std::string_view::npos) {
      return {key.empty() ? "BucketSubresource" : "ObjectSubresource", nullptr};
    }
  }
  if (bucket.empty()) {
    if (method == "GET") return {"ListBuckets", list_buckets};
    return {"ListBuckets", nullptr};
  }
  if (key.empty()) {
    if (method == "PUT")
      return !has_subresource(q) ? Operation{"CreateBucket", create_bucket}
                                 : Operation{"PutBucketSubresource", nullptr};
    if (method == "HEAD") return {"HeadBucket", head_bucket};
    if (method == "DELETE")
      return !has_subresource(q) ? Operation{"DeleteBucket", delete_bucket}
                                 : Operation{"DeleteBucketSubresource", nullptr};
    if (method == "POST")
      return q.has("delete") ? Operation{"DeleteObjects", delete_objects}
                             : Operation{"PostBucket", nullptr};
    if (method == "GET") {
      if (q.has("location")) return {"GetBucketLocation", get_bucket_location};
      if (q.has("uploads")) return {"ListMultipartUploads", list_multipart_uploads};
      if (q.get("list-type") == "2") return {"ListObjectsV2", list_objects_v2};
      // Any other sub-resource (?acl, ?versioning, ?policy …) is not implemented.
      static constexpr std::array<std::string_view, 9> kListParams = {
          "prefix",      "delimiter",          "marker",
          "max-keys",    "encoding-type",      "list-type",
          "start-after", "continuation-token", "fetch-owner"};
      for (const auto& [name, value] : q.items()) {
        bool known = false;
        for (auto k : kListParams) known = known || name == k;
        if (!known && !is_request_parameter(name)) return {"GetBucketSubresource", nullptr};
      }
      return {"ListObjects", list_objects_v1};
    }
    return {"Bucket", nullptr};
  }
  const bool upload = q.has("uploadId");
  if (method == "PUT") {
    if (upload && q.has("partNumber")) {
      if (req.headers.contains("x-amz-copy-source")) return {"UploadPartCopy", upload_part_copy};
      return {"UploadPart", upload_part};
    }
    if (req.headers.contains("x-amz-copy-source")) return {"CopyObject", copy_object};
    if (has_subresource(q)) return {"PutObjectSubresource", nullptr};
    return {"PutObject", put_object};
  }
  if (method == "GET")
    return upload ? Operation{"ListParts", list_parts} : Operation{"GetObject", get_object};
  if (method == "HEAD") return {"HeadObject", get_object};
  if (method == "DELETE")
    return upload ? Operation{"AbortMultipartUpload", abort_multipart_upload}
                  : Operation{"DeleteObject", delete_object};
  if (method == "POST") {
    if (q.has("uploads")) return {"CreateMultipartUpload", create_multipart_upload};
    if (upload) return {"CompleteMultipartUpload", complete_multipart_upload};
  }
  return {"Object", nullptr};
}

/// Why an unrouted request is refused: an unknown method (405) or a sub-resource we do not
/// implement (501, as S3 answers features it lacks).
S3ErrorReply refusal(std::string_view method) {
  static constexpr std::array<std::string_view, 5> kMethods = {"GET", "PUT", "HEAD", "DELETE",
                                                               "POST"};
  for (auto m : kMethods) {
    if (m == method) {
      return reply(501, "NotImplemented",
                   "A header you provided implies functionality that is not implemented");
    }
  }
  return reply(405, "MethodNotAllowed",
               "The specified method is not allowed against this resource.");
}

core::Response dispatch(S3Call& call) {
  Operation op = route(call.request().method, call.bucket, call.key, call.query, call.request());
  // What we do not implement is refused first: no IAM action names it.
  if (!op.handler) return error_response(call, refusal(call.request().method));
  if (auto refused = admit_request(call, op.name)) return error_response(call, *refused);
  return op.handler(call);
}

class S3Api final : public core::ServiceApi {
 public:
  S3Api(StoreService& store, const config::AwsConfig& aws) : store_(store), aws_(aws) {}

  std::string_view name() const override { return "s3"; }

  bool claims(const core::Request& request) const override { return is_s3_request(request); }

  std::unique_ptr<core::BodySink> stream_body(core::RequestContext& ctx) const override {
    // PutObject and UploadPart bodies go to disk as they arrive (any size up to S3's 5 GiB);
    // every other body is small and read whole. With an unusable data directory, handle()
    // answers from a whole body.
    ObjectStore* store = store_.get();
    if (!store) return nullptr;
    const core::Request& req = ctx.request;
    auto [bucket, key] = address_of(req);
    QueryParams query(req.query);
    Operation op = route(req.method, bucket, key, query, req);
    if (!op.handler || (op.name != "PutObject" && op.name != "UploadPart")) return nullptr;
    S3Call call{ctx, *store,          aws_, std::move(bucket), std::move(key), std::move(query), {},
                {},  s3_request_id(), {}};
    return std::make_unique<UploadStream>(std::move(call), op.name);
  }

  boost::asio::awaitable<void> handle(core::RequestContext& ctx,
                                      core::Response& out) const override {
    // On the blocking pool: store calls wait on the disk (fsync), and this worker thread has
    // other connections to serve meanwhile.
    out = co_await store_.pool().run([this, &ctx] { return answer_s3_request(store_, aws_, ctx); });
  }

  std::optional<core::Response> too_large(const core::Request& req,
                                          std::size_t limit) const override {
    // S3 API Reference, "List of error codes": EntityTooLarge, 400, with the sizes.
    S3ErrorReply e =
        reply(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size");
    if (const std::string* length = req.headers.find("Content-Length")) {
      e.details.emplace_back("ProposedSize", *length);
    }
    e.details.emplace_back("MaxSizeAllowed", std::to_string(limit));
    return standalone_error(e, req.method);
  }

 private:
  StoreService& store_;
  const config::AwsConfig& aws_;
};

}  // namespace

/// The bucket a virtual-hosted Host names ("photos.s3.localhost:4566" → "photos"), or "".
std::string virtual_host_bucket(std::string_view host) {
  if (host.empty() || host.front() == '[') return {};  // IPv6 literal
  if (auto colon = host.rfind(':'); colon != std::string_view::npos) host = host.substr(0, colon);
  std::string lower = core::to_lower(host);
  std::string_view h = lower;
  for (std::string_view suffix :
       {std::string_view(".s3.localhost"), std::string_view(".localhost")}) {
    if (h.size() > suffix.size() && h.ends_with(suffix)) {
      std::string_view bucket = h.substr(0, h.size() - suffix.size());
      if (bucket == "s3") return {};  // s3.localhost: path-style
      return std::string(bucket);
    }
  }
  return {};
}

std::string_view operation_name(const core::Request& request, const S3Address& address,
                                const QueryParams& query) {
  return route(request.method, address.bucket, address.key, query, request).name;
}

bool is_s3_request(const core::Request& request) {
  if (request.headers.contains("X-Amz-Target")) return false;
  std::string_view path = request.path;
  for (std::string_view reserved :
       {std::string_view("/2015-03-31/"), std::string_view("/_gatehouse/"),
        std::string_view("/usageplans/")}) {
    if (path.starts_with(reserved)) return false;
  }
  return path.find("/@connections/") == std::string_view::npos;
}

S3Address address_of(const core::Request& req) {
  S3Address a;
  a.bucket = virtual_host_bucket(req.headers.get("Host"));
  std::string_view path = req.path;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (a.bucket.empty()) {
    auto slash = path.find('/');
    a.bucket = util::percent_decode(path.substr(0, slash));
    if (slash != std::string_view::npos) a.key = util::percent_decode(path.substr(slash + 1));
  } else {
    a.key = util::percent_decode(path);
  }
  return a;
}

core::Response answer_s3_request(StoreService& store_service, const config::AwsConfig& aws,
                                 core::RequestContext& ctx) {
  if (auto* upload = dynamic_cast<UploadStream*>(ctx.body_sink.get())) {
    // The body went to the store as it arrived (stream_body): finish the upload.
    core::Response out = upload->finish();
    add_s3_ids(out, upload->request_id());
    return out;
  }
  const core::Request& req = ctx.request;
  auto [bucket, key] = address_of(req);
  const std::string request_id = s3_request_id();
  core::Response out;
  if (ObjectStore* store = store_service.get()) {
    S3Call call{ctx, *store,     aws, std::move(bucket), std::move(key), QueryParams(req.query), {},
                {},  request_id, {}};
    out = dispatch(call);
  } else {
    // The data directory is unusable (logged by StoreService).
    return standalone_error(reply_for(S3Error::kInternalError), req.method);
  }
  add_s3_ids(out, request_id);
  return out;
}

std::shared_ptr<const core::ServiceApi> make_s3_api(StoreService& store,
                                                    const config::AwsConfig& aws) {
  return std::make_shared<S3Api>(store, aws);
}

}  // namespace gh::plugins::s3
