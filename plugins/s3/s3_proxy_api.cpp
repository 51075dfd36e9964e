#include "plugins/s3/s3_proxy_api.hpp"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gateway/util/crypto.hpp"
#include "plugins/s3/aws_chunked.hpp"
#include "plugins/s3/operation_support.hpp"
#include "plugins/s3/remote_backend.hpp"
#include "plugins/s3/request_admission.hpp"
#include "plugins/s3/s3_api.hpp"
#include "plugins/s3/s3_auth.hpp"
#include "plugins/s3/s3_xml.hpp"
#include "plugins/s3/spool_file.hpp"

namespace gh::plugins::s3 {

namespace {

/// The query without a presigned URL's X-Amz-* parameters: the remote gets header auth.
std::string forwarded_query(std::string_view query) {
  std::string out;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    std::string name = core::to_lower(pair.substr(0, pair.find('=')));
    if (name.starts_with("x-amz-") &&
        (name == "x-amz-algorithm" || name == "x-amz-credential" || name == "x-amz-date" ||
         name == "x-amz-expires" || name == "x-amz-signedheaders" || name == "x-amz-signature" ||
         name == "x-amz-security-token")) {
      continue;
    }
    if (!out.empty()) out += '&';
    out += pair;
  }
  return out;
}

/// After an aws-chunked body was decoded: the trailing checksums become headers (the remote
/// checks them) and the chunked framing's own headers go.
void unframe_headers(core::HeaderMap& headers,
                     const std::vector<std::pair<std::string, std::string>>& trailers) {
  headers.erase("x-amz-decoded-content-length");
  headers.erase("x-amz-trailer");
  // "aws-chunked" leaves Content-Encoding; another coding (gzip) stays the object's.
  std::string encoding = core::to_lower(headers.get("Content-Encoding"));
  std::string rest;
  std::string_view codings = encoding;
  while (!codings.empty()) {
    auto comma = codings.find(',');
    std::string_view coding = codings.substr(0, comma);
    codings = comma == std::string_view::npos ? std::string_view() : codings.substr(comma + 1);
    while (!coding.empty() && coding.front() == ' ') coding.remove_prefix(1);
    while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
    if (coding.empty() || coding == "aws-chunked") continue;
    if (!rest.empty()) rest += ',';
    rest += coding;
  }
  headers.erase("Content-Encoding");
  if (!rest.empty()) headers.set("Content-Encoding", rest);
  for (const auto& [name, value] : trailers) headers.set(name, value);
}

/// A PutObject or UploadPart body spooled to a temporary file as it arrives (core::BodySink),
/// its aws-chunked framing removed and its SHA-256 computed on the way, so handle() can sign it
/// and send it from the file. Made after the request's head: the front's IAM check runs then,
/// and a refusal stops the body from being read (as the local API's UploadStream).
class ProxyUpload final : public core::BodySink {
 public:
  ProxyUpload(core::RequestContext& ctx, const S3Address& address, std::string_view operation) {
    StreamedAdmission admitted = admit_streamed(ctx, address, operation);
    if (admitted.error) {
      error_ = std::move(admitted.error);
      return;
    }
    std::error_code ec;
    file_ = SpoolFile::create(spool_dir(), ec);
    if (!file_) {
      error_ = spool_failure(ec);
      return;
    }
    if (admitted.chunked) {
      decoder_ = std::make_unique<AwsChunkedDecoder>(std::move(*admitted.chunked));
    }
    stated_sha256_ = std::move(admitted.stated_sha256);
  }

  std::uint64_t max_bytes() const override {
    // S3's 5 GiB per PUT or part; an aws-chunked body adds its framing on top of the payload
    // (as UploadStream::max_bytes).
    return decoder_ ? kMaxSinglePut + kMaxSinglePut / 64 : kMaxSinglePut;
  }

  bool accepting() const override { return !error_; }

