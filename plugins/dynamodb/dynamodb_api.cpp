#include "plugins/dynamodb/dynamodb_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/crc.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>

#include "gateway/core/service_authorizer.hpp"
#include "gateway/util/ids.hpp"
#include "plugins/dynamodb/attribute_value.hpp"

namespace gh::plugins::dynamodb {

namespace json = boost::json;

namespace {

constexpr std::string_view kTargetPrefix = "DynamoDB_20120810.";
constexpr std::size_t kMaxItemBytes = 400 * 1024;

using Result = std::variant<json::object, DynamoError>;

const json::value* member(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() || it->value().is_null() ? nullptr : &it->value();
}

DynamoError null_member(std::string_view name) {
  return DynamoError::validation("1 validation error detected: Value null at '" +
                                 std::string(name) +
                                 "' failed to satisfy constraint: Member must not be null");
}

/// DynamoDB's request ids: 52 characters of [A-Z0-9].
std::string dynamodb_request_id() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  unsigned char bytes[52];
  util::random_bytes(bytes, sizeof bytes);
  std::string id;
  for (unsigned char b : bytes) id += kAlphabet[b % 36];
  return id;
}

/// The key of `item` (PutItem: the whole item) or of `key` (GetItem/DeleteItem: exactly the key
/// attributes), with DynamoDB's messages for each way it can be wrong.
std::variant<Store::Key, DynamoError> extract_key(const TableSchema& t, const json::object& o,
                                                  bool whole_item) {
  if (!whole_item && o.size() != (t.range ? 2u : 1u)) {
    return DynamoError::validation("The provided key element does not match the schema");
  }
  Store::Key key;
  for (const KeyAttribute* k : {&t.hash, t.range ? &*t.range : nullptr}) {
    if (!k) continue;
    auto it = o.find(k->name);
    if (it == o.end()) {
      if (!whole_item) {
        return DynamoError::validation("The provided key element does not match the schema");
      }
      return DynamoError::validation("One or more parameter values were invalid: Missing the key " +
                                     k->name + " in the item");
    }
    auto bytes = key_bytes(it->value(), k->type);
    if (!bytes) {
      if (!whole_item) {
        return DynamoError::validation("The provided key element does not match the schema");
      }
      return DynamoError::validation(
          "One or more parameter values were invalid: Type mismatch for key " + k->name +
          " expected: " + std::string(type_name(k->type)) +
          " actual: " + std::string(value_type(it->value())));
    }
    if (bytes->empty() && k->type != ScalarType::kNumber) {
      return DynamoError::validation(
          "One or more parameter values are not valid. The AttributeValue for a key attribute "
          "cannot contain an empty " +
          std::string(k->type == ScalarType::kString ? "string" : "binary") +
          " value. Key: " + k->name);
    }
    (k == &t.hash ? key.hash : key.range) = std::move(*bytes);
  }
  return key;
}

/// ReturnConsumedCapacity TOTAL/INDEXES: what the operation cost, by DynamoDB's rounding
/// (writes per started KB, reads per started 4 KB, eventually consistent reads at half).
void add_consumed(json::object& out, const json::object& request, const TableSchema& t,
                  double units) {
  const json::value* r = member(request, "ReturnConsumedCapacity");
  if (!r || !r->is_string() || r->get_string() == "NONE") return;
  json::object c{{"TableName", t.name}, {"CapacityUnits", units}};
  if (r->get_string() == "INDEXES") c["Table"] = json::object{{"CapacityUnits", units}};
  out["ConsumedCapacity"] = std::move(c);
}

double write_units(std::size_t bytes) {
  return std::max(1.0, std::ceil(static_cast<double>(bytes) / 1024.0));
}
double read_units(std::size_t bytes, bool consistent) {
  double units = std::max(1.0, std::ceil(static_cast<double>(bytes) / 4096.0));
  return consistent ? units : units / 2;
}

/// Expressions and legacy conditions arrive with the expression languages; until then a request
/// using them is refused plainly rather than half-honoured.
std::optional<DynamoError> refuse_unsupported(const json::object& request,
                                              std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    if (member(request, name)) {
      return DynamoError::validation(
          "One or more parameter values were invalid: " + std::string(name) +
          " is not available in this version of Gatehouse");
    }
  }
  return std::nullopt;
}

class DynamoDbApi final : public core::ServiceApi {
 public:
  DynamoDbApi(Store& store, const config::AwsConfig& aws) : store_(store), aws_(aws) {}

  std::string_view name() const override { return "dynamodb"; }

  bool claims(const core::Request& request) const override {
    return request.headers.get("X-Amz-Target").starts_with(kTargetPrefix);
  }

