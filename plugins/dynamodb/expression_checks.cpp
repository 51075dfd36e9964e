// The checks DynamoDB makes on a parsed expression: placeholders, paths, functions and operand
// rules, path overlaps, update sections and operand types.
//
// Sources (see expression_parser.cpp for the full references):
//  [kvs]   github.com/Keyvalue-Store/tools expressions/test/fixtures/cases-manual.jsonl:
//          DynamoDB Local 3.3.1's answers to hand-written requests.
//  [dyn]   github.com/architect/dynalite test/updateItem.js and test/scan.js, recorded
//          against live DynamoDB.
//
// Error order within one expression, as observed [kvs]: syntax and redundant parentheses
// (while parsing); then reserved words and function names, in text order; then misused
// functions (size() alone, attribute_exists() as a value); then, walking the expression in
// text order, undefined placeholders, path depth and index range, operand counts, operands that
// must be paths, repeated operands, operand types and BETWEEN bounds. For updates [dyn]:
// duplicate sections come after the word errors; then placeholders; then overlapping, then
// conflicting paths; then ADD / DELETE operand types (the last section first [kvs: "the last
// section first for value types"]); then function operand rules. Where two rules meet in one
// node their relative order is UNVERIFIED.

#include <algorithm>
#include <array>
#include <boost/json/serialize.hpp>
#include <string>
#include <unordered_map>

#include "plugins/dynamodb/expression_ast.hpp"

namespace gh::plugins::dynamodb::expr::detail {

namespace json = boost::json;

namespace {

constexpr std::string_view kAttributeTypeNames = "{B,NULL,SS,BOOL,L,BS,N,NS,S,M}";
constexpr std::string_view kAttributeTypeOperandTypes = "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}";

std::string_view cmp_text(Cmp cmp) noexcept {
  switch (cmp) {
    case Cmp::kEq:
      return "=";
    case Cmp::kNe:
      return "<>";
    case Cmp::kLt:
      return "<";
    case Cmp::kLe:
      return "<=";
    case Cmp::kGt:
      return ">";
    case Cmp::kGe:
      return ">=";
  }
  return "";
}

std::string operand_type_error(std::string_view op, std::string_view type) {
  return "Incorrect operand type for operator or function; operator or function: " +
         std::string(op) + ", operand type: " + std::string(type);
}

// 0: independent, 1: one path is a prefix of the other, 2: they cross a map at one step and a
// list at the same step.
int path_relation(const DocumentPath& a, const DocumentPath& b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i].is_index() != b[i].is_index()) return 2;
    if (!(a[i] == b[i])) return 0;
  }
  return 1;
}

// [dyn]: every overlap is reported before any conflict ("set d[1] = a, d.b = a, c[1].a = a,
// #c = ..." reports the overlap of c[1].a and c, not the conflict of d[1] and d.b); path one is
// the earlier path [kvs: "SET m = :v, m.a = :v" -> path one: [m], path two: [m, a]].
std::optional<std::string> check_overlaps(const std::vector<const DocumentPath*>& paths) {
  for (int wanted = 1; wanted <= 2; ++wanted) {
    for (std::size_t j = 1; j < paths.size(); ++j) {
      for (std::size_t i = 0; i < j; ++i) {
        if (path_relation(*paths[i], *paths[j]) == wanted) {
          return std::string(wanted == 1 ? "Two document paths overlap with each other"
                                         : "Two document paths conflict with each other") +
                 "; must remove or rewrite one of these paths; path one: " +
                 format_path(*paths[i]) + ", path two: " + format_path(*paths[j]);
        }
      }
    }
  }
  return std::nullopt;
}

class Checker {
 public:
  Checker(const detail::ParseState& state, Placeholders& placeholders,
          std::vector<json::value>& constants)
      : s_(state), placeholders_(placeholders), constants_(constants) {}

  const std::string& error() const { return *error_; }

  bool fail(std::string message) {
    if (!error_) error_ = std::move(message);
    return false;
  }

  // The last check: a value placeholder inside a document path. The live service answers
  // such a path with an internal error (dynalite test/scan.js: "a.:a < b.:b" -> 500
  // InternalFailure; DynamoDB Local: "Internal server error"); this message is DynamoDB
  // Local's DOC_PATH_CONTAINS_VALUE_PARAMETER text, UNVERIFIED.
  bool finish() {
    if (value_in_path_) return fail("The document path cannot contain attribute value parameters");
    return true;
  }