  void write(std::string_view bytes) override {
    if (error_) return;
    std::string_view payload = bytes;
    if (decoder_) {
      decoded_.clear();
      if (auto error = decoder_->feed(bytes, decoded_)) return fail(std::move(*error));
      payload = decoded_;
    }
    if (decoder_ && decoder_->decoded_size() > kMaxSinglePut) {
      S3ErrorReply e =
          reply(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size");
      e.details.emplace_back("MaxSizeAllowed", std::to_string(kMaxSinglePut));
      return fail(std::move(e));
    }
    hash_.update(payload);
    pending_.append(payload);
    if (pending_.size() >= kWriteBytes) flush();
  }

  /// After the body: nullopt and the payload ready to send (file(), sha256(), trailers()), or
  /// the answer to give instead (a refusal, a malformed body, a full disk).
  std::optional<S3ErrorReply> finish() {
    if (!error_ && decoder_) {
      if (auto error = decoder_->finish()) fail(std::move(*error));
    }
    if (!error_) flush();
    if (error_) return error_;
    sha256_ = hash_.finish_hex();
    if (!stated_sha256_.empty() && sha256_ != stated_sha256_) {
      // The caller's signature covered the hash it stated (admit_streamed): the body must match.
      S3ErrorReply e =
          reply(400, "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.");
      e.details.emplace_back("ClientComputedContentSHA256", stated_sha256_);
      e.details.emplace_back("S3ComputedContentSHA256", sha256_);
      return e;
    }
    return std::nullopt;
  }

  const SpoolFile& file() const { return *file_; }
  const std::string& sha256() const { return sha256_; }
  bool was_aws_chunked() const { return decoder_ != nullptr; }
  const std::vector<std::pair<std::string, std::string>>& trailers() const {
    static const std::vector<std::pair<std::string, std::string>> kNone;
    return decoder_ ? decoder_->trailers() : kNone;
  }

 private:
  static constexpr std::size_t kWriteBytes = 256 * 1024;

  void fail(S3ErrorReply error) {
    error_ = std::move(error);
    pending_.clear();
  }
  void flush() {
    if (pending_.empty()) return;
    std::error_code ec;
    if (!file_->append(pending_, ec)) fail(spool_failure(ec));
    pending_.clear();
  }

  std::optional<S3ErrorReply> error_;  // refused or failed: answered by handle()
  std::unique_ptr<SpoolFile> file_;
  std::unique_ptr<AwsChunkedDecoder> decoder_;
  util::Sha256Stream hash_;  // of the payload: the remote's x-amz-content-sha256
  std::string stated_sha256_;
  std::string sha256_;
  std::string decoded_;  // scratch for the decoder's output
  std::string pending_;  // payload gathered into larger file writes
};

class S3ProxyApi final : public core::ServiceApi {
 public:
  S3ProxyApi(std::shared_ptr<const S3Backend> remote, std::shared_ptr<const core::ServiceApi> local)
      : remote_(std::move(remote)), local_(std::move(local)) {}

  std::string_view name() const override { return "s3"; }

  bool claims(const core::Request& request) const override { return is_s3_request(request); }

  std::unique_ptr<core::BodySink> stream_body(core::RequestContext& ctx) const override {
    // PutObject and UploadPart bodies (any size up to S3's 5 GiB) are spooled to a file as
    // they arrive; the other bodies are small documents, read whole.
    const core::Request& req = ctx.request;
    S3Address address = address_of(req);
    QueryParams query(req.query);
    std::string_view operation = operation_name(req, address, query);
    if (operation != "PutObject" && operation != "UploadPart") return nullptr;
    return std::make_unique<ProxyUpload>(ctx, address, operation);
  }

  boost::asio::awaitable<void> handle(core::RequestContext& ctx,
                                      core::Response& out) const override {
    S3Address address = address_of(ctx.request);
    S3Request request = forwarded(ctx, address);
    if (auto* upload = dynamic_cast<ProxyUpload*>(ctx.body_sink.get())) {
      // Admitted after the head (stream_body); the payload is in the upload's file.
      if (auto refused = upload->finish()) {
        out = standalone_error(*refused, ctx.request.method);
        co_return;
      }
      request.body_file = net::FileBody{upload->file().fd(), 0, upload->file().size()};
      request.body_sha256 = upload->sha256();
      if (upload->was_aws_chunked()) unframe_headers(request.headers, upload->trailers());
      out = co_await remote_->call(std::move(request));
      co_return;
    }
    // The same admission as the local API (IAM, aws-chunked decoding), before forwarding.
    QueryParams query(ctx.request.query);
    std::string_view operation = operation_name(ctx.request, address, query);
    AdmittedRequest admitted;
    if (auto refused = admit(ctx, address, operation, admitted)) {
      out = standalone_error(*refused, ctx.request.method);
      co_return;
    }
    // The remote would delete what the local API reports as AccessDenied entries: refuse all.
    if (!admitted.denied_keys.empty()) {
      out = standalone_error(reply(403, "AccessDenied", "Access Denied"), ctx.request.method);
      co_return;
    }
    request.body = std::move(admitted.body);
    if (admitted.was_aws_chunked) unframe_headers(request.headers, admitted.trailers);
    out = co_await remote_->call(std::move(request));
  }

  std::optional<core::Response> too_large(const core::Request& request,
                                          std::size_t limit) const override {
    return local_->too_large(request, limit);
  }

 private:
  /// The request for the remote, without its body. Answers may stream (spooled when large).
  static S3Request forwarded(const core::RequestContext& ctx, const S3Address& address) {
    S3Request request;
    request.method = ctx.request.method;
    request.bucket = address.bucket;
    request.key = address.key;
    request.query = forwarded_query(ctx.request.query);
    request.headers = ctx.request.headers;  // the backend drops what it must not forward
    request.stream_response = true;
    return request;
  }

  std::shared_ptr<const S3Backend> remote_;
  std::shared_ptr<const core::ServiceApi> local_;
};

}  // namespace

std::shared_ptr<const core::ServiceApi> make_s3_proxy_api(
    std::shared_ptr<const S3Backend> remote, std::shared_ptr<const core::ServiceApi> local) {
  return std::make_shared<S3ProxyApi>(std::move(remote), std::move(local));
}

}  // namespace gh::plugins::s3
