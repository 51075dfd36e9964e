#pragma once
/// The top-level `dynamodb:` section (its YAML is documented in dynamodb_plugin.hpp): where the
/// store lives, and the tables the config declares, with their seed items. Parsed once per
/// config compile (DynamoDbFactory::compile) and kept in the CompileScope for the routes.

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "gateway/core/compile_scope.hpp"
#include "plugins/dynamodb/operations.hpp"
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

/// Creates each declared table that does not exist yet, through ops::create_table, and only
/// then writes its seed items (ops::put_item): a table that exists is left as it is, so a
/// restart never re-seeds or overwrites what users changed. Called when a snapshot is
/// installed (start, reload), on the control thread; failures are logged, not thrown.
void provision_tables(const ops::Env& env, const std::vector<DeclaredTable>& tables);

}  // namespace gh::plugins::dynamodb