  // Names and indexes of a path, with DynamoDB's messages [kvs]: "An expression attribute name
  // used in the document path is not defined; attribute name: #x", "List index is not within
  // the allowable range; index: [2147483648]" (2147483647 is accepted), "The document path has
  // too many nesting levels; nesting levels: 33" (32 is accepted).
  bool resolve_path(const std::vector<PathPart>& parts, DocumentPath& out) {
    out.clear();
    out.reserve(parts.size());
    for (const PathPart& part : parts) {
      std::string_view text = s_.token_text(part.token);
      switch (part.kind) {
        case PathPart::Kind::kName:
          out.push_back({std::string(text), -1});
          break;
        case PathPart::Kind::kNamePlaceholder: {
          const std::string* name = placeholders_.use_name(text);
          if (!name) {
            return fail(
                "An expression attribute name used in the document path is not defined; "
                "attribute name: " +
                std::string(text));
          }
          out.push_back({*name, -1});
          break;
        }
        case PathPart::Kind::kValuePlaceholder:
          value_in_path_ = true;
          out.push_back({std::string(text), -1});
          break;
        case PathPart::Kind::kIndex: {
          std::int64_t index = 0;
          bool too_big = text.size() > 10;
          for (char c : text) {
            if (too_big) break;
            index = index * 10 + (c - '0');
          }
          if (too_big || index > 2147483647) {
            return fail("List index is not within the allowable range; index: [" +
                        std::string(text) + "]");
          }
          out.push_back({std::string(), static_cast<std::int32_t>(index)});
          break;
        }
      }
    }
    if (out.size() > kMaxPathDepth) {
      return fail("The document path has too many nesting levels; nesting levels: " +
                  std::to_string(out.size()));
    }
    return true;
  }

  // [kvs]: "An expression attribute value used in expression is not defined; attribute value:
  // :m".
  bool resolve_value(Operand& op) {
    std::string_view key = s_.token_text(op.token);
    if (auto it = constant_index_.find(std::string(key)); it != constant_index_.end()) {
      op.constant = it->second;
      return true;
    }
    const json::value* value = placeholders_.use_value(key);
    if (!value) {
      return fail(
          "An expression attribute value used in expression is not defined; attribute value: " +
          std::string(key));
    }
    op.constant = static_cast<std::int32_t>(constants_.size());
    constants_.push_back(*value);
    constant_index_.emplace(std::string(key), op.constant);
    return true;
  }

  // Resolves paths and values, depth first in text order, without function checks.
  bool resolve_operand(Operand& op) {
    switch (op.kind) {
      case Operand::Kind::kPath:
        return resolve_path(op.parts, op.path);
      case Operand::Kind::kValue:
        return resolve_value(op);
      case Operand::Kind::kFunction:
        for (Operand& arg : op.args) {
          if (!resolve_operand(arg)) return false;
        }
        return true;
    }
    return true;
  }

  const json::value* constant(const Operand& op) const {
    return op.kind == Operand::Kind::kValue ? &constants_[op.constant] : nullptr;
  }

  // The type an operand is known to have before any item is seen: a value's, or N for size().
  AvType static_type(const Operand& op) const {
    if (op.kind == Operand::Kind::kValue) return detail::av_type(constants_[op.constant]);
    if (op.kind == Operand::Kind::kFunction && op.func == Func::kSize) return AvType::kN;
    return AvType::kNone;
  }

  // The value as the request wrote it, for BETWEEN's messages [kvs: "BETWEEN keeps the bound as
  // written": {N:9.9E125}].
  std::string written(const Operand& op) const {
    const json::value* v = placeholders_.original_value(s_.token_text(op.token));
    if (!v || !v->is_object() || v->get_object().empty()) return "";
    const json::value& inner = v->get_object().begin()->value();
    return inner.is_string() ? std::string(inner.get_string()) : json::serialize(inner);
  }

  // --- conditions ---

