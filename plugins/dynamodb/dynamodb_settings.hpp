#pragma once
/// The top-level `dynamodb:` section (its YAML is documented in dynamodb_plugin.hpp): where the
/// store lives, and the tables the config declares (declared_table.hpp). Parsed once per
/// config compile (DynamoDbFactory::compile) and kept in the CompileScope for the routes.

#include <optional>
#include <string>
#include <vector>

#include "gateway/core/compile_scope.hpp"
#include "plugins/dynamodb/declared_table.hpp"
#include "plugins/dynamodb/remote_backend.hpp"

namespace gh::plugins::dynamodb {

struct DynamoDbSettings {
  std::string database_path;  // the SQLite file, or ":memory:"
  std::vector<DeclaredTable> tables;
  /// `endpoint:` set: route integrations (and, with services_remote, the services endpoint's
  /// DynamoDB API) go to this remote instead of the embedded store.
  std::optional<RemoteEndpoint> remote;
  bool services_remote = true;  // `servicesEndpoint: remote` (the default) or `local`

  const DeclaredTable* table(std::string_view name) const {
    for (const auto& t : tables) {
      if (t.schema.name == name) return &t;
    }
    return nullptr;
  }
};

/// Reads `dynamodb:` (absent: the defaults). Every problem, seed files' included, is reported
/// into `diags` with file:line:col.
DynamoDbSettings parse_settings(const core::CompileScope& scope, config::Diagnostics& diags);

}  // namespace gh::plugins::dynamodb
