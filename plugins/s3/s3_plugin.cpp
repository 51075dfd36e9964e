#include "plugins/s3/s3_plugin.hpp"

#include <spdlog/spdlog.h>

#include "gateway/core/services.hpp"
#include "plugins/s3/backend.hpp"
#include "plugins/s3/s3_api.hpp"
#include "plugins/s3/s3_settings.hpp"
#include "plugins/s3/store_service.hpp"

namespace gh::plugins::s3 {

namespace {

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
    StoreService& store = scope.services().get_or_create<StoreService>([&] {
      ObjectStore::Options options;
      options.data_dir = settings.data_dir;
      options.fsync = settings.fsync;
      return new StoreService(std::move(options));
    });
    if (store.options().data_dir != settings.data_dir) {
      spdlog::warn("s3: the data directory stays {} until the next start (the config now says {})",
                   store.options().data_dir.string(), settings.data_dir);
    }
    scope.add_service_api(make_s3_api(store, scope.config().aws));
    state.backend = make_local_backend(store, scope.config().aws);
  }

  std::shared_ptr<const core::Integration> create(const core::IntegrationBuildContext& ctx,
                                                  config::Diagnostics& diags) const override {
    diags.error(ctx.node.location(), ctx.node.path(),
                "s3 route integrations are not implemented yet (the S3 API is served on the "
                "services endpoint)");
    return nullptr;
  }
};

}  // namespace

std::unique_ptr<core::IntegrationFactory> make_factory() { return std::make_unique<S3Factory>(); }

}  // namespace gh::plugins::s3