  // [kvs]: "size alone, wherever it is" / "attribute_exists compared": "The function is not
  // allowed to be used this way in an expression; function: size", reported before undefined
  // placeholders. Only size() may be a value; only the other functions may be a condition.
  bool check_misuse(const CondNode& node) {
    switch (node.kind) {
      case CondNode::Kind::kAnd:
      case CondNode::Kind::kOr:
      case CondNode::Kind::kNot:
        for (const CondNode& child : node.children) {
          if (!check_misuse(child)) return false;
        }
        return true;
      case CondNode::Kind::kFunction: {
        const Operand& call = node.operands[0];
        if (call.func == Func::kSize) return fail(misuse(call.func));
        for (const Operand& arg : call.args) {
          if (!check_misuse_value(arg)) return false;
        }
        return true;
      }
      default:
        for (const Operand& op : node.operands) {
          if (!check_misuse_value(op)) return false;
        }
        return true;
    }
  }

  bool check_condition(CondNode& node) {
    switch (node.kind) {
      case CondNode::Kind::kAnd:
      case CondNode::Kind::kOr:
      case CondNode::Kind::kNot:
        for (CondNode& child : node.children) {
          if (!check_condition(child)) return false;
        }
        return true;
      case CondNode::Kind::kFunction:
        return check_condition_operand(node.operands[0]);
      case CondNode::Kind::kCompare: {
        for (Operand& op : node.operands) {
          if (!check_condition_operand(op)) return false;
        }
        std::string_view op_text = cmp_text(node.cmp);
        if (!check_distinct(op_text, node.operands)) return false;
        if (node.cmp != Cmp::kEq && node.cmp != Cmp::kNe) return check_scalar_types(op_text, node);
        return true;
      }
      case CondNode::Kind::kBetween:
        for (Operand& op : node.operands) {
          if (!check_condition_operand(op)) return false;
        }
        return check_distinct("BETWEEN", node.operands) && check_scalar_types("BETWEEN", node) &&
               check_between_bounds(node);
      case CondNode::Kind::kIn: {
        // [kvs]: 100 operands are accepted, 101 are "The IN operator is provided with too many
        // operands; number of operands: 101".
        const std::size_t count = node.operands.size() - 1;
        if (count > kMaxInOperands) {
          return fail("The IN operator is provided with too many operands; number of operands: " +
                      std::to_string(count));
        }
        for (Operand& op : node.operands) {
          if (!check_condition_operand(op)) return false;
        }
        return check_distinct("IN", node.operands);
      }
    }
    return true;
  }

  // --- updates ---

  // [dyn][kvs]: if_not_exists(path, value) and list_append(a, b), two operands each; the
  // first operand of if_not_exists must be a path; list_append's value operands must be lists;
  // + and -'s value operands must be numbers. Values are the only operands checked here (a
  // path's or a nested function's type shows only when the update runs).
  bool check_update_value(const SetValue& value) {
    if (!check_update_operand(value.left)) return false;
    if (value.kind == SetValue::Kind::kOperand) return true;
    if (!check_update_operand(value.right)) return false;
    std::string_view op = value.kind == SetValue::Kind::kPlus ? "+" : "-";
    for (const Operand* operand : {&value.left, &value.right}) {
      AvType t = operand->kind == Operand::Kind::kValue ? static_type(*operand) : AvType::kNone;
      if (t != AvType::kNone && t != AvType::kN) {
        return fail(operand_type_error(op, detail::av_type_name(t)));
      }
    }
    return true;
  }

 private:
  static std::string misuse(Func func) {
    return "The function is not allowed to be used this way in an expression; function: " +
           std::string(detail::function_name(func));
  }

  bool check_misuse_value(const Operand& op) {
    if (op.kind != Operand::Kind::kFunction) return true;
    if (op.func != Func::kSize) return fail(misuse(op.func));
    for (const Operand& arg : op.args) {
      if (!check_misuse_value(arg)) return false;
    }
    return true;
  }

  bool check_condition_operand(Operand& op) {
    if (op.kind != Operand::Kind::kFunction) return resolve_operand(op);
    for (Operand& arg : op.args) {
      if (!check_condition_operand(arg)) return false;
    }
    return check_condition_function(op);
  }

