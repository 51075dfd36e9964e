#include "plugins/dynamodb/dynamodb_plugin.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "gateway/core/services.hpp"
#include "plugins/dynamodb/dynamodb_api.hpp"
#include "plugins/dynamodb/store.hpp"

namespace gh::plugins::dynamodb {

namespace {

/// The database path `dynamodb:` asks for.
std::string database_path(const core::CompileScope& scope, config::Diagnostics& diags) {
  std::string dir = ".gatehouse/dynamodb";
  bool in_memory = false;
  config::Node section = scope.root().child("dynamodb");
  if (section.defined() && !section.is_null()) {
    config::MapReader r(section, diags);
    if (auto d = r.string("dataDir")) dir = *d;
    if (auto m = r.boolean("inMemory")) in_memory = *m;
    r.finish();
  }
  if (in_memory) return ":memory:";
  std::filesystem::path p(dir);
  if (p.is_relative()) p = std::filesystem::path(scope.config_dir()) / p;
  return (p / "dynamodb.sqlite3").lexically_normal().string();
}

class DynamoDbFactory final : public core::IntegrationFactory {
 public:
  std::string_view type() const override { return "dynamodb"; }
  std::vector<std::string> top_level_keys() const override { return {"dynamodb"}; }

  void compile(core::CompileScope& scope, config::Diagnostics& diags) const override {
    std::string path = database_path(scope, diags);
    // Created here but opened on first use: `validate` and `routes` never touch the disk.
    Store& store =
        scope.services().get_or_create<Store>([&] { return std::make_shared<Store>(path); });
    if (store.path() != path) {
      spdlog::warn("dynamodb: the store stays {} until the next start (the config now says {})",
                   store.path(), path);
    }
    scope.add_service_api(make_dynamodb_api(store, scope.config().aws));
  }

  std::shared_ptr<const core::Integration> create(const core::IntegrationBuildContext& ctx,
                                                  config::Diagnostics& diags) const override {
    diags.error(ctx.node.location(), ctx.node.path(),
                "route integrations of type dynamodb are not available in this version; the "
                "DynamoDB API itself is served on the services listener");
    return nullptr;
  }
};

}  // namespace

std::unique_ptr<core::IntegrationFactory> make_factory() {
  return std::make_unique<DynamoDbFactory>();
}

}  // namespace gh::plugins::dynamodb
