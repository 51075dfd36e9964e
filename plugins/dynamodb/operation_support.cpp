#include <algorithm>
#include <array>
#include <boost/json/serialize.hpp>
#include <cmath>

#include "plugins/dynamodb/attribute_value.hpp"
#include "plugins/dynamodb/operations.hpp"

namespace gh::plugins::dynamodb::ops {

const json::value* member(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() || it->value().is_null() ? nullptr : &it->value();
}

DynamoError null_member(std::string_view name) {
  return DynamoError::validation("1 validation error detected: Value null at '" +
                                 std::string(name) +
                                 "' failed to satisfy constraint: Member must not be null");
}

DynamoError wrong_type() { return DynamoError::serialization("Unexpected value type in payload"); }

std::variant<TableSchema, DynamoError> existing_table(const Env& env, const json::object& request,
                                                      bool name_in_message) {
  const json::value* name = member(request, "TableName");
  if (auto e = check_table_name(name)) return *e;
  auto t = env.store.table(std::string_view(name->get_string()));
  if (auto* e = std::get_if<DynamoError>(&t);
      e && name_in_message && e->type.ends_with("#ResourceNotFoundException")) {
    return DynamoError::not_found(
        "Requested resource not found: Table: " + std::string(name->get_string()) + " not found");
  }
  return t;
}

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
    // DynamoDB's key size limits, in its words (typo included) [dynalite test/putItem.js].
    if (k == &t.hash && bytes->size() > 2048) {
      return DynamoError::validation(
          "One or more parameter values were invalid: Size of hashkey has exceeded the maximum "
          "size limit of2048 bytes");
    }
    if (k != &t.hash && bytes->size() > 1024) {
      return DynamoError::validation(
          "One or more parameter values were invalid: Aggregated size of all range keys has "
          "exceeded the size limit of 1024 bytes");
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

json::object key_of(const TableSchema& t, const json::object& item) {
  json::object key;
  if (auto it = item.find(t.hash.name); it != item.end()) key[t.hash.name] = it->value();
  if (t.range) {
    if (auto it = item.find(t.range->name); it != item.end()) key[t.range->name] = it->value();
  }
  return key;
}

void add_consumed(json::object& out, const json::object& request, const TableSchema& t,
                  double units) {
  const json::value* r = member(request, "ReturnConsumedCapacity");
  if (!r || !r->is_string() || r->get_string() == "NONE") return;
  json::object c{{"TableName", t.name}, {"CapacityUnits", units}};
  if (r->get_string() == "INDEXES") c["Table"] = json::object{{"CapacityUnits", units}};
  out["ConsumedCapacity"] = std::move(c);
}

bool wants_consumed(const json::object& request) {
  const json::value* r = member(request, "ReturnConsumedCapacity");
  return r && r->is_string() && r->get_string() != "NONE";
}

std::string consumed_text(const json::object& request, const TableSchema& t, double units) {
  json::object c;
  add_consumed(c, request, t, units);
  if (c.empty()) return {};
  std::string text = json::serialize(c);  // {"ConsumedCapacity":{…}}
  text.pop_back();
  text.erase(0, 1);
  return text;
}

Result as_object(TextResult&& answer) {
  if (auto* e = std::get_if<DynamoError>(&answer)) return std::move(*e);
  json::value v = parse_stored(std::get<std::string>(answer));
  if (!v.is_object()) return DynamoError::internal("An answer could not be read back");
  return std::move(v.get_object());
}

void add_batch_consumed(json::object& out, const json::object& request,
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

double write_units(std::size_t bytes) {
  return std::max(1.0, std::ceil(static_cast<double>(bytes) / 1024.0));
}

double read_units(std::size_t bytes, bool consistent) {
  double units = std::max(1.0, std::ceil(static_cast<double>(bytes) / 4096.0));
  return consistent ? units : units / 2;
}

bool consistent_read(const json::object& request) {
  const json::value* c = member(request, "ConsistentRead");
  return c && c->is_bool() && c->get_bool();
}

std::optional<DynamoError> refuse_legacy(const json::object& request,
                                         std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    if (member(request, name)) {
      return DynamoError::validation(
          "One or more parameter values were invalid: the legacy "
          "parameter " +
          std::string(name) +
          " is not available in Gatehouse; use the expression "
          "parameters (ConditionExpression, KeyConditionExpression, "
          "FilterExpression, ProjectionExpression, UpdateExpression)");
    }
  }
  return std::nullopt;
}

namespace {

std::string joined(std::span<const std::string_view> parts, std::string_view separator) {
  std::string out;
  for (std::string_view part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

// How a request mixes its parameters, checked before anything inside them (the messages and
// their order as dynalite's validateExpressionParams, recorded against DynamoDB [dyn]).
// Whether an operation words them in "1 validation error detected: " is
// validation_envelope.cpp's rule (ValidationFamily::kParameterMix). The values message is
// raised in the older validation layer's words (": ConditionExpression is null", "UpdateExpression
// and ConditionExpression are null"); reword_current_layer gives PutItem, DeleteItem and
// UpdateItem theirs (validation_envelope.cpp, with the captures).
// `expressions`: the expression parameters the operation takes, in DynamoDB's order.
std::optional<DynamoError> check_parameter_mix(const json::object& request,
                                               std::span<const std::string_view> expressions) {
  // Counted first, and the lists for a message built only when there is one: this runs on
  // every item request.
  auto given = [&](std::string_view name) { return member(request, name) != nullptr; };
  auto valued = [](std::string_view name) { return name != "ProjectionExpression"; };
  bool any_given = false, any_valued_given = false, has_valued = false;
  for (std::string_view name : expressions) {
    const bool present = given(name);
    any_given |= present;
    if (valued(name)) {
      has_valued = true;
      any_valued_given |= present;
    }
  }
  auto list = [&](auto&& keep, std::string_view separator) {
    std::vector<std::string_view> names;
    for (std::string_view name : expressions) {
      if (keep(name)) names.push_back(name);
    }
    return std::pair{joined(names, separator), names.size()};
  };
  const bool takes_projection = std::find(expressions.begin(), expressions.end(),
                                          "ProjectionExpression") != expressions.end();
  if (any_given && takes_projection && given("AttributesToGet")) {
    return DynamoError::validation(
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {AttributesToGet} Expression parameters: {" +
            list(given, ", ").first + "}",
        ValidationFamily::kParameterMix);
  }
  if (!any_given && given("ExpressionAttributeNames")) {
    return DynamoError::validation(
        "ExpressionAttributeNames can only be specified when using expressions",
        ValidationFamily::kParameterMix);
  }
  // Values have no use in a projection: an operation with other expressions needs one of them.
  if (has_valued && !any_valued_given && given("ExpressionAttributeValues")) {
    auto [names, count] = list(valued, " and ");
    return DynamoError::validation(
        "ExpressionAttributeValues can only be specified when using expressions: " + names +
            (count > 1 ? " are" : " is") + " null",
        ValidationFamily::kParameterMix);
  }
  return std::nullopt;
}

// The legacy AttributesToGet (GetItem, BatchGetItem, Query, Scan): a list of top-level
// attribute names, projected as a ProjectionExpression of those names would be [dyn].
std::variant<std::optional<expr::Projection>, DynamoError> attributes_to_get(
    const json::object& request) {
  const json::value* v = member(request, "AttributesToGet");
  if (!v) return std::nullopt;
  if (!v->is_array()) return wrong_type();
  std::vector<std::string> names;
  for (const json::value& name : v->get_array()) {
    if (!name.is_string()) return wrong_type();
    names.emplace_back(name.get_string());
  }
  // UNVERIFIED: BatchGetItem names the member 'requestItems.<table>.member.attributesToGet'.
  if (names.empty() || names.size() > 255) {
    std::vector<std::string_view> shown(names.begin(), names.end());
    return DynamoError::validation(
        "1 validation error detected: Value '[" + joined(shown, ", ") +
        "]' at 'attributesToGet' failed to satisfy constraint: Member must have length " +
        (names.empty() ? "greater than or equal to 1" : "less than or equal to 255"));
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (std::find(names.begin(), names.begin() + i, names[i]) != names.begin() + i) {
      return DynamoError::validation(
          "One or more parameter values were invalid: Duplicate value in attribute name: " +
          names[i]);
    }
  }
  return expr::projection_of_attributes(names);
}

}  // namespace

std::variant<RequestExpressions, DynamoError> parse_expressions(
    const json::object& request, bool allow_condition, bool allow_update, bool allow_filter,
    bool allow_projection, const TableSchema* key_table,
    std::optional<expr::KeyCondition>* key_condition) {
  std::array<std::string_view, 5> kinds;  // in DynamoDB's order; no allocation per request
  std::size_t n = 0;
  if (allow_update) kinds[n++] = "UpdateExpression";
  if (allow_condition) kinds[n++] = "ConditionExpression";
  if (allow_projection) kinds[n++] = "ProjectionExpression";
  if (allow_filter) kinds[n++] = "FilterExpression";
  if (key_condition) kinds[n++] = "KeyConditionExpression";
  if (auto e = check_parameter_mix(request, std::span(kinds.data(), n))) return *e;
  std::optional<expr::Projection> legacy_projection;
  if (allow_projection) {
    auto names = attributes_to_get(request);
    if (auto* e = std::get_if<DynamoError>(&names)) return *e;
    legacy_projection = std::move(std::get<std::optional<expr::Projection>>(names));
  }
  auto placeholders = expr::Placeholders::from_request(request);
  if (auto* e = std::get_if<DynamoError>(&placeholders)) return *e;
  RequestExpressions out;
  out.projection = std::move(legacy_projection);
  out.placeholders = std::move(std::get<expr::Placeholders>(placeholders));
  auto text = [&](std::string_view name) -> std::variant<std::string_view, DynamoError, bool> {
    const json::value* v = member(request, name);
    if (!v) return false;
    if (!v->is_string()) return wrong_type();
    return std::string_view(v->get_string());
  };
  auto each = [&](std::string_view name, bool allowed, auto&& parse) -> std::optional<DynamoError> {
    auto t = text(name);
    if (std::holds_alternative<bool>(t)) return std::nullopt;
    if (auto* e = std::get_if<DynamoError>(&t)) return *e;
    if (!allowed) {
      return DynamoError::validation("One or more parameter values were invalid: " +
                                     std::string(name) + " is not a parameter of this operation");
    }
    return parse(std::get<std::string_view>(t));
  };
  // DynamoDB's order: UpdateExpression, ConditionExpression, FilterExpression,
  // ProjectionExpression, then KeyConditionExpression (expressions.hpp).
  if (auto e = each("UpdateExpression", allow_update, [&](std::string_view t) {
        auto u = expr::parse_update(t, out.placeholders);
        if (auto* err = std::get_if<DynamoError>(&u)) return std::optional<DynamoError>(*err);
        out.update = std::get<expr::Update>(u);
        return std::optional<DynamoError>();
      })) {
    return *e;
  }
  if (auto e = each("ConditionExpression", allow_condition, [&](std::string_view t) {
        auto c = expr::parse_condition(t, expr::ExpressionKind::kCondition, out.placeholders);
        if (auto* err = std::get_if<DynamoError>(&c)) return std::optional<DynamoError>(*err);
        out.condition = std::get<expr::Condition>(c);
        return std::optional<DynamoError>();
      })) {
    return *e;
  }
  if (auto e = each("FilterExpression", allow_filter, [&](std::string_view t) {
        auto c = expr::parse_condition(t, expr::ExpressionKind::kFilter, out.placeholders);
        if (auto* err = std::get_if<DynamoError>(&c)) return std::optional<DynamoError>(*err);
        out.filter = std::get<expr::Condition>(c);
        return std::optional<DynamoError>();
      })) {
    return *e;
  }
  if (auto e = each("ProjectionExpression", allow_projection, [&](std::string_view t) {
        auto p = expr::parse_projection(t, out.placeholders);
        if (auto* err = std::get_if<DynamoError>(&p)) return std::optional<DynamoError>(*err);
        out.projection = std::get<expr::Projection>(p);
        return std::optional<DynamoError>();
      })) {
    return *e;
  }
  if (key_table && key_condition) {
    auto t = text("KeyConditionExpression");
    if (auto* e = std::get_if<DynamoError>(&t)) return *e;
    if (std::holds_alternative<bool>(t)) {
      return DynamoError::validation(
          "Either the KeyConditions or KeyConditionExpression parameter must be specified in the "
          "request.");
    }
    std::optional<KeyAttribute> range;
    if (key_table->range) range = *key_table->range;
    auto k = expr::parse_key_condition(std::get<std::string_view>(t), out.placeholders,
                                       key_table->hash, range);
    if (auto* e = std::get_if<DynamoError>(&k)) return *e;
    *key_condition = std::get<expr::KeyCondition>(k);
  }
  if (auto e = out.placeholders.check_all_used()) return *e;
  return out;
}

DynamoError condition_failed(const json::object& request, const json::object* old_item) {
  DynamoError e = DynamoError::conditional_check_failed();
  const json::value* r = member(request, "ReturnValuesOnConditionCheckFailure");
  if (old_item && r && r->is_string() && r->get_string() == "ALL_OLD") {
    e.fields["Item"] = *old_item;
  }
  return e;
}

}  // namespace gh::plugins::dynamodb::ops
