// UpdateExpression: parsing (the checks are in expression_checks.cpp) and application.
//
// Sources:
//  [kvs]   github.com/Keyvalue-Store/tools expressions/test/fixtures/cases-manual.jsonl:
//          DynamoDB Local 3.3.1's answers to hand-written requests.
//  [dyn]   github.com/architect/dynalite test/updateItem.js, recorded against live DynamoDB.

#include <algorithm>
#include <string>
#include <unordered_set>

#include "plugins/dynamodb/expression_ast.hpp"
#include "plugins/dynamodb/expressions.hpp"
#include "plugins/dynamodb/number.hpp"

namespace gh::plugins::dynamodb::expr {

namespace json = boost::json;
using detail::ActionKind;
using detail::AvType;
using detail::Func;
using detail::Operand;
using detail::SetValue;

namespace {

// Runtime messages [dyn][kvs]:
constexpr std::string_view kMissingAttribute =
    "The provided expression refers to an attribute that does not exist in the item";
constexpr std::string_view kIncorrectType =
    "An operand in the update expression has an incorrect data type";
constexpr std::string_view kInvalidPath =
    "The document path provided in the update expression is invalid for update";

struct EvalErrors {
  std::optional<std::string> type_error;  // wrong types, number overflow
  bool missing = false;
};

json::value make_av(std::string_view tag, json::value inner) {
  json::object o;
  o.emplace(tag, std::move(inner));
  return o;
}

std::optional<json::value> eval_update_operand(const Operand& op, const json::object& item,
                                               const std::vector<json::value>& constants,
                                               EvalErrors& errors) {
  switch (op.kind) {
    case Operand::Kind::kPath: {
      const json::value* v = find_path(item, op.path);
      if (!v) {
        errors.missing = true;
        return std::nullopt;
      }
      return *v;
    }
    case Operand::Kind::kValue:
      return constants[op.constant];
    case Operand::Kind::kFunction:
      break;
  }
  if (op.func == Func::kIfNotExists) {
    if (const json::value* v = find_path(item, op.args[0].path)) return *v;
    return eval_update_operand(op.args[1], item, constants, errors);
  }
  // list_append(a, b): a's elements, then b's [kvs: "list_append at the front / at the end"].
  auto a = eval_update_operand(op.args[0], item, constants, errors);
  auto b = eval_update_operand(op.args[1], item, constants, errors);
  if (!a || !b) return std::nullopt;
  if (detail::av_type(*a) != AvType::kL || detail::av_type(*b) != AvType::kL) {
    if (!errors.type_error) errors.type_error = std::string(kIncorrectType);
    return std::nullopt;
  }
  json::array out = detail::av_inner(*a).get_array();
  for (const auto& element : detail::av_inner(*b).get_array()) out.push_back(element);
  return make_av("L", std::move(out));
}

std::optional<json::value> eval_set_value(const SetValue& value, const json::object& item,
                                          const std::vector<json::value>& constants,
                                          EvalErrors& errors) {
  if (value.kind == SetValue::Kind::kOperand) {
    return eval_update_operand(value.left, item, constants, errors);
  }
  auto a = eval_update_operand(value.left, item, constants, errors);
  auto b = eval_update_operand(value.right, item, constants, errors);
  if (!a || !b) return std::nullopt;
  if (detail::av_type(*a) != AvType::kN || detail::av_type(*b) != AvType::kN) {
    if (!errors.type_error) errors.type_error = std::string(kIncorrectType);
    return std::nullopt;
  }
  std::string error;
  auto x = Number::parse(std::string_view(detail::av_inner(*a).get_string()), error);
  auto y = Number::parse(std::string_view(detail::av_inner(*b).get_string()), error);
  std::optional<Number> result;
  if (x && y) {
    result = value.kind == SetValue::Kind::kPlus ? Number::add(*x, *y, error)
                                                 : Number::subtract(*x, *y, error);
  }
  if (!result) {
    if (!errors.type_error) errors.type_error = error;
    return std::nullopt;
  }
  return make_av("N", json::string(result->to_string()));
}

json::object* map_of(json::value& value) {
  if (detail::av_type(value) != AvType::kM) return nullptr;
  json::value& inner = value.as_object().begin()->value();
  return inner.is_object() ? &inner.as_object() : nullptr;
}

json::array* array_of(json::value& value) {
  AvType t = detail::av_type(value);
  if (t != AvType::kL && t != AvType::kSS && t != AvType::kNS && t != AvType::kBS) return nullptr;
  json::value& inner = value.as_object().begin()->value();
  return inner.is_array() ? &inner.as_array() : nullptr;
}

// Where a path's last step lives: the item or a map, or a list.
struct Parent {
  json::object* map = nullptr;
  json::array* list = nullptr;
};

// [dyn] "non-existent nested attribute": every step but the last must exist, through maps for
// names and lists for indexes; the last step's container must be a map (name) or a list
// (index). Otherwise kInvalidPath, for SET, REMOVE, ADD and DELETE alike [kvs: "remove inside a
// missing map", "set inside a string"].
bool locate_parent(json::object& item, const DocumentPath& path, Parent& parent) {
  if (path.size() == 1) {
    parent.map = &item;
    return true;
  }
  json::value* current = item.if_contains(path[0].name);
  for (std::size_t i = 1; i + 1 < path.size(); ++i) {
    if (!current) return false;
    if (path[i].is_index()) {
      json::array* list = detail::av_type(*current) == AvType::kL ? array_of(*current) : nullptr;
      if (!list || static_cast<std::size_t>(path[i].index) >= list->size()) return false;
      current = &(*list)[static_cast<std::size_t>(path[i].index)];
    } else {
      json::object* map = map_of(*current);
      if (!map) return false;
      current = map->if_contains(path[i].name);
    }
  }
  if (!current) return false;
  if (path.back().is_index()) {
    parent.list = detail::av_type(*current) == AvType::kL ? array_of(*current) : nullptr;
    return parent.list != nullptr;
  }
  parent.map = map_of(*current);
  return parent.map != nullptr;
}

json::value* existing(Parent& parent, const PathElement& last) {
  if (parent.map) return parent.map->if_contains(last.name);
  if (static_cast<std::size_t>(last.index) < parent.list->size()) {
    return &(*parent.list)[static_cast<std::size_t>(last.index)];
  }
  return nullptr;
}

// [kvs]: "set past the end of a list appends" (SET l[10] on three elements gives four).
void put(Parent& parent, const PathElement& last, json::value value) {
  if (parent.map) {
    (*parent.map)[last.name] = std::move(value);
  } else if (static_cast<std::size_t>(last.index) < parent.list->size()) {
    (*parent.list)[static_cast<std::size_t>(last.index)] = std::move(value);
  } else {
    parent.list->push_back(std::move(value));
  }
}

// [kvs]: "remove past the end does nothing", "remove a missing attribute does nothing".
void erase(Parent& parent, const PathElement& last) {
  if (parent.map) {
    parent.map->erase(last.name);
  } else if (static_cast<std::size_t>(last.index) < parent.list->size()) {
    parent.list->erase(parent.list->begin() + last.index);
  }
}

// ADD [kvs][dyn]: a number adds to a number; a set joins a set of its own type (existing members
// keep their place, new ones follow: "add to a string set" [a, b] + [c, a] -> [a, b, c]); any
// other pairing is kIncorrectType.
std::optional<std::string> add_into(json::value& target, const json::value& delta) {
  const AvType type = detail::av_type(delta);
  if (detail::av_type(target) != type) return std::string(kIncorrectType);
  if (type == AvType::kN) {
    std::string error;
    auto x = Number::parse(std::string_view(detail::av_inner(target).get_string()), error);
    auto y = Number::parse(std::string_view(detail::av_inner(delta).get_string()), error);
    std::optional<Number> sum;
    if (x && y) sum = Number::add(*x, *y, error);
    if (!sum) return error;
    target = make_av("N", json::string(sum->to_string()));
    return std::nullopt;
  }
  json::array* members = array_of(target);
  if (!members) return std::string(kIncorrectType);
  std::unordered_set<std::string> present;
  for (const auto& m : *members) present.insert(detail::set_member_key(type, m));
  for (const auto& m : detail::av_inner(delta).get_array()) {
    if (present.insert(detail::set_member_key(type, m)).second) members->push_back(m);
  }
  return std::nullopt;
}

// DELETE [kvs][dyn]: removes the members of a set of the same type; a set left empty is removed
// ("delete every member" drops the attribute); any other pairing is kIncorrectType.
std::optional<std::string> delete_from(json::value& target, const json::value& delta,
                                       bool& now_empty) {
  const AvType type = detail::av_type(delta);
  if (detail::av_type(target) != type) return std::string(kIncorrectType);
  json::array* members = array_of(target);
  if (!members) return std::string(kIncorrectType);
  std::unordered_set<std::string> removed;
  for (const auto& m : detail::av_inner(delta).get_array()) {
    removed.insert(detail::set_member_key(type, m));
  }
  json::array kept;
  for (const auto& m : *members) {
    if (!removed.count(detail::set_member_key(type, m))) kept.push_back(m);
  }
  *members = std::move(kept);
  now_empty = members->empty();
  return std::nullopt;
}

// Path order: names by bytes, list indexes by number (an index before a name).
bool path_less(const DocumentPath& a, const DocumentPath& b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i].is_index() && b[i].is_index()) {
      if (a[i].index != b[i].index) return a[i].index < b[i].index;
    } else if (!a[i].is_index() && !b[i].is_index()) {
      int c = a[i].name.compare(b[i].name);
      if (c != 0) return c < 0;
    } else {
      return a[i].is_index();
    }
  }
  return a.size() < b.size();
}

}  // namespace

