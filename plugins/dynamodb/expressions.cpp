// DynamoDB's expressions: ExpressionAttributeNames / ExpressionAttributeValues, condition and
// filter expressions, and projections. The checks made on parsed trees are in
// expression_checks.cpp, updates in expression_update.cpp, key conditions in
// expression_keys.cpp.
//
// Sources:
//  [kvs]   github.com/Keyvalue-Store/tools expressions/test/fixtures/cases-manual.jsonl:
//          DynamoDB Local 3.3.1's answers to hand-written requests.
//  [dyn]   github.com/architect/dynalite test/updateItem.js and test/scan.js, recorded
//          against live DynamoDB.

#include "plugins/dynamodb/expressions.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "plugins/dynamodb/expression_ast.hpp"

namespace gh::plugins::dynamodb::expr {

namespace json = boost::json;
using detail::AvType;
using detail::Cmp;
using detail::CondNode;
using detail::Func;
using detail::Operand;

std::string_view parameter_name(ExpressionKind kind) noexcept {
  switch (kind) {
    case ExpressionKind::kCondition:
      return "ConditionExpression";
    case ExpressionKind::kFilter:
      return "FilterExpression";
    case ExpressionKind::kKeyCondition:
      return "KeyConditionExpression";
    case ExpressionKind::kProjection:
      return "ProjectionExpression";
    case ExpressionKind::kUpdate:
      return "UpdateExpression";
  }
  return "";
}
namespace {

// [kvs]: "#1" is a valid name placeholder, "#a-b" and "x" are not ("contains invalid key:
// Syntax error; key: \"#a-b\"").
bool valid_placeholder_key(std::string_view key, char sigil) noexcept {
  if (key.size() < 2 || key[0] != sigil) return false;
  for (char c : key.substr(1)) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// Java's String.hashCode() of UTF-8 text (over its UTF-16 units).
std::uint32_t java_hash(std::string_view text) noexcept {
  std::uint32_t h = 0;
  for (std::size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    std::uint32_t cp = c;
    std::size_t n = 1;
    if (c >= 0xF0 && i + 3 < text.size()) {
      cp = ((c & 0x07u) << 18) | ((text[i + 1] & 0x3Fu) << 12) | ((text[i + 2] & 0x3Fu) << 6) |
           (text[i + 3] & 0x3Fu);
      n = 4;
    } else if (c >= 0xE0 && i + 2 < text.size()) {
      cp = ((c & 0x0Fu) << 12) | ((text[i + 1] & 0x3Fu) << 6) | (text[i + 2] & 0x3Fu);
      n = 3;
    } else if (c >= 0xC0 && i + 1 < text.size()) {
      cp = ((c & 0x1Fu) << 6) | (text[i + 1] & 0x3Fu);
      n = 2;
    }
    i += n;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      h = 31 * h + (0xD800 + (cp >> 10));
      h = 31 * h + (0xDC00 + (cp & 0x3FF));
    } else {
      h = 31 * h + cp;
    }
  }
  return h;
}

// DynamoDB lists unused placeholders in the iteration order of a java.util.HashSet holding them
// [kvs: "unused values in Java hash order": {:b, :c, :aa}; {#c, #a, #b}; fourteen keys
// {:v11, :v12, :v13, :v14, :v10, :v1, ..., :v9}, which needs the 32-bucket table a HashSet
// grows to past 12 keys]. Bucket = (h ^ h >>> 16) & (capacity - 1); keys sharing a bucket keep
// the request's order (UNVERIFIED: the order DynamoDB inserts them in).
std::string join_in_java_hash_order(std::vector<std::string_view> keys) {
  std::size_t capacity = 16;
  while (keys.size() > capacity * 3 / 4) capacity *= 2;
  auto bucket = [capacity](std::string_view key) {
    std::uint32_t h = java_hash(key);
    return (h ^ (h >> 16)) & (capacity - 1);
  };
  std::stable_sort(keys.begin(), keys.end(),
                   [&](std::string_view a, std::string_view b) { return bucket(a) < bucket(b); });
  std::string out = "{";
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i) out += ", ";
    out += keys[i];
  }
  return out + "}";
}

/// The placeholder maps' own refusals: one validation family (validation_envelope.cpp).
DynamoError map_error(std::string message) {
  return DynamoError::validation(std::move(message), ValidationFamily::kPlaceholderMap);
}

}  // namespace

