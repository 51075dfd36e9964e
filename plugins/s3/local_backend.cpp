#include <utility>

#include "gateway/util/encoding.hpp"
#include "plugins/s3/backend.hpp"
#include "plugins/s3/s3_api.hpp"
#include "plugins/s3/store_service.hpp"

namespace gh::plugins::s3 {

namespace {

/// Route integrations answer whole bodies, bounded by API Gateway's 10 MB payload limit: a
/// larger object is refused (a 500 in S3's form, which the route answers as a gateway error).
void whole_body(core::Response& out) {
  constexpr std::uint64_t kMaxPayload = 10 * 1024 * 1024;
  std::shared_ptr<core::BodySource> source = std::move(out.body_source);
  if (source->size() > kMaxPayload) {
    out = core::Response{};
    out.status = 500;
    out.headers.add("Content-Type", "application/xml");
    out.body =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InternalError</Code>"
        "<Message>The object is larger than API Gateway's 10 MB payload limit</Message></Error>";
    return;
  }
  out.body.resize(static_cast<std::size_t>(source->size()));
  std::size_t filled = 0;
  while (filled < out.body.size()) {
    std::error_code ec;
    std::size_t n = source->read(out.body.data() + filled, out.body.size() - filled, ec);
    if (ec || n == 0) {
      out.body.resize(filled);
      out.status = 500;
      return;
    }
    filled += n;
  }
}

class LocalBackend final : public S3Backend {
 public:
  LocalBackend(StoreService& store, const config::AwsConfig& aws) : store_(store), aws_(aws) {}

  boost::asio::awaitable<core::Response> call(S3Request request) const override {
    // The request as a path-style S3 client would send it, answered by the same code the
    // services endpoint runs; no service_authorizer, so no IAM check.
    core::RequestContext ctx;
    core::Request& req = ctx.request;
    req.method = std::move(request.method);
    std::string target = "/" + util::percent_encode(request.bucket);
    if (!request.key.empty()) target += "/" + util::percent_encode(request.key, true);
    if (!request.query.empty()) target += "?" + request.query;
    req.set_target(std::move(target));
    req.headers = std::move(request.headers);
    req.headers.set("Host", "s3.localhost");
    req.body = std::move(request.body);
    // On the blocking pool, as the services endpoint's S3 API (s3_api.cpp).
    co_return co_await store_.pool().run([this, &ctx] {
      core::Response out = answer_s3_request(store_, aws_, ctx);
      if (out.body_source) whole_body(out);
      return out;
    });
  }

  std::string describe() const override {
    return "local buckets in " + store_.options().data_dir.string();
  }

 private:
  StoreService& store_;
  const config::AwsConfig& aws_;
};

}  // namespace

std::shared_ptr<const S3Backend> make_local_backend(StoreService& store,
                                                    const config::AwsConfig& aws) {
  return std::make_shared<LocalBackend>(store, aws);
}

}  // namespace gh::plugins::s3
