#pragma once
/// DynamoDB's operations by their API names ("PutItem", "Query" …): the one name → function
/// table, shared by the services-endpoint API (dynamodb_api.cpp, which dispatches on
/// X-Amz-Target) and the embedded backend of route integrations (local_backend.cpp).

#include <string_view>

#include "plugins/dynamodb/operations.hpp"

namespace gh::plugins::dynamodb::ops {

using Handler = Result (*)(const Env&, const json::object&);

/// The operation DynamoDB calls `name`, or nullptr if this store does not implement it.
Handler find_operation(std::string_view name) noexcept;

/// Whether `name` writes items (PutItem, UpdateItem, DeleteItem, BatchWriteItem,
/// TransactWriteItems): those run through group_commit.hpp.
bool writes_items(std::string_view name) noexcept;

using TextHandler = TextResult (*)(const Env&, const json::object&);
/// The same operation answering as JSON text (operations.hpp's TextResult), or nullptr for the
/// operations that only answer as a JSON object.
TextHandler find_text_operation(std::string_view name) noexcept;

}  // namespace gh::plugins::dynamodb::ops
