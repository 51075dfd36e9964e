// parse_route_spec(): a `type: dynamodb` route's YAML, checked at config load as far as it can
// be without a request: the action and the keys it takes, the table name, values, expressions
// (DynamoDB's own parser and messages), and with a declared table its key schema.
#include <algorithm>
#include <boost/json/array.hpp>

#include "plugins/dynamodb/expressions.hpp"
#include "plugins/dynamodb/route_mapping.hpp"

namespace gh::plugins::dynamodb {

namespace json = boost::json;

namespace {

constexpr unsigned bit(Action a) { return 1u << static_cast<unsigned>(a); }
constexpr unsigned kGet = bit(Action::kGetItem), kPut = bit(Action::kPutItem),
                   kUpdate = bit(Action::kUpdateItem), kDelete = bit(Action::kDeleteItem),
                   kQuery = bit(Action::kQuery), kScan = bit(Action::kScan);
constexpr unsigned kAll = kGet | kPut | kUpdate | kDelete | kQuery | kScan;

/// The YAML keys of a dynamodb integration and the actions that take them.
struct Field {
  std::string_view key;
  unsigned actions;
};
constexpr Field kFields[] = {
    {"type", kAll},
    {"action", kAll},
    {"table", kAll},
    {"response", kAll},
    {"names", kAll},
    {"values", kAll},
    {"key", kGet | kUpdate | kDelete},
    {"item", kPut},
    {"update", kUpdate},
    {"condition", kPut | kUpdate | kDelete},
    {"keyCondition", kQuery},
    {"filter", kQuery | kScan},
    {"projection", kGet | kQuery | kScan},
    {"consistentRead", kGet | kQuery | kScan},
    {"limit", kQuery | kScan},
    {"scanForward", kQuery},
    {"index", kQuery | kScan},
    {"startKey", kQuery | kScan},
    {"returnValues", kPut | kUpdate | kDelete},
    {"notFound", kGet | kDelete},
    {"conditionFailed", kPut | kUpdate | kDelete},
};

constexpr Action kActions[] = {Action::kGetItem,    Action::kPutItem, Action::kUpdateItem,
                               Action::kDeleteItem, Action::kQuery,   Action::kScan};

std::string keys_of(Action action) {
  std::string out;
  for (const auto& f : kFields) {
    if (f.key == "type" || f.key == "action" || !(f.actions & bit(action))) continue;
    if (!out.empty()) out += ", ";
    out += f.key;
  }
  return out;
}

/// An AttributeValue of `type` for checking expressions at load ("" = unknown).
json::value sample_value(std::string_view type) {
  json::object o;
  if (type == "N") {
    o["N"] = "1";
  } else if (type == "B") {
    o["B"] = "eA==";
  } else if (type == "BOOL" || type == "NULL") {
    o[type] = true;
  } else if (type == "M") {
    o["M"] = json::object();
  } else if (type == "L") {
    o["L"] = json::array();
  } else if (type == "SS") {
    o["SS"] = json::array{"x"};
  } else if (type == "NS") {
    o["NS"] = json::array{"1"};
  } else if (type == "BS") {
    o["BS"] = json::array{"eA=="};
  } else {
    o["S"] = "x";
  }
  return o;
}

/// Which YAML key an expression error belongs to.
struct ExpressionError {
  std::string_view field;
  std::string message;
};

/// Parses the route's expressions as DynamoDB would, its values being `values`.
std::optional<ExpressionError> check_expressions(const RouteSpec& s, json::object values,
                                                 const TableSchema* schema) {
  json::object request;
  if (!s.names.empty()) {
    json::object names;
    for (const auto& [k, v] : s.names) names[k] = v;
    request["ExpressionAttributeNames"] = std::move(names);
  }
  if (!values.empty()) request["ExpressionAttributeValues"] = std::move(values);
  auto placeholders = expr::Placeholders::from_request(request);
  if (auto* e = std::get_if<DynamoError>(&placeholders)) {
    return ExpressionError{s.values.empty() ? "names" : "values", e->message};
  }
  auto& p = std::get<expr::Placeholders>(placeholders);
  // DynamoDB's order (expressions.hpp): update, condition, filter, projection, key condition.
  if (!s.update.empty()) {
    auto u = expr::parse_update(s.update, p);
    if (auto* e = std::get_if<DynamoError>(&u)) return ExpressionError{"update", e->message};
  }
  if (!s.condition.empty()) {
    auto c = expr::parse_condition(s.condition, expr::ExpressionKind::kCondition, p);
    if (auto* e = std::get_if<DynamoError>(&c)) return ExpressionError{"condition", e->message};
  }
  if (!s.filter.empty()) {
    auto c = expr::parse_condition(s.filter, expr::ExpressionKind::kFilter, p);
    if (auto* e = std::get_if<DynamoError>(&c)) return ExpressionError{"filter", e->message};
  }
  if (!s.projection.empty()) {
    auto c = expr::parse_projection(s.projection, p);
    if (auto* e = std::get_if<DynamoError>(&c)) return ExpressionError{"projection", e->message};
  }
  if (!s.key_condition.empty()) {
    // Key conditions need the key schema: checked only for declared tables (and then the
    // unused-placeholder check can run too).
    if (!schema || !s.index.empty()) return std::nullopt;
    auto k = expr::parse_key_condition(s.key_condition, p, schema->hash, schema->range);
    if (auto* e = std::get_if<DynamoError>(&k)) return ExpressionError{"keyCondition", e->message};
  }
  if (auto e = p.check_all_used()) {
    return ExpressionError{e->message.find("Names") != std::string::npos ? "names" : "values",
                           e->message};
  }
  return std::nullopt;
}

/// Values whose type only the request body decides get each candidate type in turn: the
/// expressions are accepted if any choice passes (UNVERIFIED heuristic: one type for all such
/// values; it can only let through what DynamoDB then refuses per request, never refuse a
/// config that could work with uniform types).
std::optional<ExpressionError> check_expressions(const RouteSpec& s, const TableSchema* schema) {
  static constexpr std::string_view kCandidates[] = {"S", "N", "L", "M", "SS", "NS", "BOOL"};
  std::optional<ExpressionError> first;
  for (std::string_view candidate : kCandidates) {
    bool unknown = false;
    json::object values;
    for (const auto& [placeholder, spec] : s.values) {
      if (const json::value* c = spec.constant()) {
        values[placeholder] = *c;
      } else {
        std::string_view type = spec.static_type();
        unknown = unknown || type.empty();
        values[placeholder] = sample_value(type.empty() ? candidate : type);
      }
    }
    auto error = check_expressions(s, std::move(values), schema);
    if (!error) return std::nullopt;
    if (!first) first = std::move(error);
    if (!unknown) break;
  }
  return first;
}

std::string key_description(const TableSchema& t) {
  std::string out = t.hash.name + " (" + std::string(type_name(t.hash.type)) + ")";
  if (t.range) {
    out += " and " + t.range->name + " (" + std::string(type_name(t.range->type)) + ")";
  }
  return out;
}

/// A declared table's key attributes against a key mapping (whole = false) or an item.
void check_key_attributes(const ValueSpec& spec, const TableSchema& t, bool whole_item,
                          const config::Node& at, config::Diagnostics& diags) {
  const auto& names = spec.member_names();
  std::vector<const KeyAttribute*> key{&t.hash};
  if (t.range) key.push_back(&*t.range);
  for (const KeyAttribute* k : key) {
    auto it = std::find(names.begin(), names.end(), k->name);
    if (it == names.end()) {
      diags.error(at.location(), at.path(),
                  "no value for the key attribute " + k->name + " of table " + t.name +
                      " (its key: " + key_description(t) + ")");
      continue;
    }
    std::string_view type = spec.member(static_cast<std::size_t>(it - names.begin())).static_type();
    if (!type.empty() && type != type_name(k->type)) {
      diags.error(at.location(), at.path(),
                  "the key attribute " + k->name + " of table " + t.name + " is of type " +
                      std::string(type_name(k->type)) + ", this value is " + std::string(type) +
                      (k->type == ScalarType::kNumber ? " (write {N: ...})" : ""));
    }
  }
  if (whole_item) return;
  for (const auto& name : names) {
    if (name != t.hash.name && !(t.range && name == t.range->name)) {
      diags.error(at.location(), at.path(),
                  "'" + name + "' is not a key attribute of table " + t.name +
                      " (its key: " + key_description(t) + ")");
    }
  }
}

}  // namespace

std::optional<RouteSpec> parse_route_spec(const config::Node& node,
                                          const DynamoDbSettings& settings,
                                          config::Diagnostics& diags) {
  config::MapReader r(node, diags);
  if (!r.ok()) return std::nullopt;
  r.allow("type");
  std::size_t errors = diags.error_count();
  RouteSpec s;

  auto action_text = r.string("action", config::Need::kRequired);
  if (!action_text) return std::nullopt;
  auto action = config::one_of(
      *action_text, kActions, action_name, r.get("action"), "action",
      "a dynamodb route does GetItem, PutItem, UpdateItem, DeleteItem, Query or Scan", diags);
  if (!action) return std::nullopt;
  s.action = *action;
  // Keys another action takes are refused with what this one takes; unknown keys are left
  // to MapReader (with its "did you mean").
  for (const auto& [key, value] : node.entries()) {
    for (const auto& f : kFields) {
      if (f.key != key.scalar() || (f.actions & bit(s.action))) continue;
      diags.error(key.location(), config::join_path(node.path(), f.key),
                  "'" + std::string(f.key) + "' does not apply to " +
                      std::string(action_name(s.action)) + " (it takes " + keys_of(s.action) + ")");
      r.allow(f.key);
    }
  }

  if (auto table = r.string("table", config::Need::kRequired)) {
    s.table = *table;
    json::value name(s.table);
    if (auto e = check_table_name(&name, "tableName")) {
      config::Node at = r.get("table");
      diags.error(at.location(), at.path(), e->message);
    }
  }
  const DeclaredTable* declared = settings.table(s.table);

  auto mapping = [&](std::string_view key, bool required) -> std::optional<ValueSpec> {
    config::Node at = required ? r.require(key) : r.get(key);
    if (!at.defined()) return std::nullopt;
    if (!at.is_map()) {
      diags.error(at.location(), at.path(),
                  "expected a mapping of attribute names to values, got " + at.kind_name());
      return std::nullopt;
    }
    return ValueSpec::compile(at, diags);
  };
  bool needs_key = s.action == Action::kGetItem || s.action == Action::kUpdateItem ||
                   s.action == Action::kDeleteItem;
  if (needs_key) {
    s.key = mapping("key", true);
    if (s.key && s.key->member_names().empty()) {
      config::Node at = r.get("key");
      diags.error(at.location(), at.path(), "the key needs the table's key attributes");
    } else if (s.key && declared) {
      check_key_attributes(*s.key, declared->schema, false, r.get("key"), diags);
    }
  }
  if (s.action == Action::kPutItem) {
    // A mapping of attributes, or a whole object from the body (`$request.body`, {M: …}).
    config::Node at = r.require("item");
    if (at.defined()) s.item = ValueSpec::compile(at, diags);
    if (s.item && s.item->static_type() != "M" && !s.item->static_type().empty()) {
      diags.error(at.location(), at.path(),
                  "the item is a mapping of attribute names to values, or a $request.body "
                  "reference to an object");
    } else if (s.item && declared && !s.item->member_names().empty()) {
      check_key_attributes(*s.item, declared->schema, true, at, diags);
    }
  }

  s.update = r.string("update", s.action == Action::kUpdateItem ? config::Need::kRequired
                                                                : config::Need::kOptional)
                 .value_or("");
  s.condition = r.string("condition").value_or("");
  s.key_condition = r.string("keyCondition", s.action == Action::kQuery ? config::Need::kRequired
                                                                        : config::Need::kOptional)
                        .value_or("");
  s.filter = r.string("filter").value_or("");
  s.projection = r.string("projection").value_or("");
  s.index = r.string("index").value_or("");

  config::Node names_node = r.get("names");
  if (names_node.defined() && !names_node.is_null()) {
    if (!names_node.is_map()) {
      diags.error(names_node.location(), names_node.path(),
                  "expected a mapping like {\"#n\": name}, got " + names_node.kind_name());
    } else {
      for (const auto& [key, value] : names_node.entries()) {
        // Attribute names are part of the request's structure: constants only.
        if (auto name = config::read_string(value, diags)) {
          s.names.emplace_back(key.scalar(), *name);
        }
      }
    }
  }
  config::Node values_node = r.get("values");
  if (values_node.defined() && !values_node.is_null()) {
    if (!values_node.is_map()) {
      diags.error(
          values_node.location(), values_node.path(),
          "expected a mapping like {\":v\": $request.path.id}, got " + values_node.kind_name());
    } else {
      for (const auto& [key, value] : values_node.entries()) {
        if (auto spec = ValueSpec::compile(value, diags)) {
          s.values.emplace_back(key.scalar(), std::move(*spec));
        }
      }
    }
  }

  s.limit = r.integer("limit", 1, 1'000'000);
  s.scan_forward = r.boolean("scanForward");
  s.consistent_read = r.boolean("consistentRead");
  if (auto rv = r.string("returnValues")) {
    bool ok = *rv == "NONE" || *rv == "ALL_OLD" ||
              (s.action == Action::kUpdateItem &&
               (*rv == "ALL_NEW" || *rv == "UPDATED_OLD" || *rv == "UPDATED_NEW"));
    if (!ok) {
      config::Node at = r.get("returnValues");
      diags.error(
          at.location(), at.path(),
          "returnValues of " + std::string(action_name(s.action)) + " is NONE or ALL_OLD" +
              (s.action == Action::kUpdateItem ? ", ALL_NEW, UPDATED_OLD or UPDATED_NEW" : ""));
    }
    s.return_values = *rv;
  }
  if (auto start = r.string("startKey")) {
    std::string error;
    s.start_key = core::ValueTemplate::compile(*start, {}, error);
    if (!s.start_key) {
      config::Node at = r.get("startKey");
      diags.error(at.location(), at.path(), error);
    }
  }
  if (auto format = r.string("response")) {
    if (*format == "plain") {
      s.response = ResponseFormat::kPlain;
    } else if (*format != "raw") {
      config::Node at = r.get("response");
      diags.error(at.location(), at.path(),
                  "response is raw (DynamoDB's JSON, the default) or plain (unmarshalled)");
    }
  }
  s.not_found = static_cast<int>(r.integer("notFound", 400, 599).value_or(0));
  s.condition_failed = static_cast<int>(r.integer("conditionFailed", 400, 599).value_or(400));
  r.finish();
  if (diags.error_count() != errors) return std::nullopt;

  if (auto e = check_expressions(s, declared ? &declared->schema : nullptr)) {
    config::Node at = r.get(e->field);
    if (!at.defined()) at = node;
    diags.error(at.location(), at.path(), e->message);
    return std::nullopt;
  }
  return s;
}

}  // namespace gh::plugins::dynamodb