  // [kvs][dyn]: "Incorrect number of operands for operator or function; operator or function:
  // attribute_exists, number of operands: 2"; "Operator or function requires a document path;
  // operator or function: attribute_exists"; "Incorrect operand type for operator or function;
  // operator or function: begins_with, operand type: N" (also for size(n) as operand);
  // attribute_type's second operand must be an S value naming a type: "Invalid attribute type
  // name found; type: X, valid types: {...}", a path there names the set of types. Both sets
  // are printed in java.util.HashSet order, which is not stable across DynamoDB's JVMs: these
  // are dynalite's recordings of the live service (DynamoDB Local prints other orders and
  // internal type names), UNVERIFIED.
  bool check_condition_function(const Operand& call) {
    const std::string name(detail::function_name(call.func));
    const std::size_t arity = call.func == Func::kAttributeType || call.func == Func::kBeginsWith ||
                                      call.func == Func::kContains
                                  ? 2
                                  : 1;
    if (call.args.size() != arity) {
      return fail("Incorrect number of operands for operator or function; operator or function: " +
                  name + ", number of operands: " + std::to_string(call.args.size()));
    }
    switch (call.func) {
      case Func::kAttributeExists:
      case Func::kAttributeNotExists:
        if (call.args[0].kind != Operand::Kind::kPath) return fail(requires_path(name));
        return true;
      case Func::kAttributeType: {
        // UNVERIFIED: attribute_type(:v, :t) reported like attribute_exists(:v).
        if (call.args[0].kind != Operand::Kind::kPath) return fail(requires_path(name));
        if (!check_distinct(name, call.args)) return false;
        const Operand& type_operand = call.args[1];
        AvType t = static_type(type_operand);
        if (t == AvType::kNone) return fail(operand_type_error(name, kAttributeTypeOperandTypes));
        if (t != AvType::kS) return fail(operand_type_error(name, detail::av_type_name(t)));
        const json::value& inner = detail::av_inner(*constant(type_operand));
        std::string_view named = inner.is_string() ? std::string_view(inner.get_string()) : "";
        if (detail::av_type_from_name(named) == AvType::kNone) {
          return fail("Invalid attribute type name found; type: " + std::string(named) +
                      ", valid types: " + std::string(kAttributeTypeNames));
        }
        return true;
      }
      case Func::kBeginsWith: {
        if (!check_distinct(name, call.args)) return false;
        for (const Operand& arg : call.args) {
          AvType t = static_type(arg);
          if (t != AvType::kNone && t != AvType::kS && t != AvType::kB) {
            return fail(operand_type_error(name, detail::av_type_name(t)));
          }
        }
        return true;
      }
      case Func::kContains:
        return check_distinct(name, call.args);
      case Func::kSize: {
        AvType t = static_type(call.args[0]);
        if (t == AvType::kN || t == AvType::kBool || t == AvType::kNull) {
          return fail(operand_type_error(name, detail::av_type_name(t)));
        }
        return true;
      }
      default:
        return true;  // update functions were refused while parsing
    }
  }

  static std::string requires_path(std::string_view name) {
    return "Operator or function requires a document path; operator or function: " +
           std::string(name);
  }

  // [kvs]: "n = n", "n IN (n, :v)", "n BETWEEN n AND :v", "contains(s, s)" -> "The first
  // operand must be distinct from the remaining operands for this operator or function;
  // operator: =, first operand: [n]"; ":v = :v" and "size(n) = size(n)" are accepted. Applied to
  // begins_with and attribute_type too as dynalite does (UNVERIFIED).
  bool check_distinct(std::string_view op, const std::vector<Operand>& operands) {
    if (operands.empty() || operands[0].kind != Operand::Kind::kPath) return true;
    for (std::size_t i = 1; i < operands.size(); ++i) {
      if (operands[i].kind == Operand::Kind::kPath && operands[i].path == operands[0].path) {
        return fail(
            "The first operand must be distinct from the remaining operands for this operator or "
            "function; operator: " +
            std::string(op) + ", first operand: " + format_path(operands[0].path));
      }
    }
    return true;
  }

  // [kvs]: "ss < :v" with an SS value -> "Incorrect operand type for operator or function;
  // operator or function: <, operand type: SS". Ordering needs S, N or B. The same rule for
  // BETWEEN is UNVERIFIED.
  bool check_scalar_types(std::string_view op, const CondNode& node) {
    for (const Operand& operand : node.operands) {
      AvType t = static_type(operand);
      if (t != AvType::kNone && t != AvType::kS && t != AvType::kN && t != AvType::kB) {
        return fail(operand_type_error(op, detail::av_type_name(t)));
      }
    }
    return true;
  }