// Messages [kvs][dyn]: "ExpressionAttributeNames must not be empty"; "... contains invalid key:
// Syntax error; key: \"x\""; "... contains invalid key: The expression attribute map contains a
// key that is too long; size of key: 301" (names) and "...too long;" with no size (values), for
// keys over 255 bytes; "ExpressionAttributeNames contains invalid value: Empty attribute name for
// key #n"; "ExpressionAttributeValues contains invalid value: <the value's message> for key :v".
// Names are checked before values, each map in request order (UNVERIFIED between entries).
std::variant<Placeholders, DynamoError> Placeholders::from_request(const json::object& request) {
  Placeholders out;
  if (const json::value* names = request.if_contains("ExpressionAttributeNames");
      names && !names->is_null()) {
    if (!names->is_object()) return wrong_json_type(*names, "Map");
    const json::object& map = names->get_object();
    if (map.empty()) return map_error("ExpressionAttributeNames must not be empty");
    for (const auto& [key, value] : map) {
      std::string_view k = key;
      if (k.size() > kMaxPlaceholderKeyBytes) {
        return map_error(
            "ExpressionAttributeNames contains invalid key: The expression attribute map "
            "contains a key that is too long; size of key: " +
            std::to_string(k.size()));
      }
      if (!valid_placeholder_key(k, '#')) {
        return map_error("ExpressionAttributeNames contains invalid key: Syntax error; key: \"" +
                         std::string(k) + "\"");
      }
      if (!value.is_string()) return wrong_json_type(value, "String");
      if (value.get_string().empty()) {
        return map_error(
            "ExpressionAttributeNames contains invalid value: Empty attribute name for key " +
            std::string(k));
      }
      out.name_index_.emplace(std::string(k), out.names_.size());
      out.names_.push_back({std::string(k), std::string(value.get_string()), false});
    }
  }
  if (const json::value* values = request.if_contains("ExpressionAttributeValues");
      values && !values->is_null()) {
    if (!values->is_object()) return wrong_json_type(*values, "Map");
    const json::object& map = values->get_object();
    if (map.empty()) return map_error("ExpressionAttributeValues must not be empty");
    for (const auto& [key, value] : map) {
      std::string_view k = key;
      if (k.size() > kMaxPlaceholderKeyBytes) {
        return map_error(
            "ExpressionAttributeValues contains invalid key: The expression attribute map "
            "contains a key that is too long;");
      }
      if (!valid_placeholder_key(k, ':')) {
        return map_error("ExpressionAttributeValues contains invalid key: Syntax error; key: \"" +
                         std::string(k) + "\"");
      }
      json::value normalized = value;
      if (auto e = normalize_value(normalized)) {
        // {"NULL": false} is refused in its own words, without the per-key wrapper, whatever
        // the operation (nubo-db/dynoxide src/actions/helpers.rs
        // parse_expression_attribute_values_raw and tests/http_server.rs
        // test_put_item_null_false_in_eav_enveloped, test_update_item_null_false_in_eav_enveloped:
        // "Confirmed against real DynamoDB (eu-west-2)"); its family decides the envelope.
        if (e->family == ValidationFamily::kNullFalse) return *e;
        if (e->type == DynamoError::validation("").type) {
          DynamoError wrapped =
              map_error("ExpressionAttributeValues contains invalid value: " + e->message +
                        " for key " + std::string(k));
          // The current validation layer (PutItem, UpdateItem, DeleteItem, Query) refuses a bad
          // number or duplicate set members in a value in the value's own words, without this
          // wrapper ([pst] paritysuite/dynamodb-conformance
          // tests/tier3/error-messages/valueLayers.test.ts, four regions, 2026-10-09: "DeleteItem
          // refuses a malformed number in a condition value … with no wrapper", "Query refuses a
          // duplicate in a key value, a filter value … with no wrapper"); the older one (Scan,
          // the transactions) keeps it. The wrapper's family (kPlaceholderMap) decides the
          // envelope, which the captures show the same as the value's: wrapped on the writes,
          // bare on Query. UNVERIFIED: a number of over 38 digits in a value (captured in an
          // item only; refused by the same check).
          if (e->family == ValidationFamily::kNumberConversion ||
              e->family == ValidationFamily::kDuplicateSetMembers) {
            wrapped.current_layer_message =
                e->current_layer_message.empty() ? e->message : e->current_layer_message;
          }
          return wrapped;
        }
        return *e;  // a serialization error is not wrapped
      }
      out.value_index_.emplace(std::string(k), out.values_.size());
      out.values_.push_back({std::string(k), value, std::move(normalized), false});
    }
  }
  return out;
}

