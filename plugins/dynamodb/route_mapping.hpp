#pragma once
/// How a `type: dynamodb` route turns an HTTP request into a DynamoDB request: the route's YAML
/// parsed into a RouteSpec (route_config.cpp, every check done at config load), and a
/// RequestMapper that builds the request JSON per HTTP request (route_mapping.cpp).
///
/// RequestMapper is the seam for AWS-style mapping templates (VTL): a template engine will be
/// another RequestMapper producing the same JSON; the response side (route_integration.cpp)
/// does not care which mapper built the request.

#include <boost/json/object.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "gateway/config/yaml_reader.hpp"
#include "gateway/core/request_context.hpp"
#include "gateway/core/value_template.hpp"
#include "plugins/dynamodb/dynamodb_settings.hpp"
#include "plugins/dynamodb/value_mapping.hpp"

namespace gh::plugins::dynamodb {

enum class Action { kGetItem, kPutItem, kUpdateItem, kDeleteItem, kQuery, kScan };
/// DynamoDB's name of the action ("GetItem" …), which is also its `action:` in the YAML.
std::string_view action_name(Action action) noexcept;

enum class ResponseFormat { kRaw, kPlain };

/// One route's `integration:` mapping, as parsed and checked.
struct RouteSpec {
  Action action = Action::kGetItem;
  std::string table;
  std::optional<ValueSpec> key;   // GetItem, UpdateItem, DeleteItem: a mapping
  std::optional<ValueSpec> item;  // PutItem: a mapping
  std::string update;             // UpdateExpression
  std::string condition;          // ConditionExpression
  std::string key_condition;      // KeyConditionExpression
  std::string filter;             // FilterExpression
  std::string projection;         // ProjectionExpression
  std::vector<std::pair<std::string, std::string>> names;  // ExpressionAttributeNames
  std::vector<std::pair<std::string, ValueSpec>> values;   // ExpressionAttributeValues
  std::optional<std::int64_t> limit;
  std::optional<bool> scan_forward;
  std::optional<bool> consistent_read;
  std::string index;                             // IndexName
  std::string return_values;                     // ReturnValues ("" = DynamoDB's default, NONE)
  std::optional<core::ValueTemplate> start_key;  // a page token (or LastEvaluatedKey JSON)

  ResponseFormat response = ResponseFormat::kRaw;
  int not_found = 0;           // GetItem/DeleteItem: the status when there is no item (0: none)
  int condition_failed = 400;  // the status of ConditionalCheckFailedException
};

/// Parses and checks a route's `integration:` node (type: dynamodb). Expressions are parsed by
/// DynamoDB's own parser against the route's names and values; with the table declared under
/// `dynamodb.tables`, keys and key conditions are checked against its key schema too.
std::optional<RouteSpec> parse_route_spec(const config::Node& node,
                                          const DynamoDbSettings& settings,
                                          config::Diagnostics& diags);

/// Builds the DynamoDB request for one HTTP request.
class RequestMapper {
 public:
  virtual ~RequestMapper() = default;
  /// The request JSON, or the message of the 400 the client gets (a missing key value, a body
  /// that is not JSON, a value of the wrong type, a bad page token).
  virtual std::variant<boost::json::object, std::string> build(
      const core::RequestContext& ctx) const = 0;
};

/// The mapper of the YAML fields (key, item, values …) of `spec`.
std::shared_ptr<const RequestMapper> make_field_mapper(std::shared_ptr<const RouteSpec> spec);

/// Query/Scan pagination in `response: plain`: LastEvaluatedKey as an opaque URL-safe token,
/// and back (nullopt for a token this gateway did not make).
std::string encode_page_token(const boost::json::object& last_evaluated_key);
std::optional<boost::json::object> decode_page_token(std::string_view token);

}  // namespace gh::plugins::dynamodb
