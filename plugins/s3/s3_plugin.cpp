#include "plugins/s3/s3_plugin.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <future>

#include "gateway/core/services.hpp"
#include "plugins/s3/backend.hpp"
#include "plugins/s3/remote_backend.hpp"
#include "plugins/s3/route_integration.hpp"
#include "plugins/s3/s3_api.hpp"
#include "plugins/s3/s3_proxy_api.hpp"
#include "plugins/s3/s3_settings.hpp"
#include "plugins/s3/store_service.hpp"

namespace gh::plugins::s3 {

namespace {

/// One call through `backend`, run to completion on a private io_context.
core::Response call_now(const S3Backend& backend, std::string method, const std::string& bucket) {
  S3Request request;
  request.method = std::move(method);
  request.bucket = bucket;
  boost::asio::io_context io;
  auto result =
      boost::asio::co_spawn(io, backend.call(std::move(request)), boost::asio::use_future);
  io.run();
  return result.get();
}

/// Creates the declared buckets that do not exist yet, through the backend routes use (the
/// local store, or the remote endpoint), on the control thread when a config is installed;
/// each call runs to completion on a private io_context (a remote call is bounded by its
/// timeout). Failures are logged: the gateway serves on, and S3 answers NoSuchBucket later.
/// HeadBucket comes first: in us-east-1, CreateBucket of a bucket we own also answers 200.
void provision_buckets(const S3Backend& backend, const std::vector<std::string>& buckets) {
  for (const std::string& name : buckets) {
    core::Response answer;
    try {
      if (call_now(backend, "HEAD", name).status == 200) continue;
      answer = call_now(backend, "PUT", name);
    } catch (const std::exception& e) {
      spdlog::error("s3: cannot create bucket {}: {}", name, e.what());
      continue;
    }
    if (answer.status == 200) {
      spdlog::info("s3: created bucket {} ({})", name, backend.describe());
    } else if (answer.body.find("<Code>BucketAlreadyOwnedByYou</Code>") == std::string::npos) {
      spdlog::error("s3: cannot create bucket {} ({}): HTTP {} {}", name, backend.describe(),
                    answer.status, answer.body.substr(0, 300));
    }
  }
}

/// What compile() leaves for create(): the parsed section and the backend routes call.
struct CompileState {
  S3Settings settings;
  std::shared_ptr<const S3Backend> backend;
};

class S3Factory final : public core::IntegrationFactory {
 public:
  std::string_view type() const override { return "s3"; }
  std::vector<std::string> top_level_keys() const override { return {"s3"}; }

  void compile(core::CompileScope& scope, config::Diagnostics& diags) const override {
    CompileState& state = scope.state<CompileState>();
    state.settings = parse_settings(scope, diags);
    const S3Settings& settings = state.settings;
    core::BlockingPool& pool = core::blocking_pool(scope.services());
    StoreService& store = scope.services().get_or_create<StoreService>([&] {
      ObjectStore::Options options;
      options.data_dir = settings.data_dir;
      options.fsync = settings.fsync;
      return new StoreService(std::move(options), pool);
    });
    if (store.options().data_dir != settings.data_dir) {
      spdlog::warn("s3: the data directory stays {} until the next start (the config now says {})",
                   store.options().data_dir.string(), settings.data_dir);
    }
    std::shared_ptr<const S3Backend> remote;
    if (settings.remote) {
      std::string error;
      auto& tls_cache = scope.services().get_or_create<net::TlsContextCache>(
          [] { return new net::TlsContextCache(); });
      remote = make_remote_backend(*settings.remote, &tls_cache, error);
      if (!remote) {
        config::Node node = scope.root().child("s3").child("endpoint");
        diags.error(node.location(), node.path(), error);
      }
    }
    // Remote mode never opens the local store (created lazily above, so a reload back to local
    // mode finds it) unless `servicesEndpoint: local` serves it on the services endpoint.
    auto local_api = make_s3_api(store, scope.config().aws);
    scope.add_service_api(remote && settings.services_remote
                              ? make_s3_proxy_api(remote, std::move(local_api))
                              : std::move(local_api));
    state.backend = remote ? remote : make_local_backend(store, scope.config().aws);
    if (!settings.buckets.empty() && state.backend) {
      // At install (start, reload), never on `validate`: it opens the store or calls the remote.
      scope.on_install([backend = state.backend, buckets = settings.buckets] {
        provision_buckets(*backend, buckets);
      });
    }
  }

  std::shared_ptr<const core::Integration> create(const core::IntegrationBuildContext& ctx,
                                                  config::Diagnostics& diags) const override {
    const CompileState& state = ctx.scope.state<CompileState>();
    auto spec = parse_route_spec(ctx.node, ctx.route, ctx.stage, diags);
    if (!spec || !state.backend) return nullptr;
    return make_route_integration(std::move(*spec), state.backend);
  }
};

}  // namespace

std::unique_ptr<core::IntegrationFactory> make_factory() { return std::make_unique<S3Factory>(); }

}  // namespace gh::plugins::s3