  boost::asio::awaitable<core::Response> handle(core::RequestContext& ctx) const override {
    co_return answer(ctx);
  }

 private:
  core::Response answer(core::RequestContext& ctx) const {
    const core::Request& req = ctx.request;
    std::string request_id = dynamodb_request_id();
    std::string operation(req.headers.get("X-Amz-Target").substr(kTargetPrefix.size()));
    Result result = DynamoError{400, "com.amazon.coral.service#UnknownOperationException", ""};
    if (req.method != "POST") {
      result = DynamoError::serialization("Only POST is accepted");
    } else {
      boost::system::error_code ec;
      json::value body = parse_json(req.body, ec);
      if (ec || !body.is_object()) {
        result = DynamoError::serialization(ec ? "Malformed JSON: " + ec.message()
                                               : "The request body is not a JSON object");
      } else {
        result = run(ctx, operation, body.get_object());
      }
    }
    core::Response out;
    out.headers.add("Content-Type", "application/x-amz-json-1.0");
    out.headers.add("x-amzn-RequestId", request_id);
    if (auto* ok = std::get_if<json::object>(&result)) {
      out.status = 200;
      out.body = json::serialize(*ok);
    } else {
      const DynamoError& e = std::get<DynamoError>(result);
      out.status = e.status;
      json::object o{{"__type", e.type}};
      if (!e.message.empty()) o["message"] = e.message;
      out.body = json::serialize(o);
      ctx.error_message = e.message;
    }
    boost::crc_32_type crc;
    crc.process_bytes(out.body.data(), out.body.size());
    out.headers.add("x-amz-crc32", std::to_string(crc.checksum()));
    return out;
  }

  std::string table_arn(std::string_view table) const {
    return "arn:aws:dynamodb:" + aws_.region + ":" + aws_.account_id + ":table/" +
           std::string(table);
  }

  /// iam.enforce: dynamodb:<Operation> on the table (ListTables: on every table, "*").
  std::optional<DynamoError> authorize(core::RequestContext& ctx, std::string_view operation,
                                       const json::object& request) const {
    if (!ctx.service_authorizer) return std::nullopt;
    const json::value* table = member(request, "TableName");
    std::string resource = table && table->is_string()
                               ? table_arn(std::string_view(table->get_string()))
                               : std::string("*");
    core::ServiceAccess access{"dynamodb", "dynamodb:" + std::string(operation), resource};
    auto refused = ctx.service_authorizer->check(ctx, access);
    if (!refused) return std::nullopt;
    // DynamoDB answers every client error with 400, auth failures included.
    using core::ErrorKind;
    auto coral = [](std::string_view type, std::string message) {
      return DynamoError{400, "com.amazon.coral.service#" + std::string(type), std::move(message)};
    };
    switch (refused->kind) {
      case ErrorKind::kMissingAuthenticationToken:
        return coral("MissingAuthenticationTokenException",
                     "Request is missing Authentication Token");
      case ErrorKind::kIncompleteSignature:
        return coral("IncompleteSignatureException", refused->message);
      case ErrorKind::kInvalidSignature:
        return coral("InvalidSignatureException", refused->message);
      case ErrorKind::kExpiredToken:
        return coral("ExpiredTokenException",
                     "The security token included in the request is "
                     "expired");
      case ErrorKind::kAccessDenied: {
        std::string message = refused->message;
        if (message.ends_with(" with an explicit deny")) {
          message += " in an identity-based policy";
        } else {
          message +=
              " because no identity-based policy allows the dynamodb:" + std::string(operation) +
              " action";
        }
        return coral("AccessDeniedException", std::move(message));
      }
      default:
        return coral("UnrecognizedClientException",
                     "The security token included in the request is invalid.");
    }
  }

  Result run(core::RequestContext& ctx, std::string_view operation,
             const json::object& request) const {
    using Handler = Result (DynamoDbApi::*)(const json::object&) const;
    static const std::pair<std::string_view, Handler> kOperations[] = {
        {"CreateTable", &DynamoDbApi::create_table},
        {"DescribeTable", &DynamoDbApi::describe_table},
        {"ListTables", &DynamoDbApi::list_tables},
        {"DeleteTable", &DynamoDbApi::delete_table},
        {"PutItem", &DynamoDbApi::put_item},
        {"GetItem", &DynamoDbApi::get_item},
        {"DeleteItem", &DynamoDbApi::delete_item},
    };
    for (const auto& [name, handler] : kOperations) {
      if (name != operation) continue;
      if (auto refused = authorize(ctx, operation, request)) return *refused;
      return (this->*handler)(request);
    }
    return DynamoError{400, "com.amazon.coral.service#UnknownOperationException", ""};
  }

