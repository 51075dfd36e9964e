#pragma once
/// The writes of one item that PutItem, UpdateItem, DeleteItem and TransactWriteItems share
/// (defined in item_operations.cpp): a request part (a PutItem request, or a transaction's Put,
/// Update, Delete or ConditionCheck) validated as DynamoDB validates it and turned into the
/// Store::Decide that evaluates its ConditionExpression against the stored item and builds the
/// change. The single-item operations hand the decide to Store::mutate, TransactWriteItems to
/// Store::mutate_all, so both decide with the same code.
///
/// The decide refers to `part` (ReturnValuesOnConditionCheckFailure): the caller keeps the
/// request alive until the store has run it. It runs under the store's lock, on the caller's
/// thread, at most once.

#include <cstddef>
#include <memory>
#include <optional>
#include <variant>

#include "plugins/dynamodb/operations.hpp"

namespace gh::plugins::dynamodb::ops {

/// ReturnValues: PutItem and DeleteItem accept NONE and ALL_OLD, UpdateItem all five.
enum class ReturnValues { kNone, kAllOld, kUpdatedOld, kAllNew, kUpdatedNew };

/// What a decide saw and built, filled in when the store runs it.
struct WriteTrace {
  std::optional<json::object> old_item;  // the stored item (UpdateItem only: the others have
                                         // the store's answer)
  json::object new_item;                 // UpdateItem: the item as written
  std::size_t size = 0;                  // the written item's size; 0 for deletes and checks
};

/// One validated write, ready for the store.
struct PreparedWrite {
  TableSchema table;
  Store::Key key;
  Store::Decide decide;
  /// Store::mutate's needs_old: false only for a PutItem whose answer and condition do not
  /// depend on the item it replaces.
  bool needs_old = true;
  std::shared_ptr<WriteTrace> trace = std::make_shared<WriteTrace>();
  std::shared_ptr<const RequestExpressions> expressions;  // the part's, parsed
};
using Prepared = std::variant<PreparedWrite, DynamoError>;

/// The key a request's Key member names, normalised (numbers in canonical form), with
/// DynamoDB's messages (GetItem, DeleteItem, a transaction's Get and ConditionCheck …).
std::variant<Store::Key, DynamoError> key_member(const TableSchema& schema,
                                                 const json::object& request);

/// `wanted` receives the part's ReturnValues, checked where DynamoDB checks it among the other
/// members; nullptr for a transaction's parts, which have no ReturnValues.
Prepared prepare_put(const Env& env, const json::object& part, ReturnValues* wanted);
Prepared prepare_update(const Env& env, const json::object& part, ReturnValues* wanted);
Prepared prepare_delete(const Env& env, const json::object& part, ReturnValues* wanted);
/// A transaction's ConditionCheck: its condition holds or the decide refuses; writes nothing.
Prepared prepare_condition_check(const Env& env, const json::object& part);

}  // namespace gh::plugins::dynamodb::ops