std::optional<DynamoError> Placeholders::check_all_used() const {
  std::vector<std::string_view> unused;
  for (const Name& n : names_) {
    if (!n.used) unused.push_back(n.key);
  }
  if (!unused.empty()) {
    return DynamoError::validation(
        "Value provided in ExpressionAttributeNames unused in expressions: keys: " +
            join_in_java_hash_order(std::move(unused)),
        ValidationFamily::kUnusedPlaceholder);
  }
  for (const Value& v : values_) {
    if (!v.used) unused.push_back(v.key);
  }
  if (!unused.empty()) {
    return DynamoError::validation(
        "Value provided in ExpressionAttributeValues unused in expressions: keys: " +
            join_in_java_hash_order(std::move(unused)),
        ValidationFamily::kUnusedPlaceholder);
  }
  return std::nullopt;
}

const std::string* Placeholders::use_name(std::string_view key) {
  auto it = name_index_.find(std::string(key));
  if (it == name_index_.end()) return nullptr;
  names_[it->second].used = true;
  return &names_[it->second].value;
}

const json::value* Placeholders::use_value(std::string_view key) {
  auto it = value_index_.find(std::string(key));
  if (it == value_index_.end()) return nullptr;
  values_[it->second].used = true;
  return &values_[it->second].normalized;
}

const json::value* Placeholders::original_value(std::string_view key) const {
  auto it = value_index_.find(std::string(key));
  return it == value_index_.end() ? nullptr : &values_[it->second].original;
}

namespace detail {

std::variant<std::shared_ptr<ConditionTree>, DynamoError> build_condition(
    std::string_view text, ExpressionKind kind, Placeholders& placeholders) {
  if (auto e = precheck(text, kind)) return *e;
  auto tree = std::make_shared<ConditionTree>();
  ParseState state;
  state.text = text;
  parse_condition_syntax(state, tree->root);
  if (state.error) return invalid(kind, *state.error);
  if (state.word_error) return invalid(kind, *state.word_error);
  if (auto e = check_condition(state, placeholders, tree->root, tree->constants)) {
    return invalid(kind, *e);
  }
  return tree;
}

}  // namespace detail

