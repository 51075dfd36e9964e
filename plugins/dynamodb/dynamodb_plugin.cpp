#include "plugins/dynamodb/dynamodb_plugin.hpp"

#include <spdlog/spdlog.h>

#include "gateway/core/blocking_pool.hpp"
#include "gateway/core/services.hpp"
#include "gateway/net/http_client.hpp"
#include "plugins/dynamodb/backend.hpp"
#include "plugins/dynamodb/dynamodb_api.hpp"
#include "plugins/dynamodb/dynamodb_settings.hpp"
#include "plugins/dynamodb/group_commit.hpp"
#include "plugins/dynamodb/operation_table.hpp"
#include "plugins/dynamodb/remote_backend.hpp"
#include "plugins/dynamodb/route_integration.hpp"
#include "plugins/dynamodb/store.hpp"
#include "plugins/dynamodb/ttl_sweeper.hpp"

namespace gh::plugins::dynamodb {

namespace {

/// What compile() leaves for create(): the parsed section and the backend routes call.
struct CompileState {
  DynamoDbSettings settings;
  std::shared_ptr<const DynamoBackend> backend;
};

class DynamoDbFactory final : public core::IntegrationFactory {
 public:
  std::string_view type() const override { return "dynamodb"; }
  std::vector<std::string> top_level_keys() const override { return {"dynamodb"}; }

  void compile(core::CompileScope& scope, config::Diagnostics& diags) const override {
    CompileState& state = scope.state<CompileState>();
    state.settings = parse_settings(scope, diags);
    const std::string& path = state.settings.database_path;
    // Created here but opened on first use: `validate` and `routes` never touch the disk.
    // The store comes with its TTL sweeper (ttl_sweeper.hpp), which lives exactly as long.
    Store& store =
        scope.services().get_or_create<Store>([&] { return make_store_with_ttl_sweeper(path); });
    if (store.path() != path) {
      spdlog::warn("dynamodb: the store stays {} until the next start (the config now says {})",
                   store.path(), path);
    }
    // Item writes are group-committed (group_commit.hpp) on the blocking pool's threads.
    // (The pool is looked up first: get_or_create holds the services' lock while it makes.)
    core::BlockingPool& pool = core::blocking_pool(scope.services());
    GroupCommit& group =
        scope.services().get_or_create<GroupCommit>([&] { return new GroupCommit(store, pool); });
    std::shared_ptr<const DynamoBackend> remote;
    if (state.settings.remote) {
      std::string error;
      auto& tls_cache = scope.services().get_or_create<net::TlsContextCache>(
          [] { return new net::TlsContextCache(); });
      remote = make_remote_backend(*state.settings.remote, &tls_cache, error);
      if (!remote) {
        config::Node node = scope.root().child("dynamodb").child("endpoint");
        diags.error(node.location(), node.path(), error);
      }
    }
    // Remote mode never opens the store (it is created lazily above, so a reload back to
    // local mode finds it), unless `servicesEndpoint: local` serves it on the services endpoint.
    scope.add_service_api(make_dynamodb_api(store, group, scope.config().aws,
                                            state.settings.services_remote ? remote : nullptr));
    state.backend = remote ? remote : make_local_backend(store, group, scope.config().aws);
    if (state.settings.tables.empty()) return;
    // At install (start, reload), never on `validate`: creating opens the store or calls the
    // remote (on the control thread, each call bounded by the endpoint's timeout).
    if (remote) {
      scope.on_install([remote, tables = state.settings.tables] {
        provision_tables(
            [&](std::string_view op, const boost::json::object& request) {
              return call_blocking(*remote, op, request);
            },
            tables);
      });
    } else {
      ops::Env env{store, scope.config().aws};
      scope.on_install([env, tables = state.settings.tables] {
        provision_tables(
            [&](std::string_view op, const boost::json::object& request) -> ops::Result {
              return ops::find_operation(op)->handler(env, request);
            },
            tables);
      });
    }
  }

  std::shared_ptr<const core::Integration> create(const core::IntegrationBuildContext& ctx,
                                                  config::Diagnostics& diags) const override {
    const CompileState& state = ctx.scope.state<CompileState>();
    auto parsed = parse_route_spec(ctx.node, state.settings, diags);
    if (!parsed || !state.backend) return nullptr;
    auto spec = std::make_shared<const RouteSpec>(std::move(*parsed));
    return make_route_integration(spec, make_field_mapper(spec), state.backend);
  }
};

}  // namespace

std::unique_ptr<core::IntegrationFactory> make_factory() {
  return std::make_unique<DynamoDbFactory>();
}

}  // namespace gh::plugins::dynamodb
