#pragma once
/// DynamoDB's operations by their API names ("PutItem", "Query" …): the one name → function
/// table, shared by the services-endpoint API (dynamodb_api.cpp, which dispatches on
/// X-Amz-Target) and the embedded backend of route integrations (local_backend.cpp).

#include <string_view>

#include "plugins/dynamodb/operations.hpp"

namespace gh::plugins::dynamodb::ops {

using Handler = Result (*)(const Env&, const json::object&);
using TextHandler = TextResult (*)(const Env&, const json::object&);

struct Operation {
  std::string_view name;
  Handler handler;
  /// The same operation answering as JSON text (operations.hpp's TextResult), or nullptr: the
  /// reads that return stored items.
  TextHandler text = nullptr;
  /// Runs through group commit (group_commit.hpp): PutItem, UpdateItem, DeleteItem,
  /// BatchWriteItem. Not TransactWriteItems: it records its ClientRequestToken as it
  /// finishes, which must follow its own COMMIT, not precede a group's.
  bool grouped = false;
};

/// The operation DynamoDB calls `name`, or nullptr if this store does not implement it.
const Operation* find_operation(std::string_view name) noexcept;

}  // namespace gh::plugins::dynamodb::ops
