#include "plugins/s3/remote_backend.hpp"

#include <cctype>
#include <utility>

#include "gateway/core/header_map.hpp"
#include "gateway/sigv4/signing.hpp"
#include "gateway/util/encoding.hpp"
#include "gateway/util/ids.hpp"
#include "plugins/s3/operation_support.hpp"
#include "plugins/s3/s3_xml.hpp"
#include "plugins/s3/spool_file.hpp"

namespace gh::plugins::s3 {

namespace {

/// Headers never forwarded: those of one hop or of the body's framing (the client sets
/// Content-Length from the body it sends), and a caller's own signature (the request is
/// signed again with the endpoint's credentials).
bool not_forwarded(std::string_view name) {
  for (std::string_view h :
       {"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding",
        "Upgrade", "Content-Length", "Expect", "Host", "Authorization", "X-Amz-Date",
        "X-Amz-Security-Token", "X-Amz-Content-Sha256"}) {
    if (core::iequals(name, h)) return true;
  }
  return false;
}

bool ip_literal_or_local(std::string_view host) {
  if (host.find(':') != std::string_view::npos) return true;  // IPv6
  if (host.find('.') == std::string_view::npos) return true;  // localhost, "minio"
  std::string lower = core::to_lower(host);
  if (std::string_view(lower).ends_with(".localhost")) return true;
  return lower.find_first_not_of("0123456789.") == std::string::npos;  // IPv4
}

/// A bucket name usable as a host label: lower-case letters, digits, '-' and '.'.
bool dns_compatible(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!ok) return false;
  }
  return bucket.front() != '-' && bucket.back() != '-' && bucket.front() != '.' &&
         bucket.back() != '.' && bucket.find("..") == std::string_view::npos;
}

class RemoteBackend final : public S3Backend {
 public:
  RemoteBackend(S3RemoteEndpoint remote, std::shared_ptr<const net::HttpClient> client)
      : remote_(std::move(remote)), client_(std::move(client)) {
    const std::string& path = remote_.endpoint.path;
    prefix_ = path.ends_with('/') ? path.substr(0, path.size() - 1) : path;
  }

  boost::asio::awaitable<core::Response> call(S3Request request) const override {
    const net::RemoteEndpoint& ep = remote_.endpoint;
    const bool path_style = path_style_for(remote_, request.bucket);
    net::Origin origin = ep.origin;
    std::string path = prefix_;
    if (path_style) {
      path += "/" + util::percent_encode(request.bucket);
    } else {
      origin.host = request.bucket + "." + origin.host;
    }
    // A bucket-level request has no key: "/bucket" path-style, "/" virtual-hosted.
    if (!request.key.empty() || !path_style) path += "/" + util::percent_encode(request.key, true);

    sigv4::OutgoingRequest to_sign;
    to_sign.method = request.method;
    to_sign.path = path;
    to_sign.query = request.query;
    to_sign.headers.push_back({"Host", origin.authority()});
    for (const auto& h : request.headers) {
      if (!not_forwarded(h.name)) to_sign.headers.push_back({h.name, h.value});
    }
    const bool file_body = request.body_file.fd >= 0;
    if (!file_body) to_sign.body = request.body;
    sigv4::SigningParams params;
    // A spooled body was hashed while it was spooled: not read again to sign it.
    if (file_body) params.payload_hash = request.body_sha256;
    params.credentials = ep.credentials;
    params.region = ep.region;
    params.service = "s3";
    params.time = std::chrono::system_clock::now();
    params.uri_mode = sigv4::UriMode::kS3;
    params.content_sha256_header = true;  // the body's SHA-256 (payload_hash "" = hash it)
    sigv4::Signature signature = sigv4::sign_headers(to_sign, params);

    net::OutboundRequest out;
    out.method = request.method;
    out.target = request.query.empty() ? path : path + "?" + request.query;
    for (const auto& h : to_sign.headers) out.headers.add(h.name, h.value);
    for (const auto& h : signature.headers) out.headers.add(h.name, h.value);
    out.body = request.body;
    if (file_body) out.body_file = request.body_file;
    // Streamed bodies may take longer than timeoutInMillis in all: the timeout bounds each wait
    // instead (no byte moved for that long fails the call).
    std::optional<SpoolSink> sink;
    if (request.stream_response) {
      sink.emplace(kMaxSpooledResponse);
      out.response_sink = &*sink;
      out.sink_above = kInlineResponseBytes;
    }
    if (file_body || sink) out.progress_timeout = ep.timeout;

    auto deadline = std::chrono::steady_clock::now() + ep.timeout;
    core::Response response;
    auto failed = co_await client_->send_into(origin, out, deadline, response);
    if (failed) {
      if (failed->kind == net::SendErrorKind::kLocal && sink && sink->error()) {
        co_return standalone_error(spool_failure(sink->error()), request.method);
      }
      co_return failure(*failed, request.method);
    }
    if (sink && sink->used()) {
      response.body_source = sink->source();
      if (!response.body_source) {
        co_return standalone_error(spool_failure(sink->error()), request.method);
      }
      // The length is the spooled body's: the wire layer writes Content-Length itself.
      response.headers.erase("Transfer-Encoding");
    }
    co_return response;
  }

  std::string describe() const override { return "remote S3 endpoint " + remote_.endpoint.url; }

 private:
  core::Response failure(const net::SendError& failed, std::string_view method) const {
    using Kind = net::SendErrorKind;
    const bool unavailable =
        failed.kind == Kind::kConnect || failed.kind == Kind::kDns || failed.kind == Kind::kTimeout;
    std::string message = "remote S3 endpoint " + remote_.endpoint.url + " failed (" +
                          std::string(net::to_string(failed.kind)) + "): " + failed.message;
    return standalone_error(unavailable ? reply(503, "ServiceUnavailable", std::move(message))
                                        : reply(500, "InternalError", std::move(message)),
                            method);
  }

  S3RemoteEndpoint remote_;
  std::shared_ptr<const net::HttpClient> client_;
  std::string prefix_;  // the endpoint URL's path without its trailing '/'
};

}  // namespace

bool path_style_for(const S3RemoteEndpoint& remote, std::string_view bucket) {
  bool path_style =
      remote.force_path_style.value_or(ip_literal_or_local(remote.endpoint.origin.host));
  if (path_style || !dns_compatible(bucket)) return true;
  return remote.endpoint.origin.https && bucket.find('.') != std::string_view::npos;
}

std::shared_ptr<const S3Backend> make_remote_backend(const S3RemoteEndpoint& remote,
                                                     net::TlsContextCache* tls_cache,
                                                     std::string& error) {
  net::ClientOptions options = remote.endpoint.client;
  options.max_response_body = kMaxResponseBytes;
  auto client = net::HttpClient::create(options, error, tls_cache, remote.endpoint.origin.https);
  if (!client) return nullptr;
  return std::make_shared<RemoteBackend>(remote, std::move(client));
}

}  // namespace gh::plugins::s3
