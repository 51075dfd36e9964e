#include "plugins/dynamodb/dynamodb_settings.hpp"

#include <filesystem>

namespace gh::plugins::dynamodb {

DynamoDbSettings parse_settings(const core::CompileScope& scope, config::Diagnostics& diags) {
  DynamoDbSettings settings;
  std::string dir = ".gatehouse/dynamodb";
  bool in_memory = false;
  config::Node section = scope.root().child("dynamodb");
  if (section.defined() && !section.is_null()) {
    config::MapReader r(section, diags);
    if (auto d = r.string("dataDir")) dir = *d;
    if (auto m = r.boolean("inMemory")) in_memory = *m;
    config::Node tables = r.get("tables");
    // Remote mode: endpoint, region, credentials, tls, timeoutInMillis, servicesEndpoint.
    net::RemoteSettings remote = net::parse_remote_settings(r, "dynamodb", scope.config_dir(),
                                                            scope.config().aws.region, diags);
    settings.remote = std::move(remote.endpoint);
    settings.services_remote = remote.services_remote;
    r.finish();
    if (tables.defined() && !tables.is_null() && !tables.is_sequence()) {
      diags.error(tables.location(), tables.path(), "expected a list of tables");
    } else if (tables.is_sequence()) {
      for (const auto& node : tables.items()) {
        auto table = parse_declared_table(scope, node, diags);
        if (!table) continue;
        if (settings.table(table->schema.name)) {
          diags.error(node.location(), node.path(),
                      "table '" + table->schema.name + "' is declared twice");
          continue;
        }
        settings.tables.push_back(std::move(*table));
      }
    }
  }
  if (in_memory) {
    settings.database_path = ":memory:";
  } else {
    std::filesystem::path p(dir);
    if (p.is_relative()) p = std::filesystem::path(scope.config_dir()) / p;
    settings.database_path = (p / "dynamodb.sqlite3").lexically_normal().string();
  }
  return settings;
}

}  // namespace gh::plugins::dynamodb