const std::vector<DocumentPath>& Update::targets() const {
  static const std::vector<DocumentPath> kNone;
  return program_ ? program_->targets : kNone;
}

std::vector<std::string> Update::top_level_targets() const {
  std::vector<std::string> out;
  for (const DocumentPath& path : targets()) {
    if (std::find(out.begin(), out.end(), path[0].name) == out.end()) out.push_back(path[0].name);
  }
  return out;
}

std::variant<Update, DynamoError> parse_update(std::string_view text, Placeholders& placeholders) {
  constexpr ExpressionKind kind = ExpressionKind::kUpdate;
  if (auto e = detail::precheck(text, kind)) return *e;
  auto program = std::make_shared<detail::UpdateProgram>();
  detail::ParseState state;
  state.text = text;
  detail::parse_update_syntax(state, program->syntax);
  if (state.error) return detail::invalid(kind, *state.error);
  if (state.word_error) return detail::invalid(kind, *state.word_error);

  if (auto e = detail::check_update(state, placeholders, program->syntax, program->constants)) {
    return detail::invalid(kind, *e);
  }

  for (const auto& action : program->syntax.actions) program->targets.push_back(action.path);
  Update update;
  update.program_ = std::move(program);
  return update;
}

// [dyn] test/updateItem.js "should return ValidationException if trying to update key": SET,
// ADD, DELETE and REMOVE on the key or inside it ("add a.b :a").
std::optional<DynamoError> check_key_not_updated(const Update& update,
                                                 std::span<const std::string_view> key_names) {
  for (const DocumentPath& path : update.targets()) {
    for (std::string_view key : key_names) {
      if (path[0].name == key) {
        return DynamoError::validation(
            "One or more parameter values were invalid: Cannot update attribute " +
            std::string(key) + ". This attribute is part of the key");
      }
    }
  }
  return std::nullopt;
}

