#include "plugins/dynamodb/dynamodb_api.hpp"

#include <spdlog/spdlog.h>

#include <boost/crc.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <set>

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
    // The table the call names; tagging names it by ARN; a batch is checked per table.
    std::string resource = "*";
    if (const json::value* table = member(request, "TableName"); table && table->is_string()) {
      resource = table_arn(std::string_view(table->get_string()));
    } else if (const json::value* arn = member(request, "ResourceArn"); arn && arn->is_string()) {
      resource = std::string(arn->get_string());
    } else if (const json::value* items = member(request, "RequestItems");
               items && items->is_object() && !items->get_object().empty()) {
      for (const auto& [name, ignored] : items->get_object()) {
        core::ServiceAccess each{"dynamodb", "dynamodb:" + std::string(operation), table_arn(name)};
        if (auto refused = ctx.service_authorizer->check(ctx, each)) {
          return refusal(*refused, operation);
        }
      }
      return std::nullopt;
    }
    core::ServiceAccess access{"dynamodb", "dynamodb:" + std::string(operation), resource};
    auto refused = ctx.service_authorizer->check(ctx, access);
    if (!refused) return std::nullopt;
    return refusal(*refused, operation);
  }

  /// An IAM refusal as DynamoDB words it: every client error is a 400, auth failures included.
  static DynamoError refusal(const core::GatewayError& error, std::string_view operation) {
    using core::ErrorKind;
    auto coral = [](std::string_view type, std::string message) {
      return DynamoError{400, "com.amazon.coral.service#" + std::string(type), std::move(message)};
    };
    switch (error.kind) {
      case ErrorKind::kMissingAuthenticationToken:
        return coral("MissingAuthenticationTokenException",
                     "Request is missing Authentication Token");
      case ErrorKind::kIncompleteSignature:
        return coral("IncompleteSignatureException", error.message);
      case ErrorKind::kInvalidSignature:
        return coral("InvalidSignatureException", error.message);
      case ErrorKind::kExpiredToken:
        return coral("ExpiredTokenException",
                     "The security token included in the request is "
                     "expired");
      case ErrorKind::kAccessDenied:
        return coral(
            "AccessDeniedException",
            core::service_denial_message(error.message, "dynamodb:" + std::string(operation)));
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
        {"Scan", &DynamoDbApi::scan},
        {"BatchWriteItem", &DynamoDbApi::batch_write_item},
        {"BatchGetItem", &DynamoDbApi::batch_get_item},
        {"TagResource", &DynamoDbApi::tag_resource},
        {"UntagResource", &DynamoDbApi::untag_resource},
        {"ListTagsOfResource", &DynamoDbApi::list_tags},
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

  // --- scans, batches, tags ----------------------------------------------------------------

  /// The key attributes of an item, as LastEvaluatedKey shows them.
  static json::object key_of(const TableSchema& t, const json::object& item) {
    json::object key;
    if (auto it = item.find(t.hash.name); it != item.end()) key[t.hash.name] = it->value();
    if (t.range) {
      if (auto it = item.find(t.range->name); it != item.end()) key[t.range->name] = it->value();
    }
    return key;
  }

  /// ExclusiveStartKey: a valid key of the table.
  static std::variant<std::optional<Store::Key>, DynamoError> start_key(const json::object& request,
                                                                        const TableSchema& t) {
    const json::value* start = member(request, "ExclusiveStartKey");
    if (!start) return std::optional<Store::Key>();
    json::value copy = *start;
    if (normalize_item(copy)) {
      return DynamoError::validation(
          "The provided starting key is invalid: The provided key "
          "element does not match the schema");
    }
    auto key = extract_key(t, copy.get_object(), false);
    if (auto* e = std::get_if<DynamoError>(&key)) {
      return DynamoError::validation("The provided starting key is invalid: " + e->message);
    }
    return std::optional<Store::Key>(std::get<Store::Key>(key));
  }

  Result scan(const json::object& request) const {
    if (auto e = refuse_unsupported(
            request, {"FilterExpression", "ProjectionExpression", "ScanFilter", "AttributesToGet",
                      "ConditionalOperator", "ExpressionAttributeNames",
                      "ExpressionAttributeValues", "IndexName"})) {
      return *e;
    }
    auto t = existing_table(request, false);
    if (auto* e = std::get_if<DynamoError>(&t)) return *e;
    const TableSchema& schema = std::get<TableSchema>(t);
    std::size_t limit = std::numeric_limits<std::size_t>::max();
    if (const json::value* l = member(request, "Limit")) {
      if (!l->is_int64() || l->get_int64() < 1) {
        return DynamoError::validation(
            "1 validation error detected: Value '" + json::serialize(*l) +
            "' at 'limit' failed to satisfy constraint: Member must have value greater than or "
            "equal to 1");
      }
      limit = static_cast<std::size_t>(l->get_int64());
    }
    bool count_only = false;
    if (const json::value* select = member(request, "Select")) {
      std::string_view v = select->is_string() ? std::string_view(select->get_string()) : "";
      if (v == "COUNT") {
        count_only = true;
      } else if (v != "ALL_ATTRIBUTES") {
        return DynamoError::validation(
            v == "SPECIFIC_ATTRIBUTES"
                ? "1 validation error detected: Select SPECIFIC_ATTRIBUTES needs a "
                  "ProjectionExpression, which is not available in this version of Gatehouse"
            : v == "ALL_PROJECTED_ATTRIBUTES"
                ? "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"
                : "1 validation error detected: Value '" + std::string(v) +
                      "' at 'select' failed to satisfy constraint: Member must satisfy enum value "
                      "set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, "
                      "ALL_PROJECTED_ATTRIBUTES]");
      }
    }
    // Parallel scans: the items of segment s of n are those whose hash key falls in it.
    const json::value* segment = member(request, "Segment");
    const json::value* total = member(request, "TotalSegments");
    if (segment && !total) {
      return DynamoError::validation(
          "The TotalSegments parameter is required but was not "
          "present in the request when Segment parameter is present");
    }
    if (total && !segment) {
      return DynamoError::validation(
          "The Segment parameter is required but was not present in "
          "the request when parameter TotalSegments is present");
    }
    std::function<bool(const Store::Key&)> accept;
    if (segment) {
      if (!segment->is_int64() || !total->is_int64() || total->get_int64() < 1 ||
          total->get_int64() > 1000000 || segment->get_int64() < 0) {
        return DynamoError::validation(
            "1 validation error detected: Segment and TotalSegments are integers, TotalSegments "
            "between 1 and 1000000 and Segment at least 0");
      }
      if (segment->get_int64() >= total->get_int64()) {
        return DynamoError::validation(
            "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
            "Segment: " +
            std::to_string(segment->get_int64()) +
            " is not less than TotalSegments: " + std::to_string(total->get_int64()));
      }
      auto n = static_cast<std::uint64_t>(total->get_int64());
      auto s = static_cast<std::uint64_t>(segment->get_int64());
      accept = [n, s](const Store::Key& key) {
        boost::crc_32_type crc;
        crc.process_bytes(key.hash.data(), key.hash.size());
        return crc.checksum() % n == s;
      };
    }
    auto after = start_key(request, schema);
    if (auto* e = std::get_if<DynamoError>(&after)) return *e;
    constexpr std::size_t kPageBytes = 1024 * 1024;
    auto page = store_.scan(schema.name, std::get<std::optional<Store::Key>>(after), limit,
                            kPageBytes, accept);
    if (auto* e = std::get_if<DynamoError>(&page)) return *e;
    Store::Page& p = std::get<Store::Page>(page);
    json::array items;
    std::size_t bytes = 0;
    for (auto& row : p.rows) {
      bytes += row.size;
      if (!count_only) items.push_back(parse_stored(row.item));
    }
    json::object out;
    if (!count_only) out["Items"] = std::move(items);
    out["Count"] = p.rows.size();
    out["ScannedCount"] = p.rows.size();
    // A page cut by Limit or by the 1 MB cap says where to go on.
    if (!p.rows.empty() && (p.more || p.rows.size() == limit)) {
      out["LastEvaluatedKey"] = key_of(schema, parse_stored(p.rows.back().item).get_object());
    }
    const json::value* consistent = member(request, "ConsistentRead");
    add_consumed(out, request, schema,
                 read_units(bytes, consistent && consistent->is_bool() && consistent->get_bool()));
    return out;
  }

  /// RequestItems of a batch: table name → its requests, with DynamoDB's checks of the map.
  static std::optional<DynamoError> check_request_items(const json::value* items) {
    if (!items) return null_member("requestItems");
    if (!items->is_object()) return DynamoError::serialization("Unexpected value type in payload");
    if (items->get_object().empty()) {
      return DynamoError::validation(
          "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy "
          "constraint: Member must have length greater than or equal to 1");
    }
    for (const auto& [name, ignored] : items->get_object()) {
      json::value n(name);
      if (auto e = check_table_name(&n, "requestItems.key")) return e;
    }
    return std::nullopt;
  }

  Result batch_write_item(const json::object& request) const {
    const json::value* items = member(request, "RequestItems");
    if (auto e = check_request_items(items)) return *e;
    std::vector<Store::Write> writes;
    std::map<std::string, double> units;  // per table
    std::size_t count = 0;
    for (const auto& [name, list] : items->get_object()) {
      if (!list.is_array()) return DynamoError::serialization("Unexpected value type in payload");
      count += list.get_array().size();
      if (count > 25) {
        return DynamoError::validation("Too many items requested for the BatchWriteItem call");
      }
    }
    for (const auto& [name, list] : items->get_object()) {
      auto t = store_.table(name);
      if (auto* e = std::get_if<DynamoError>(&t)) return *e;
      const TableSchema& schema = std::get<TableSchema>(t);
      std::set<std::pair<std::string, std::string>> seen;
      for (const auto& request_value : list.get_array()) {
        if (!request_value.is_object()) {
          return DynamoError::serialization("Unexpected value type in payload");
        }
        const json::object& wr = request_value.get_object();
        const json::value* put = member(wr, "PutRequest");
        const json::value* del = member(wr, "DeleteRequest");
        if ((put != nullptr) == (del != nullptr)) {
          // UNVERIFIED wording: DynamoDB refuses a WriteRequest with neither or both.
          return DynamoError::validation(
              "One or more parameter values were invalid: a WriteRequest has exactly one of "
              "PutRequest and DeleteRequest");
        }
        Store::Write w;
        w.table = std::string(name);
        const json::value* body =
            put ? member(put->get_object(), "Item") : member(del->get_object(), "Key");
        if (!body) return null_member(put ? "item" : "key");
        json::value value = *body;
        if (auto e = normalize_item(value)) return *e;
        auto key = extract_key(schema, value.get_object(), put != nullptr);
        if (auto* e = std::get_if<DynamoError>(&key)) return *e;
        w.key = std::get<Store::Key>(key);
        if (!seen.emplace(w.key.hash, w.key.range).second) {
          return DynamoError::validation("Provided list of item keys contains duplicates");
        }
        if (put) {
          w.size = item_size(value.get_object());
          if (w.size > kMaxItemBytes) {
            return DynamoError::validation("Item size has exceeded the maximum allowed size");
          }
          w.item = json::serialize(value);
        }
        units[w.table] += write_units(w.size);
        writes.push_back(std::move(w));
      }
    }
    if (auto e = store_.write_batch(writes)) return *e;
    json::object out{{"UnprocessedItems", json::object{}}};
    add_batch_consumed(out, request, units);
    return out;
  }

  Result batch_get_item(const json::object& request) const {
    const json::value* items = member(request, "RequestItems");
    if (auto e = check_request_items(items)) return *e;
    std::size_t count = 0;
    for (const auto& [name, spec] : items->get_object()) {
      if (!spec.is_object()) return DynamoError::serialization("Unexpected value type in payload");
      if (auto e = refuse_unsupported(spec.get_object(), {"ProjectionExpression", "AttributesToGet",
                                                          "ExpressionAttributeNames"})) {
        return *e;
      }
      const json::value* keys = member(spec.get_object(), "Keys");
      if (!keys) return null_member("requestItems." + std::string(name) + ".member.keys");
      if (!keys->is_array()) return DynamoError::serialization("Unexpected value type in payload");
      count += keys->get_array().size();
      if (count > 100) {
        return DynamoError::validation("Too many items requested for the BatchGetItem call");
      }
    }
    constexpr std::size_t kResponseBytes = 16 * 1024 * 1024;
    std::size_t bytes = 0;
    json::object responses;
    json::object unprocessed;
    std::map<std::string, double> units;
    for (const auto& [name, spec] : items->get_object()) {
      auto t = store_.table(name);
      if (auto* e = std::get_if<DynamoError>(&t)) return *e;
      const TableSchema& schema = std::get<TableSchema>(t);
      const json::value* consistent = member(spec.get_object(), "ConsistentRead");
      bool strong = consistent && consistent->is_bool() && consistent->get_bool();
      std::vector<std::pair<Store::Key, const json::value*>> keys;
      std::set<std::pair<std::string, std::string>> seen;
      for (const auto& k : member(spec.get_object(), "Keys")->get_array()) {
        json::value copy = k;
        if (auto e = normalize_item(copy)) return *e;
        auto key = extract_key(schema, copy.get_object(), false);
        if (auto* e = std::get_if<DynamoError>(&key)) return *e;
        const Store::Key& sk = std::get<Store::Key>(key);
        if (!seen.emplace(sk.hash, sk.range).second) {
          return DynamoError::validation("Provided list of item keys contains duplicates");
        }
        keys.emplace_back(sk, &k);
      }
      json::array found;
      json::array left;
      for (const auto& [key, original] : keys) {
        if (bytes >= kResponseBytes) {  // the rest comes back as UnprocessedKeys
          left.push_back(*original);
          continue;
        }
        auto item = store_.get(schema.name, key);
        if (auto* e = std::get_if<DynamoError>(&item)) return *e;
        if (const auto& text = std::get<std::optional<std::string>>(item)) {
          json::value v = parse_stored(*text);
          std::size_t size = item_size(v.get_object());
          bytes += size;
          units[schema.name] += read_units(size, strong);
          found.push_back(std::move(v));
        } else {
          units[schema.name] += read_units(0, strong);
        }
      }
      responses[name] = std::move(found);
      if (!left.empty()) {
        json::object rest = spec.get_object();
        rest["Keys"] = std::move(left);
        unprocessed[name] = std::move(rest);
      }
    }
    json::object out{{"Responses", std::move(responses)},
                     {"UnprocessedKeys", std::move(unprocessed)}};
    add_batch_consumed(out, request, units);
    return out;
  }

  static void add_batch_consumed(json::object& out, const json::object& request,
                                 const std::map<std::string, double>& units) {
    const json::value* r = member(request, "ReturnConsumedCapacity");
    if (!r || !r->is_string() || r->get_string() == "NONE") return;
    json::array list;
    for (const auto& [table, u] : units) {
      json::object c{{"TableName", table}, {"CapacityUnits", u}};
      if (r->get_string() == "INDEXES") c["Table"] = json::object{{"CapacityUnits", u}};
      list.push_back(std::move(c));
    }
    out["ConsumedCapacity"] = std::move(list);
  }

  /// The table a ResourceArn names (this account and region's tables only).
  std::variant<TableSchema, DynamoError> tagged_table(const json::object& request) const {
    const json::value* arn = member(request, "ResourceArn");
    if (!arn) return null_member("resourceArn");
    if (!arn->is_string()) return DynamoError::serialization("Unexpected value type in payload");
    std::string_view text = arn->get_string();
    std::string prefix = table_arn("");
    auto not_found = DynamoError::not_found(
        "Requested resource not found: ResourcArn: " + std::string(text) + " not found");
    if (!text.starts_with(prefix)) {
      if (!text.starts_with("arn:")) {
        return DynamoError::validation("Invalid TableArn: Invalid ResourceArn provided as input " +
                                       std::string(text));
      }
      return not_found;
    }
    auto t = store_.table(text.substr(prefix.size()));
    if (std::holds_alternative<DynamoError>(t)) return not_found;
    return t;
  }

  Result tag_resource(const json::object& request) const {
    auto t = tagged_table(request);
    if (auto* e = std::get_if<DynamoError>(&t)) return *e;
    TableSchema schema = std::get<TableSchema>(t);
    const json::value* tags = member(request, "Tags");
    if (!tags) return null_member("tags");
    if (!tags->is_array()) return DynamoError::serialization("Unexpected value type in payload");
    std::map<std::string, std::string> all(schema.tags.begin(), schema.tags.end());
    for (const auto& tag : tags->get_array()) {
      const json::value* key = tag.is_object() ? member(tag.get_object(), "Key") : nullptr;
      const json::value* value = tag.is_object() ? member(tag.get_object(), "Value") : nullptr;
      if (!key || !value || !key->is_string() || !value->is_string()) {
        return null_member(!key ? "tags.member.key" : "tags.member.value");
      }
      if (key->get_string().empty() || key->get_string().size() > 128 ||
          value->get_string().size() > 256) {
        return DynamoError::validation(
            "One or more parameter values were invalid: A tag key is "
            "1 to 128 characters and a tag value 0 to 256");
      }
      all[std::string(key->get_string())] = std::string(value->get_string());
    }
    if (all.size() > 50) {
      return DynamoError::validation(
          "One or more parameter values were invalid: Too many tags: "
          "a table has at most 50");
    }
    schema.tags.assign(all.begin(), all.end());
    if (auto e = store_.update_table(schema)) return *e;
    return json::object{};
  }

  Result untag_resource(const json::object& request) const {
    auto t = tagged_table(request);
    if (auto* e = std::get_if<DynamoError>(&t)) return *e;
    TableSchema schema = std::get<TableSchema>(t);
    const json::value* keys = member(request, "TagKeys");
    if (!keys) return null_member("tagKeys");
    if (!keys->is_array()) return DynamoError::serialization("Unexpected value type in payload");
    std::map<std::string, std::string> all(schema.tags.begin(), schema.tags.end());
    for (const auto& k : keys->get_array()) {
      if (k.is_string()) all.erase(std::string(k.get_string()));
    }
    schema.tags.assign(all.begin(), all.end());
    if (auto e = store_.update_table(schema)) return *e;
    return json::object{};
  }

  Result list_tags(const json::object& request) const {
    auto t = tagged_table(request);
    if (auto* e = std::get_if<DynamoError>(&t)) return *e;
    json::array tags;
    for (const auto& [k, v] : std::get<TableSchema>(t).tags) {
      tags.push_back(json::object{{"Key", k}, {"Value", v}});
    }
    return json::object{{"Tags", std::move(tags)}};
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
