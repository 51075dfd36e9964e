#include "plugins/s3/request_admission.hpp"

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
std::vector<std::string> keys_to_delete(const S3Call& call) {
  std::vector<std::string> keys;
  auto doc = parse_xml(call.request().body);
  if (!doc) return keys;
  for (const XmlNode& node : doc->children) {
    if (node.name == "Object") keys.push_back(node.child_text("Key"));
  }
  return keys;
}

/// iam.enforce: the operation's own permission, and for CopyObject s3:GetObject on the source.
std::optional<S3ErrorReply> authorize(S3Call& call, std::string_view operation,
                                      std::optional<ChunkSigning>& signing) {
  const core::ServiceAuthorizer& authorizer = *call.ctx.service_authorizer;
  // DeleteObjects is s3:DeleteObject on each key: the first decides for the request, the
  // others are checked one by one below (AccessDenied entries in the result).
  std::vector<std::string> delete_keys;
  if (operation == "DeleteObjects") delete_keys = keys_to_delete(call);
  auto access = s3_access(operation, call.bucket,
                          delete_keys.empty() ? std::string_view(call.key) : delete_keys[0]);
  if (!access) access = S3Access{"s3:" + std::string(operation), s3_arn(call.bucket, call.key)};
  S3AuthOutcome outcome = authorize_s3(call.ctx, authorizer, *access);
  if (outcome.error) return outcome.error;
  signing = std::move(outcome.chunk_signing);
  for (std::size_t i = 1; i < delete_keys.size(); ++i) {
    const std::string& key = delete_keys[i];
    if (call.denied_keys.contains(key) || key == delete_keys[0]) continue;
    S3Access each{"s3:DeleteObject", s3_arn(call.bucket, key)};
    if (authorize_s3(call.ctx, authorizer, each).error) call.denied_keys.insert(key);
  }
  if (operation == "CopyObject") {
    if (auto source = parse_copy_source(call.header("x-amz-copy-source"))) {
      auto read = s3_access("GetObject", source->first, source->second);
      if (read) {
        S3AuthOutcome copy = authorize_s3(call.ctx, authorizer, *read);
        if (copy.error) return copy.error;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<S3ErrorReply> admit_request(S3Call& call, std::string_view operation) {
  core::Request& req = call.ctx.request;
  std::optional<ChunkSigning> signing;
  if (call.ctx.service_authorizer) {
    if (auto refused = authorize(call, operation, signing)) return refused;
  }
  PayloadMode mode = payload_mode(req.headers.get("x-amz-content-sha256"));
  if (!body_is_chunked(req, mode)) {
    call.body = std::move(req.body);
    return std::nullopt;
  }
  ChunkedSetup setup = chunked_options(call.ctx, signing);
  if (setup.error) return setup.error;
  // Content-Encoding: aws-chunked without a STREAMING-… hash: unsigned chunks.
  if (!is_aws_chunked(setup.options.mode)) {
    setup.options.mode = PayloadMode::kStreamingUnsignedTrailer;
  }
  std::string payload;
  if (auto error = decode_aws_chunked(req.body, setup.options, payload, &call.trailers)) {
    return error;
  }
  call.body = std::move(payload);
  req.body.clear();
  return std::nullopt;
}

}  // namespace gh::plugins::s3
