#include "plugins/s3/s3_proxy_api.hpp"

#include <utility>

#include "plugins/s3/aws_chunked.hpp"
#include "plugins/s3/operation_support.hpp"
#include "plugins/s3/remote_backend.hpp"
#include "plugins/s3/request_admission.hpp"
#include "plugins/s3/s3_api.hpp"
#include "plugins/s3/s3_auth.hpp"
#include "plugins/s3/s3_xml.hpp"

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

class S3ProxyApi final : public core::ServiceApi {
 public:
  S3ProxyApi(std::shared_ptr<const S3Backend> remote, std::shared_ptr<const core::ServiceApi> local)
      : remote_(std::move(remote)), local_(std::move(local)) {}

  std::string_view name() const override { return "s3"; }

  bool claims(const core::Request& request) const override { return is_s3_request(request); }

  boost::asio::awaitable<void> handle(core::RequestContext& ctx,
                                      core::Response& out) const override {
    S3Address address = address_of(ctx.request);
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
    S3Request request;
    request.method = ctx.request.method;
    request.bucket = std::move(address.bucket);
    request.key = std::move(address.key);
    request.query = forwarded_query(ctx.request.query);
    request.headers = ctx.request.headers;  // the backend drops what it must not forward
    request.body = std::move(admitted.body);
    if (admitted.was_aws_chunked) unframe_headers(request.headers, admitted.trailers);
    out = co_await remote_->call(std::move(request));
  }

  std::optional<core::Response> too_large(const core::Request& request,
                                          std::size_t limit) const override {
    return local_->too_large(request, limit);
  }

 private:
  std::shared_ptr<const S3Backend> remote_;
  std::shared_ptr<const core::ServiceApi> local_;
};

}  // namespace

std::shared_ptr<const core::ServiceApi> make_s3_proxy_api(
    std::shared_ptr<const S3Backend> remote, std::shared_ptr<const core::ServiceApi> local) {
  return std::make_shared<S3ProxyApi>(std::move(remote), std::move(local));
}

}  // namespace gh::plugins::s3
