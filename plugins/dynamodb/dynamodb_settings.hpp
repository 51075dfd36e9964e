#pragma once
/// The top-level `dynamodb:` section (its YAML is documented in dynamodb_plugin.hpp): where the
/// store lives, and the tables the config declares, with their seed items. Parsed once per
/// config compile (DynamoDbFactory::compile) and kept in the CompileScope for the routes.

#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/compile_scope.hpp"
#include "plugins/dynamodb/operations.hpp"
#include "plugins/dynamodb/remote_backend.hpp"
#include "plugins/dynamodb/table_schema.hpp"

namespace gh::plugins::dynamodb {

/// A table declared under `dynamodb.tables`, checked as CreateTable would check it.
struct DeclaredTable {
  TableSchema schema;                     // what parse_create_table made of the request
  boost::json::object create_request;     // the CreateTable request
  std::vector<boost::json::object> seed;  // items (DynamoDB JSON), validated
  std::string seed_file;                  // "" when none
};

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

/// Runs one DynamoDB operation to completion (the embedded store's ops, or a remote backend
/// through call_blocking); for provisioning on the control thread.
using BlockingCall =
    std::function<ops::Result(std::string_view operation, const boost::json::object& request)>;

/// Creates each declared table that does not exist yet (CreateTable through `call`), and only
/// then writes its seed items (PutItem): a table that exists (ResourceInUseException) is left
/// as it is, so a restart never re-seeds or overwrites what users changed. Called when a
/// snapshot is installed (start, reload), on the control thread; failures are logged, not
/// thrown.
void provision_tables(const BlockingCall& call, const std::vector<DeclaredTable>& tables);

}  // namespace gh::plugins::dynamodb