namespace {

// ---------------------------------------------------------------------------------------------
// Condition evaluation

const json::value* operand_value(const Operand& op, const json::object* item,
                                 const std::vector<json::value>& constants, json::value& scratch) {
  switch (op.kind) {
    case Operand::Kind::kPath:
      return item ? find_path(*item, op.path) : nullptr;
    case Operand::Kind::kValue:
      return &constants[op.constant];
    case Operand::Kind::kFunction: {
      // Only size() is a value (the checks refused the others here).
      json::value inner_scratch;
      const json::value* v = operand_value(op.args[0], item, constants, inner_scratch);
      if (!v) return nullptr;
      auto size = detail::av_size(*v);
      if (!size) return nullptr;
      scratch = json::object{{"N", std::to_string(*size)}};
      return &scratch;
    }
  }
  return nullptr;
}

bool evaluate_node(const CondNode& node, const json::object* item,
                   const std::vector<json::value>& constants) {
  switch (node.kind) {
    case CondNode::Kind::kAnd:
      return evaluate_node(node.children[0], item, constants) &&
             evaluate_node(node.children[1], item, constants);
    case CondNode::Kind::kOr:
      return evaluate_node(node.children[0], item, constants) ||
             evaluate_node(node.children[1], item, constants);
    case CondNode::Kind::kNot:
      return !evaluate_node(node.children[0], item, constants);
    case CondNode::Kind::kCompare: {
      json::value s0, s1;
      const json::value* a = operand_value(node.operands[0], item, constants, s0);
      const json::value* b = operand_value(node.operands[1], item, constants, s1);
      // [kvs]: "<> of a missing attribute is true", "= of a missing attribute is false".
      if (node.cmp == Cmp::kNe) return !(a && b && detail::av_equal(*a, *b));
      if (!a || !b) return false;
      if (node.cmp == Cmp::kEq) return detail::av_equal(*a, *b);
      auto order = detail::av_compare(*a, *b);
      if (!order) return false;  // [kvs]: "< between a number and a string is no match"
      switch (node.cmp) {
        case Cmp::kLt:
          return *order < 0;
        case Cmp::kLe:
          return *order <= 0;
        case Cmp::kGt:
          return *order > 0;
        default:
          return *order >= 0;
      }
    }
    case CondNode::Kind::kBetween: {
      json::value s0, s1, s2;
      const json::value* v = operand_value(node.operands[0], item, constants, s0);
      const json::value* lo = operand_value(node.operands[1], item, constants, s1);
      const json::value* hi = operand_value(node.operands[2], item, constants, s2);
      if (!v || !lo || !hi) return false;
      auto above = detail::av_compare(*v, *lo);
      auto below = detail::av_compare(*v, *hi);
      return above && below && *above >= 0 && *below <= 0;
    }
    case CondNode::Kind::kIn: {
      json::value s0;
      const json::value* v = operand_value(node.operands[0], item, constants, s0);
      if (!v) return false;
      for (std::size_t i = 1; i < node.operands.size(); ++i) {
        json::value s;
        const json::value* candidate = operand_value(node.operands[i], item, constants, s);
        if (candidate && detail::av_equal(*v, *candidate)) return true;
      }
      return false;
    }
    case CondNode::Kind::kFunction: {
      const Operand& call = node.operands[0];
      switch (call.func) {
        case Func::kAttributeExists:
          return item && find_path(*item, call.args[0].path) != nullptr;
        case Func::kAttributeNotExists:
          return !item || find_path(*item, call.args[0].path) == nullptr;
        default:
          break;
      }
      json::value s0, s1;
      const json::value* a = operand_value(call.args[0], item, constants, s0);
      const json::value* b = operand_value(call.args[1], item, constants, s1);
      if (!a || !b) return false;
      switch (call.func) {
        case Func::kAttributeType:
          return detail::av_inner(*b).is_string() &&
                 detail::av_type_name(detail::av_type(*a)) ==
                     std::string_view(detail::av_inner(*b).get_string());
        case Func::kBeginsWith:
          return detail::av_begins_with(*a, *b);
        case Func::kContains:
          return detail::av_contains(*a, *b);
        default:
          return false;
      }
    }
  }
  return false;
}

void collect_operand_paths(const Operand& op, std::vector<DocumentPath>& out) {
  if (op.kind == Operand::Kind::kPath) out.push_back(op.path);
  for (const Operand& arg : op.args) collect_operand_paths(arg, out);
}

void collect_paths(const CondNode& node, std::vector<DocumentPath>& out) {
  for (const Operand& op : node.operands) collect_operand_paths(op, out);
  for (const CondNode& child : node.children) collect_paths(child, out);
}

// ---------------------------------------------------------------------------------------------
// Projection

void add_projection_path(detail::ProjectionNode& root, const DocumentPath& path) {
  detail::ProjectionNode* node = &root;
  for (const PathElement& step : path) {
    auto it = std::find_if(node->children.begin(), node->children.end(),
                           [&](const detail::ProjectionNode& c) { return c.key == step; });
    if (it == node->children.end()) {
      node->children.push_back({step, false, {}});
      node = &node->children.back();
    } else {
      node = &*it;
    }
  }
  node->leaf = true;
}

void sort_list_children(detail::ProjectionNode& node) {
  std::stable_sort(node.children.begin(), node.children.end(),
                   [](const detail::ProjectionNode& a, const detail::ProjectionNode& b) {
                     return a.key.is_index() && b.key.is_index() && a.key.index < b.key.index;
                   });
  for (auto& child : node.children) sort_list_children(child);
}

detail::ProjectionNode projection_root(std::span<const DocumentPath> paths) {
  detail::ProjectionNode root;
  for (const DocumentPath& path : paths) add_projection_path(root, path);
  sort_list_children(root);
  return root;
}

// [kvs]: "list entries keep their order" (l[2], l[0] of [1, 2, 3] -> {"L": [1, 3]}), "inside a
// map" (m.inr.x, m.a -> both under one "m"), "a missing attribute" (-> {}). [dyn] test
// updateItem.js "should update nested attributes": UPDATED_NEW of c[1], c[2], c[4], c[6], c[8]
// on a six-element list is the elements 1, 2 and 4, packed. A map or list none of whose
// projected members exist is left out (UNVERIFIED).
std::optional<json::value> project_value(const json::value& value,
                                         const detail::ProjectionNode& node) {
  if (node.leaf) return value;
  if (node.children.empty()) return std::nullopt;
  const AvType type = detail::av_type(value);
  if (node.children.front().key.is_index()) {
    if (type != AvType::kL) return std::nullopt;
    const json::value& inner = detail::av_inner(value);
    if (!inner.is_array()) return std::nullopt;
    const json::array& list = inner.get_array();
    json::array out;
    for (const auto& child : node.children) {
      if (!child.key.is_index() || static_cast<std::size_t>(child.key.index) >= list.size()) {
        continue;
      }
      if (auto v = project_value(list[static_cast<std::size_t>(child.key.index)], child)) {
        out.push_back(std::move(*v));
      }
    }
    if (out.empty()) return std::nullopt;
    return json::object{{"L", std::move(out)}};
  }
  if (type != AvType::kM) return std::nullopt;
  const json::value& inner = detail::av_inner(value);
  if (!inner.is_object()) return std::nullopt;
  json::object out;
  for (const auto& child : node.children) {
    if (child.key.is_index()) continue;
    const json::value* member = inner.get_object().if_contains(child.key.name);
    if (!member) continue;
    if (auto v = project_value(*member, child)) out[child.key.name] = std::move(*v);
  }
  if (out.empty()) return std::nullopt;
  return json::object{{"M", std::move(out)}};
}

json::object project_root(const detail::ProjectionNode& root, const json::object& item) {
  json::object out;
  for (const auto& child : root.children) {
    if (child.key.is_index()) continue;
    const json::value* value = item.if_contains(child.key.name);
    if (!value) continue;
    if (auto v = project_value(*value, child)) out[child.key.name] = std::move(*v);
  }
  return out;
}

}  // namespace