  // [kvs]: "The BETWEEN operator requires same data type for lower and upper bounds; lower bound
  // operand: AttributeValue: {S:zz}, upper bound operand: AttributeValue: {N:1}" and "The
  // BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower
  // bound operand: AttributeValue: {N:9}, upper bound operand: AttributeValue: {N:1}".
  bool check_between_bounds(const CondNode& node) {
    const json::value* lower = constant(node.operands[1]);
    const json::value* upper = constant(node.operands[2]);
    if (!lower || !upper) return true;
    AvType lt = detail::av_type(*lower);
    AvType ut = detail::av_type(*upper);
    auto describe = [&] {
      return "lower bound operand: AttributeValue: {" + std::string(detail::av_type_name(lt)) +
             ":" + written(node.operands[1]) + "}, upper bound operand: AttributeValue: {" +
             std::string(detail::av_type_name(ut)) + ":" + written(node.operands[2]) + "}";
    };
    if (lt != ut) {
      return fail("The BETWEEN operator requires same data type for lower and upper bounds; " +
                  describe());
    }
    auto order = detail::av_compare(*lower, *upper);
    if (order && *order > 0) {
      return fail(
          "The BETWEEN operator requires upper bound to be greater than or equal to lower "
          "bound; " +
          describe());
    }
    return true;
  }

  bool check_update_operand(const Operand& op) {
    if (op.kind != Operand::Kind::kFunction) return true;
    for (const Operand& arg : op.args) {
      if (!check_update_operand(arg)) return false;
    }
    const std::string name(detail::function_name(op.func));
    if (op.args.size() != 2) {
      return fail("Incorrect number of operands for operator or function; operator or function: " +
                  name + ", number of operands: " + std::to_string(op.args.size()));
    }
    if (op.func == Func::kIfNotExists) {
      if (op.args[0].kind != Operand::Kind::kPath) return fail(requires_path(name));
      return true;
    }
    for (const Operand& arg : op.args) {
      AvType t = arg.kind == Operand::Kind::kValue ? static_type(arg) : AvType::kNone;
      if (t != AvType::kNone && t != AvType::kL) {
        return fail(operand_type_error(name, detail::av_type_name(t)));
      }
    }
    return true;
  }

  const detail::ParseState& s_;
  Placeholders& placeholders_;
  std::vector<json::value>& constants_;
  std::unordered_map<std::string, std::int32_t> constant_index_;
  std::optional<std::string> error_;
  bool value_in_path_ = false;
};

std::string_view section_name(ActionKind kind) noexcept {
  switch (kind) {
    case ActionKind::kSet:
      return "SET";
    case ActionKind::kRemove:
      return "REMOVE";
    case ActionKind::kAdd:
      return "ADD";
    case ActionKind::kDelete:
      return "DELETE";
  }
  return "";
}

// The type names of ADD / DELETE operand errors [kvs][dyn]: STRING, NUMBER, BINARY, BOOLEAN,
// NULL, LIST, MAP.
std::string_view long_type_name(AvType type) noexcept {
  switch (type) {
    case AvType::kS:
      return "STRING";
    case AvType::kN:
      return "NUMBER";
    case AvType::kB:
      return "BINARY";
    case AvType::kBool:
      return "BOOLEAN";
    case AvType::kNull:
      return "NULL";
    case AvType::kL:
      return "LIST";
    case AvType::kM:
      return "MAP";
    default:
      return detail::av_type_name(type);
  }
}

}  // namespace

DynamoError invalid(ExpressionKind kind, std::string_view message) {
  ValidationFamily family = ValidationFamily::kNone;
  switch (kind) {
    case ExpressionKind::kCondition:
      family = ValidationFamily::kConditionExpression;
      break;
    case ExpressionKind::kFilter:
      family = ValidationFamily::kFilterExpression;
      break;
    case ExpressionKind::kKeyCondition:
      family = ValidationFamily::kKeyConditionExpression;
      break;
    case ExpressionKind::kProjection:
      family = ValidationFamily::kProjectionExpression;
      break;
    case ExpressionKind::kUpdate:
      family = ValidationFamily::kUpdateExpression;
      break;
  }
  return DynamoError::validation(
      "Invalid " + std::string(parameter_name(kind)) + ": " + std::string(message), family);
}

// [kvs]: "an empty filter is no filter" -> "The expression can not be empty;" (blanks only are
// a syntax error at <EOF> instead); "an expression over 4 KB" -> "Expression size has exceeded
// the maximum allowed size; expression size: 4106" (bytes as sent, dynoxide#146 against AWS:
// 4096 accepted, 4097 refused).
std::optional<DynamoError> precheck(std::string_view text, ExpressionKind kind) {
  if (text.empty()) return invalid(kind, "The expression can not be empty;");
  if (text.size() > kMaxExpressionBytes) {
    return invalid(kind,
                   "Expression size has exceeded the maximum allowed size; expression size: " +
                       std::to_string(text.size()));
  }
  return std::nullopt;
}