  // --- tables -----------------------------------------------------------------------------

  Result create_table(const json::object& request) const {
    auto parsed = parse_create_table(request);
    if (auto* e = std::get_if<DynamoError>(&parsed)) return *e;
    const TableSchema& t = std::get<TableSchema>(parsed);
    if (auto e = store_.create_table(t)) return *e;
    // CREATING, as AWS answers; the table is usable at once and DescribeTable says ACTIVE.
    return json::object{{"TableDescription", t.description(table_arn(t.name), "CREATING", 0, 0)}};
  }

  std::variant<TableSchema, DynamoError> existing_table(const json::object& request,
                                                        bool name_in_message) const {
    const json::value* name = member(request, "TableName");
    if (auto e = check_table_name(name)) return *e;
    auto t = store_.table(std::string_view(name->get_string()));
    if (auto* e = std::get_if<DynamoError>(&t);
        e && name_in_message && e->type.ends_with("#ResourceNotFoundException")) {
      return DynamoError::not_found(
          "Requested resource not found: Table: " + std::string(name->get_string()) + " not found");
    }
    return t;
  }

  Result describe_table(const json::object& request) const {
    auto t = existing_table(request, true);
    if (auto* e = std::get_if<DynamoError>(&t)) return *e;
    const TableSchema& schema = std::get<TableSchema>(t);
    auto stats = store_.stats(schema.name);
    if (auto* e = std::get_if<DynamoError>(&stats)) return *e;
    const auto& s = std::get<Store::Stats>(stats);
    return json::object{
        {"Table", schema.description(table_arn(schema.name), "ACTIVE", s.items, s.bytes)}};
  }

  Result list_tables(const json::object& request) const {
    std::size_t limit = 100;
    if (const json::value* l = member(request, "Limit")) {
      if (!l->is_int64() || l->get_int64() < 1 || l->get_int64() > 100) {
        return DynamoError::validation(
            "1 validation error detected: Value '" + json::serialize(*l) +
            "' at 'limit' failed to satisfy constraint: Member must have value " +
            (l->is_int64() && l->get_int64() > 100 ? "less than or equal to 100"
                                                   : "greater than or equal to 1"));
      }
      limit = static_cast<std::size_t>(l->get_int64());
    }
    std::string after;
    if (const json::value* start = member(request, "ExclusiveStartTableName")) {
      if (auto e = check_table_name(start, "exclusiveStartTableName")) return *e;
      after = std::string(start->get_string());
    }
    bool more = false;
    auto names = store_.table_names(after, limit, more);
    if (auto* e = std::get_if<DynamoError>(&names)) return *e;
    json::array list;
    for (auto& n : std::get<std::vector<std::string>>(names)) list.emplace_back(n);
    json::object out;
    if (more && !list.empty()) out["LastEvaluatedTableName"] = list.back();
    out["TableNames"] = std::move(list);
    return out;
  }

  Result delete_table(const json::object& request) const {
    const json::value* name = member(request, "TableName");
    if (auto e = check_table_name(name)) return *e;
    auto stats = store_.stats(std::string_view(name->get_string()));
    auto deleted = store_.delete_table(std::string_view(name->get_string()));
    if (auto* e = std::get_if<DynamoError>(&deleted)) {
      if (e->type.ends_with("#ResourceNotFoundException")) {
        return DynamoError::not_found("Requested resource not found: Table: " +
                                      std::string(name->get_string()) + " not found");
      }
      return *e;
    }
    const TableSchema& t = std::get<TableSchema>(deleted);
    Store::Stats s;
    if (auto* ok = std::get_if<Store::Stats>(&stats)) s = *ok;
    return json::object{
        {"TableDescription", t.description(table_arn(t.name), "DELETING", s.items, s.bytes)}};
  }

  // --- items ------------------------------------------------------------------------------

  /// ReturnValues of PutItem and DeleteItem: NONE or ALL_OLD.
  static std::variant<bool, DynamoError> wants_old(const json::object& request) {
    const json::value* r = member(request, "ReturnValues");
    if (!r) return false;
    if (!r->is_string()) return DynamoError::serialization("Unexpected value type in payload");
    if (r->get_string() == "NONE") return false;
    if (r->get_string() == "ALL_OLD") return true;
    if (r->get_string() == "ALL_NEW" || r->get_string() == "UPDATED_OLD" ||
        r->get_string() == "UPDATED_NEW") {
      return DynamoError::validation("ReturnValues can only be ALL_OLD or NONE");
    }
    return DynamoError::validation(
        "1 validation error detected: Value '" + std::string(r->get_string()) +
        "' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: "
        "[ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]");
  }