// Order of effects [dyn] "should update nested attributes" and [kvs]: every SET value is
// computed from the item as it was (c[2] = b.c takes b.c's old value although b.c is set in the
// same update; "swap two attributes"); writes then apply in path order, so appends past a
// list's end land in index order ("several past the end go in index order"); removals come last,
// by the old positions ("remove two list entries by their old positions", "set and remove in
// one list"). Runtime errors: [kvs] "a type error before a missing attribute" -> a type error
// (or number overflow) in any SET value is reported before a missing attribute in another;
// which of two runtime problems DynamoDB reports first is otherwise UNVERIFIED.
std::optional<DynamoError> apply(const Update& update, json::object& item) {
  if (!update.program_) return std::nullopt;
  const detail::UpdateProgram& program = *update.program_;
  const std::vector<detail::Action>& actions = program.syntax.actions;

  std::vector<std::optional<json::value>> values(actions.size());
  EvalErrors errors;
  for (std::size_t i = 0; i < actions.size(); ++i) {
    if (actions[i].kind == ActionKind::kSet) {
      values[i] = eval_set_value(actions[i].value, item, program.constants, errors);
    }
  }
  if (errors.type_error) return DynamoError::validation(*errors.type_error);
  if (errors.missing) return DynamoError::validation(std::string(kMissingAttribute));

  json::object work = item;
  std::vector<std::size_t> writes;
  std::vector<DocumentPath> removals;
  for (std::size_t i = 0; i < actions.size(); ++i) {
    if (actions[i].kind == ActionKind::kRemove) {
      removals.push_back(actions[i].path);
    } else {
      writes.push_back(i);
    }
  }
  std::stable_sort(writes.begin(), writes.end(), [&](std::size_t a, std::size_t b) {
    return path_less(actions[a].path, actions[b].path);
  });
  for (std::size_t i : writes) {
    const detail::Action& action = actions[i];
    Parent parent;
    if (!locate_parent(work, action.path, parent)) {
      return DynamoError::validation(std::string(kInvalidPath));
    }
    const PathElement& last = action.path.back();
    switch (action.kind) {
      case ActionKind::kSet:
        put(parent, last, std::move(*values[i]));
        break;
      case ActionKind::kAdd: {
        // [kvs]: "add to a missing number" creates it; [dyn]: ADD past a list's end appends.
        const json::value& delta = program.constants[action.operand.constant];
        json::value* target = existing(parent, last);
        if (!target) {
          put(parent, last, delta);
        } else if (auto e = add_into(*target, delta)) {
          return DynamoError::validation(*e);
        }
        break;
      }
      case ActionKind::kDelete: {
        // [kvs]: "delete from a missing set" changes nothing.
        json::value* target = existing(parent, last);
        if (!target) break;
        bool now_empty = false;
        if (auto e = delete_from(*target, program.constants[action.operand.constant], now_empty)) {
          return DynamoError::validation(*e);
        }
        if (now_empty) removals.push_back(action.path);
        break;
      }
      case ActionKind::kRemove:
        break;
    }
  }
  std::sort(removals.begin(), removals.end(),
            [](const DocumentPath& a, const DocumentPath& b) { return path_less(b, a); });
  for (const DocumentPath& path : removals) {
    Parent parent;
    if (!locate_parent(work, path, parent)) {
      return DynamoError::validation(std::string(kInvalidPath));
    }
    erase(parent, path.back());
  }
  item = std::move(work);
  return std::nullopt;
}

}  // namespace gh::plugins::dynamodb::expr
