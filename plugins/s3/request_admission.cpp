#include "plugins/s3/request_admission.hpp"

#include <set>
#include <vector>

#include "plugins/s3/aws_chunked.hpp"
#include "plugins/s3/s3_auth.hpp"

namespace gh::plugins::s3 {

namespace {

/// Whether the body is aws-chunked: announced by x-amz-content-sha256 (STREAMING-…) or, for
/// clients that send only the encoding, by Content-Encoding: aws-chunked.
bool body_is_chunked(const core::Request& req, PayloadMode mode) {
  if (is_aws_chunked(mode)) return true;
  std::string lower = core::to_lower(req.headers.get("Content-Encoding"));
  return lower.find("aws-chunked") != std::string::npos;
}

/// DeleteObjects' keys, from its document (empty when malformed: the operation says so).
std::vector<std::string> keys_to_delete(const core::Request& req) {
  std::vector<std::string> keys;
  auto doc = parse_xml(req.body);
  if (!doc) return keys;
  for (const XmlNode& node : doc->children) {
    if (node.name == "Object") keys.push_back(node.child_raw("Key"));
  }
  return keys;
}

/// iam.enforce: the operation's own permission, and for CopyObject and UploadPartCopy
/// s3:GetObject on the source.
std::optional<S3ErrorReply> authorize(core::RequestContext& ctx, const S3Address& target,
                                      std::string_view operation,
                                      std::optional<ChunkSigning>& signing,
                                      std::set<std::string, std::less<>>& denied_keys) {
  const core::ServiceAuthorizer& authorizer = *ctx.service_authorizer;
  // DeleteObjects is s3:DeleteObject on each key: the first decides for the request, the
  // others are checked one by one below (AccessDenied entries in the result).
  std::vector<std::string> delete_keys;
  if (operation == "DeleteObjects") delete_keys = keys_to_delete(ctx.request);
  auto access = s3_access(operation, target.bucket,
                          delete_keys.empty() ? std::string_view(target.key) : delete_keys[0]);
  if (!access) {
    access = S3Access{"s3:" + std::string(operation), s3_arn(target.bucket, target.key)};
  }
  S3AuthOutcome outcome = authorize_s3(ctx, authorizer, *access);
  if (outcome.error) return outcome.error;
  signing = std::move(outcome.chunk_signing);
  for (std::size_t i = 1; i < delete_keys.size(); ++i) {
    const std::string& key = delete_keys[i];
    if (denied_keys.contains(key) || key == delete_keys[0]) continue;
    S3Access each{"s3:DeleteObject", s3_arn(target.bucket, key)};
    if (authorize_s3(ctx, authorizer, each).error) denied_keys.insert(key);
  }
  if (operation == "CopyObject" || operation == "UploadPartCopy") {
    if (auto source = parse_copy_source(ctx.request.headers.get("x-amz-copy-source"))) {
      auto read = s3_access("GetObject", source->first, source->second);
      if (read) {
        S3AuthOutcome copy = authorize_s3(ctx, authorizer, *read);
        if (copy.error) return copy.error;
      }
    }
  }
  return std::nullopt;
}

/// What both admissions do before the body: the IAM check, then the body's framing (`chunked`
/// set when it is aws-chunked).
std::optional<S3ErrorReply> admit_head(core::RequestContext& ctx, const S3Address& target,
                                       std::string_view operation,
                                       std::set<std::string, std::less<>>& denied_keys,
                                       std::optional<ChunkedOptions>& chunked) {
  const core::Request& req = ctx.request;
  std::optional<ChunkSigning> signing;
  if (ctx.service_authorizer) {
    if (auto refused = authorize(ctx, target, operation, signing, denied_keys)) return refused;
  }
  PayloadMode mode = payload_mode(req.headers.get("x-amz-content-sha256"));
  if (!body_is_chunked(req, mode)) return std::nullopt;
  ChunkedSetup setup = chunked_options(ctx, signing);
  if (setup.error) return setup.error;
  // Content-Encoding: aws-chunked without a STREAMING-… hash: unsigned chunks.
  if (!is_aws_chunked(setup.options.mode)) {
    setup.options.mode = PayloadMode::kStreamingUnsignedTrailer;
  }
  chunked = std::move(setup.options);
  return std::nullopt;
}

}  // namespace

std::optional<S3ErrorReply> admit(core::RequestContext& ctx, const S3Address& target,
                                  std::string_view operation, AdmittedRequest& out) {
  core::Request& req = ctx.request;
  std::optional<ChunkedOptions> chunked;
  if (auto refused = admit_head(ctx, target, operation, out.denied_keys, chunked)) {
    return refused;
  }
  if (!chunked) {
    out.body = std::move(req.body);
    return std::nullopt;
  }
  out.was_aws_chunked = true;
  if (auto error = decode_aws_chunked(req.body, *chunked, out.body, &out.trailers)) return error;
  req.body.clear();
  return std::nullopt;
}

std::optional<S3ErrorReply> admit_request(S3Call& call, std::string_view operation) {
  AdmittedRequest admitted;
  auto refused = admit(call.ctx, S3Address{call.bucket, call.key}, operation, admitted);
  call.body = std::move(admitted.body);
  call.trailers = std::move(admitted.trailers);
  call.denied_keys = std::move(admitted.denied_keys);
  return refused;
}

StreamedAdmission admit_streamed(core::RequestContext& ctx, const S3Address& target,
                                 std::string_view operation) {
  StreamedAdmission out;
  ctx.request.body_pending = true;  // the signature check trusts a stated hash for now
  std::set<std::string, std::less<>> denied_keys;  // (DeleteObjects only: never streamed)
  out.error = admit_head(ctx, target, operation, denied_keys, out.chunked);
  if (out.error || out.chunked || !ctx.service_authorizer) return out;
  std::string_view stated = ctx.request.headers.get("x-amz-content-sha256");
  while (!stated.empty() && (stated.front() == ' ' || stated.front() == '\t')) {
    stated.remove_prefix(1);
  }
  while (!stated.empty() && (stated.back() == ' ' || stated.back() == '\t'))
    stated.remove_suffix(1);
  if (payload_mode(stated) == PayloadMode::kHashed &&
      ctx.request.headers.contains("Authorization")) {
    out.stated_sha256 = core::to_lower(stated);
  }
  return out;
}

StreamedAdmission admit_streamed_request(S3Call& call, std::string_view operation) {
  return admit_streamed(call.ctx, S3Address{call.bucket, call.key}, operation);
}

}  // namespace gh::plugins::s3