  static json::object attributes_of(const std::optional<std::string>& old) {
    json::object out;
    if (old) out["Attributes"] = parse_stored(*old);
    return out;
  }

  Result put_item(const json::object& request) const {
    if (auto e = refuse_unsupported(request,
                                    {"ConditionExpression", "Expected", "ConditionalOperator",
                                     "ExpressionAttributeNames", "ExpressionAttributeValues"})) {
      return *e;
    }
    auto t = existing_table(request, false);
    if (auto* e = std::get_if<DynamoError>(&t)) return *e;
    const TableSchema& schema = std::get<TableSchema>(t);
    const json::value* item_in = member(request, "Item");
    if (!item_in) return null_member("item");
    json::value item = *item_in;
    if (auto e = normalize_item(item)) return *e;
    auto key = extract_key(schema, item.get_object(), true);
    if (auto* e = std::get_if<DynamoError>(&key)) return *e;
    auto old_wanted = wants_old(request);
    if (auto* e = std::get_if<DynamoError>(&old_wanted)) return *e;
    std::size_t size = item_size(item.get_object());
    if (size > kMaxItemBytes) {
      return DynamoError::validation("Item size has exceeded the maximum allowed size");
    }
    auto old = store_.put(schema.name, std::get<Store::Key>(key), json::serialize(item), size);
    if (auto* e = std::get_if<DynamoError>(&old)) return *e;
    json::object out =
        std::get<bool>(old_wanted) ? attributes_of(std::get<0>(old)) : json::object{};
    add_consumed(out, request, schema, write_units(size));
    return out;
  }

  Result get_item(const json::object& request) const {
    if (auto e = refuse_unsupported(
            request, {"ProjectionExpression", "AttributesToGet", "ExpressionAttributeNames"})) {
      return *e;
    }
    auto t = existing_table(request, false);
    if (auto* e = std::get_if<DynamoError>(&t)) return *e;
    const TableSchema& schema = std::get<TableSchema>(t);
    const json::value* key_in = member(request, "Key");
    if (!key_in) return null_member("key");
    json::value key_value = *key_in;
    if (auto e = normalize_item(key_value)) return *e;
    auto key = extract_key(schema, key_value.get_object(), false);
    if (auto* e = std::get_if<DynamoError>(&key)) return *e;
    auto item = store_.get(schema.name, std::get<Store::Key>(key));
    if (auto* e = std::get_if<DynamoError>(&item)) return *e;
    const auto& found = std::get<std::optional<std::string>>(item);
    json::object out;
    std::size_t size = 0;
    if (found) {
      out["Item"] = parse_stored(*found);
      size = item_size(out["Item"].get_object());
    }
    const json::value* consistent = member(request, "ConsistentRead");
    add_consumed(out, request, schema,
                 read_units(size, consistent && consistent->is_bool() && consistent->get_bool()));
    return out;
  }

  Result delete_item(const json::object& request) const {
    if (auto e = refuse_unsupported(request,
                                    {"ConditionExpression", "Expected", "ConditionalOperator",
                                     "ExpressionAttributeNames", "ExpressionAttributeValues"})) {
      return *e;
    }
    auto t = existing_table(request, false);
    if (auto* e = std::get_if<DynamoError>(&t)) return *e;
    const TableSchema& schema = std::get<TableSchema>(t);
    const json::value* key_in = member(request, "Key");
    if (!key_in) return null_member("key");
    json::value key_value = *key_in;
    if (auto e = normalize_item(key_value)) return *e;
    auto key = extract_key(schema, key_value.get_object(), false);
    if (auto* e = std::get_if<DynamoError>(&key)) return *e;
    auto old_wanted = wants_old(request);
    if (auto* e = std::get_if<DynamoError>(&old_wanted)) return *e;
    auto old = store_.remove(schema.name, std::get<Store::Key>(key));
    if (auto* e = std::get_if<DynamoError>(&old)) return *e;
    const auto& removed = std::get<std::optional<std::string>>(old);
    json::object out = std::get<bool>(old_wanted) ? attributes_of(removed) : json::object{};
    std::size_t size = removed ? item_size(parse_stored(*removed).get_object()) : 0;
    add_consumed(out, request, schema, write_units(size));
    return out;
  }

  Store& store_;
  config::AwsConfig aws_;
};

}  // namespace

std::shared_ptr<const core::ServiceApi> make_dynamodb_api(Store& store,
                                                          const config::AwsConfig& aws) {
  return std::make_shared<DynamoDbApi>(store, aws);
}

}  // namespace gh::plugins::dynamodb
