#pragma once
/// Tables declared under `dynamodb.tables` (the YAML is documented in dynamodb_plugin.hpp): the
/// declaration read into a CreateTable request and checked by CreateTable's own validation
/// (declared_table.cpp), and their provisioning when a snapshot is installed
/// (table_provisioning.cpp): created when missing, completed where they exist.

#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/config/yaml_reader.hpp"
#include "gateway/core/compile_scope.hpp"
#include "plugins/dynamodb/operations.hpp"
#include "plugins/dynamodb/table_schema.hpp"

namespace gh::plugins::dynamodb {

/// A table declared under `dynamodb.tables`, checked as CreateTable would check it.
struct DeclaredTable {
  TableSchema schema;                  // what parse_create_table made of the request
  boost::json::object create_request;  // the CreateTable request (keys, indexes, billing, tags)
  /// timeToLiveSpecification: the attribute, and whether the config enables TTL on it.
  std::optional<std::string> ttl_attribute;
  bool ttl_enabled = false;
  std::vector<boost::json::object> seed;  // items (DynamoDB JSON), validated
  std::string seed_file;                  // "" when none
};

/// Reads one entry of `dynamodb.tables`; every problem (seed file included) is reported into
/// `diags` with file:line:col, CreateTable's refusals at the key they come from. Called by
/// parse_settings at config compile, on the compiling thread.
std::optional<DeclaredTable> parse_declared_table(const core::CompileScope& scope,
                                                  const config::Node& node,
                                                  config::Diagnostics& diags);

/// Runs one DynamoDB operation to completion (the embedded store's ops, or a remote backend
/// through call_blocking); for provisioning on the control thread.
using BlockingCall =
    std::function<ops::Result(std::string_view operation, const boost::json::object& request)>;

/// For each declared table: CreateTable through `call`, then UpdateTimeToLive when the config
/// enables TTL, then its seed items (PutItem). A table that exists (ResourceInUseException) is
/// compared with its declaration (DescribeTable, DescribeTimeToLive, ListTagsOfResource) and
/// completed with what can be added without touching items or undoing users' changes: a
/// declared GSI it lacks (UpdateTable Create, one per call, as UpdateTable allows), TTL when it
/// has none, tags it lacks. Every other difference (keys, LSIs, an index defined differently,
/// billing mode, TTL on another attribute, tag values) is logged as a warning and left as it
/// is; it is never re-seeded. Called when a snapshot is installed (start, reload), on the
/// control thread; failures are logged, not thrown.
void provision_tables(const BlockingCall& call, const std::vector<DeclaredTable>& tables);

}  // namespace gh::plugins::dynamodb
