#include <utility>

#include "gateway/util/encoding.hpp"
#include "plugins/s3/backend.hpp"
#include "plugins/s3/s3_api.hpp"
#include "plugins/s3/store_service.hpp"

namespace gh::plugins::s3 {

namespace {

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
    co_return answer_s3_request(store_, aws_, ctx);
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