std::optional<std::string> check_condition(const ParseState& state, Placeholders& placeholders,
                                           CondNode& root, std::vector<json::value>& constants) {
  Checker checker(state, placeholders, constants);
  if (!checker.check_misuse(root) || !checker.check_condition(root) || !checker.finish()) {
    return checker.error();
  }
  return std::nullopt;
}

// [kvs][dyn]: reserved words (while parsing), then placeholders, then "Two document paths
// overlap with each other; ... path one: [n], path two: [n]" (also "#a, n" with #a = n), then
// "... conflict ... path one: [l, [0]], path two: [l, x]".
std::optional<std::string> check_projection(const ParseState& state, Placeholders& placeholders,
                                            std::vector<ProjectionPath>& paths) {
  std::vector<json::value> no_constants;
  Checker checker(state, placeholders, no_constants);
  std::vector<const DocumentPath*> resolved;
  for (auto& path : paths) {
    if (!checker.resolve_path(path.parts, path.path)) return checker.error();
    resolved.push_back(&path.path);
  }
  if (auto e = check_overlaps(resolved)) return e;
  if (!checker.finish()) return checker.error();
  return std::nullopt;
}

std::optional<std::string> check_update(const ParseState& state, Placeholders& placeholders,
                                        UpdateSyntax& syntax, std::vector<json::value>& constants) {
  // [dyn][kvs]: 'The "SET" section can only be used once in an update expression;', after the
  // word errors, before placeholders.
  std::array<bool, 4> seen{};
  for (const auto& section : syntax.sections) {
    bool& was_seen = seen[static_cast<std::size_t>(section.kind)];
    if (was_seen) {
      return "The \"" + std::string(section_name(section.kind)) +
             "\" section can only be used once in an update expression;";
    }
    was_seen = true;
  }

  std::vector<Action>& actions = syntax.actions;
  Checker checker(state, placeholders, constants);
  for (auto& action : actions) {
    bool ok = checker.resolve_path(action.parts, action.path);
    if (ok && action.kind == ActionKind::kSet) {
      ok = checker.resolve_operand(action.value.left) &&
           (action.value.kind == SetValue::Kind::kOperand ||
            checker.resolve_operand(action.value.right));
    } else if (ok && action.kind != ActionKind::kRemove) {
      ok = checker.resolve_operand(action.operand);
    }
    if (!ok) return checker.error();
  }

  std::vector<const DocumentPath*> targets;
  for (const auto& action : actions) targets.push_back(&action.path);
  if (auto e = check_overlaps(targets)) return e;

  // [kvs][dyn]: "Incorrect operand type for operator or function; operator: ADD, operand type:
  // STRING, typeSet: ALLOWED_FOR_ADD_OPERAND" (ADD takes N and sets; DELETE takes sets:
  // "operator: DELETE, operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND"), the last
  // section first.
  for (std::size_t s = syntax.sections.size(); s-- > 0;) {
    for (const auto& action : actions) {
      if (action.section != s || action.kind == ActionKind::kSet ||
          action.kind == ActionKind::kRemove) {
        continue;
      }
      AvType t = av_type(constants[action.operand.constant]);
      bool is_set = t == AvType::kSS || t == AvType::kNS || t == AvType::kBS;
      bool ok = is_set || (action.kind == ActionKind::kAdd && t == AvType::kN);
      if (!ok) {
        const bool add = action.kind == ActionKind::kAdd;
        return "Incorrect operand type for operator or function; operator: " +
               std::string(add ? "ADD" : "DELETE") +
               ", operand type: " + std::string(long_type_name(t)) +
               ", typeSet: " + (add ? "ALLOWED_FOR_ADD_OPERAND" : "ALLOWED_FOR_DELETE_OPERAND");
      }
    }
  }

  for (const auto& action : actions) {
    if (action.kind == ActionKind::kSet && !checker.check_update_value(action.value)) {
      return checker.error();
    }
  }
  if (!checker.finish()) return checker.error();
  return std::nullopt;
}

}  // namespace gh::plugins::dynamodb::expr::detail