std::vector<DocumentPath> Condition::paths() const {
  std::vector<DocumentPath> out;
  if (tree_) collect_paths(tree_->root, out);
  return out;
}

std::variant<Condition, DynamoError> parse_condition(std::string_view text, ExpressionKind kind,
                                                     Placeholders& placeholders) {
  auto built = detail::build_condition(text, kind, placeholders);
  if (auto* e = std::get_if<DynamoError>(&built)) return *e;
  Condition condition;
  condition.tree_ = std::move(std::get<std::shared_ptr<detail::ConditionTree>>(built));
  return condition;
}

bool evaluate(const Condition& condition, const json::object* item) {
  if (!condition.tree_) return true;
  return evaluate_node(condition.tree_->root, item, condition.tree_->constants);
}

const std::vector<DocumentPath>& Projection::paths() const {
  static const std::vector<DocumentPath> kNone;
  return tree_ ? tree_->paths : kNone;
}

std::variant<Projection, DynamoError> parse_projection(std::string_view text,
                                                       Placeholders& placeholders) {
  constexpr ExpressionKind kind = ExpressionKind::kProjection;
  if (auto e = detail::precheck(text, kind)) return *e;
  detail::ParseState state;
  state.text = text;
  std::vector<detail::ProjectionPath> syntax;
  detail::parse_projection_syntax(state, syntax);
  if (state.error) return detail::invalid(kind, *state.error);
  if (state.word_error) return detail::invalid(kind, *state.word_error);
  if (auto e = detail::check_projection(state, placeholders, syntax)) {
    return detail::invalid(kind, *e);
  }
  auto tree = std::make_shared<detail::ProjectionTree>();
  for (auto& path : syntax) tree->paths.push_back(std::move(path.path));
  tree->root = projection_root(tree->paths);
  Projection projection;
  projection.tree_ = std::move(tree);
  return projection;
}

Projection projection_of_attributes(std::span<const std::string> names) {
  auto tree = std::make_shared<detail::ProjectionTree>();
  for (const std::string& name : names) tree->paths.push_back(DocumentPath{PathElement{name}});
  tree->root = projection_root(tree->paths);
  Projection projection;
  projection.tree_ = std::move(tree);
  return projection;
}

json::object project(const Projection& projection, const json::object& item) {
  if (!projection.tree_) return item;
  return project_root(projection.tree_->root, item);
}

json::object project_paths(std::span<const DocumentPath> paths, const json::object& item) {
  return project_root(projection_root(paths), item);
}

}  // namespace gh::plugins::dynamodb::expr
