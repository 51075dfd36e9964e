#pragma once
/// The DynamoDB operations behind dynamodb_api.cpp (which owns the wire protocol, IAM and the
/// dispatch), one free function each: table_operations.cpp (tables and tags),
/// item_operations.cpp (single items and batches), read_operations.cpp (Query and Scan),
/// ttl_operations.cpp (Time to Live), transact_operations.cpp (TransactWriteItems,
/// TransactGetItems).
/// What they share is declared here and defined in operation_support.cpp: request members,
/// key extraction with DynamoDB's messages, capacity accounting, the expressions of a request.
///
/// Every function validates its request fully before it writes anything, and answers a
/// DynamoError with DynamoDB's type and message for anything it refuses.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "gateway/config/config.hpp"
#include "plugins/dynamodb/errors.hpp"
#include "plugins/dynamodb/expressions.hpp"
#include "plugins/dynamodb/store.hpp"
#include "plugins/dynamodb/table_schema.hpp"

namespace gh::plugins::dynamodb {
class TransactionTokens;
}

namespace gh::plugins::dynamodb::ops {

namespace json = boost::json;
using Result = std::variant<json::object, DynamoError>;
/// An answer already written as JSON text. The reads that return stored items (GetItem, Query,
/// Scan) answer this way: a stored item is JSON text already (json::serialize when it was
/// written), so it is copied into the answer instead of being parsed and written out again. The
/// services endpoint sends the text as it is; everything else takes as_object() of it, as it
/// takes a remote's answer.
using TextResult = std::variant<std::string, DynamoError>;
Result as_object(TextResult&& answer);

struct Env {
  Store& store;
  config::AwsConfig aws;
  TransactionTokens* tokens = nullptr;  // ClientRequestTokens of TransactWriteItems
  std::string table_arn(std::string_view table) const {
    return "arn:aws:dynamodb:" + aws.region + ":" + aws.account_id + ":table/" + std::string(table);
  }
};

// --- table_operations.cpp -----------------------------------------------------------------
Result create_table(const Env& env, const json::object& request);
Result describe_table(const Env& env, const json::object& request);
Result list_tables(const Env& env, const json::object& request);
Result delete_table(const Env& env, const json::object& request);
/// BillingMode, ProvisionedThroughput and GlobalSecondaryIndexUpdates (Create/Update/Delete).
Result update_table(const Env& env, const json::object& request);
Result tag_resource(const Env& env, const json::object& request);
Result untag_resource(const Env& env, const json::object& request);
Result list_tags(const Env& env, const json::object& request);

// --- item_operations.cpp ------------------------------------------------------------------
Result put_item(const Env& env, const json::object& request);
TextResult get_item_text(const Env& env, const json::object& request);
Result get_item(const Env& env, const json::object& request);
Result delete_item(const Env& env, const json::object& request);
Result update_item(const Env& env, const json::object& request);
Result batch_write_item(const Env& env, const json::object& request);
Result batch_get_item(const Env& env, const json::object& request);

// --- transact_operations.cpp --------------------------------------------------------------
Result transact_write_items(const Env& env, const json::object& request);
Result transact_get_items(const Env& env, const json::object& request);

// --- read_operations.cpp ------------------------------------------------------------------
TextResult scan_text(const Env& env, const json::object& request);
TextResult query_text(const Env& env, const json::object& request);
Result scan(const Env& env, const json::object& request);
Result query(const Env& env, const json::object& request);

// --- ttl_operations.cpp -------------------------------------------------------------------
Result update_time_to_live(const Env& env, const json::object& request);
Result describe_time_to_live(const Env& env, const json::object& request);
/// UpdateTimeToLive's own checks of TimeToLiveSpecification.AttributeName (length 1..255), with
/// its messages; for config that declares TTL before any table exists.
std::optional<DynamoError> check_time_to_live_attribute(std::string_view attribute);

// --- operation_support.cpp ----------------------------------------------------------------
inline constexpr std::size_t kMaxItemBytes = 400 * 1024;
inline constexpr std::size_t kPageBytes = 1024 * 1024;  // Query and Scan pages

/// A request member, or nullptr when absent or JSON null.
const json::value* member(const json::object& o, std::string_view key);
/// "1 validation error detected: Value null at '<name>' failed to satisfy constraint: …".
DynamoError null_member(std::string_view name);
/// Coral's answer to a member of the wrong JSON type.
DynamoError wrong_type();

/// The table the request's TableName names; with `name_in_message`, a missing one is
/// "Requested resource not found: Table: <name> not found" (Describe/DeleteTable).
std::variant<TableSchema, DynamoError> existing_table(const Env& env, const json::object& request,
                                                      bool name_in_message);

/// The key of `item` (a whole item: PutItem) or of a Key member (exactly the key attributes),
/// with DynamoDB's messages for each way it can be wrong.
std::variant<Store::Key, DynamoError> extract_key(const TableSchema& t, const json::object& o,
                                                  bool whole_item);
/// The key attributes of an item, as LastEvaluatedKey shows them.
json::object key_of(const TableSchema& t, const json::object& item);

/// ReturnConsumedCapacity (TOTAL/INDEXES) of one table, and of several (batches).
void add_consumed(json::object& out, const json::object& request, const TableSchema& t,
                  double units);
/// Whether the request asks for ConsumedCapacity (TOTAL or INDEXES).
bool wants_consumed(const json::object& request);
/// add_consumed() as JSON text for an answer being written: "" or `"ConsumedCapacity":{…}`.
std::string consumed_text(const json::object& request, const TableSchema& t, double units);
void add_batch_consumed(json::object& out, const json::object& request,
                        const std::map<std::string, double>& units);
/// DynamoDB's rounding: writes per started KB, reads per started 4 KB, half for eventually
/// consistent reads.
double write_units(std::size_t bytes);
double read_units(std::size_t bytes, bool consistent);
bool consistent_read(const json::object& request);

/// The legacy parameters (Expected, KeyConditions, QueryFilter …) that expressions replaced:
/// refused, naming the expression to use instead. (AttributesToGet is served:
/// parse_expressions reads it as a projection.)
std::optional<DynamoError> refuse_legacy(const json::object& request,
                                         std::initializer_list<std::string_view> names);

/// The expressions a request carries, parsed once with its placeholders; absent ones stay
/// unset. check_all_used() runs after the last one, as DynamoDB orders its errors.
struct RequestExpressions {
  expr::Placeholders placeholders;
  std::optional<expr::Condition> condition;  // ConditionExpression
  std::optional<expr::Condition> filter;     // FilterExpression
  std::optional<expr::Projection> projection;
  std::optional<expr::Update> update;
};
/// Checks how the request mixes expression and legacy parameters, then parses the request's
/// expressions of the given kinds (in DynamoDB's order: update, condition, filter,
/// projection), then checks that every placeholder was used. With `allow_projection`, the
/// legacy AttributesToGet is read as the projection too.
/// `key_condition`, when given, is parsed last of all (Query) into *key_condition.
std::variant<RequestExpressions, DynamoError> parse_expressions(
    const json::object& request, bool allow_condition, bool allow_update, bool allow_filter,
    bool allow_projection, const TableSchema* key_table = nullptr,
    std::optional<expr::KeyCondition>* key_condition = nullptr);

/// ConditionalCheckFailedException, with the item when ReturnValuesOnConditionCheckFailure
/// is ALL_OLD.
DynamoError condition_failed(const json::object& request, const json::object* old_item);

}  // namespace gh::plugins::dynamodb::ops
