#pragma once
/// DynamoDB's expression languages: ConditionExpression / FilterExpression, KeyConditionExpression,
/// ProjectionExpression and UpdateExpression, with the request's ExpressionAttributeNames and
/// ExpressionAttributeValues.
///
/// Each expression is parsed once (a hand-written recursive-descent parser over a token vector,
/// no regex) into a self-contained tree that is then evaluated as often as needed: a filter on
/// every scanned item, a projection on every returned item. Parsing reports DynamoDB's
/// ValidationException messages, in the order DynamoDB reports them (syntax and redundant
/// parentheses first, then reserved words and function names, then misused functions, then
/// placeholders and operand rules), each prefixed with "Invalid <Parameter>: " as DynamoDB does.
///
/// Typical request flow (the caller's business, documented here because DynamoDB's order is
/// observable): Placeholders::from_request() first (its errors win over the expressions'); then
/// the expressions (UpdateItem: UpdateExpression before ConditionExpression; Query:
/// FilterExpression, then ProjectionExpression, then KeyConditionExpression); then
/// Placeholders::check_all_used(); then the table lookup and evaluation.
///
/// Items are boost::json objects in DynamoDB JSON form, already validated and normalised by
/// attribute_value.hpp (numbers in canonical text). Where each behaviour comes from is recorded
/// next to the code: expression_parser.cpp (tokens, grammar, syntax messages, reserved words),
/// expression_checks.cpp (the rules checked on a parsed expression, and their order),
/// expression_values.cpp (comparison semantics), expressions.cpp (placeholders, condition
/// evaluation, projection), expression_update.cpp and expression_keys.cpp.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "plugins/dynamodb/attribute_value.hpp"
#include "plugins/dynamodb/errors.hpp"
#include "plugins/dynamodb/table_schema.hpp"

namespace gh::plugins::dynamodb::expr {

/// DynamoDB's limits on expressions (developer guide, "Constraints", expression parameters).
inline constexpr std::size_t kMaxExpressionBytes = 4096;
inline constexpr int kMaxOperators = 300;
inline constexpr std::size_t kMaxInOperands = 100;
inline constexpr std::size_t kMaxPathDepth = 32;
inline constexpr std::size_t kMaxPlaceholderKeyBytes = 255;

/// Which request parameter an expression came from; it names the expression in messages.
enum class ExpressionKind { kCondition, kFilter, kKeyCondition, kProjection, kUpdate };

/// "ConditionExpression", "FilterExpression", "KeyConditionExpression", ...
std::string_view parameter_name(ExpressionKind kind) noexcept;

/// One step of a document path: a map key or attribute name, or a list index.
struct PathElement {
  std::string name;         // used when index < 0
  std::int32_t index = -1;  // list index (0 .. 2^31-1), or -1 for a name
  bool is_index() const noexcept { return index >= 0; }
  bool operator==(const PathElement&) const = default;
};

/// A resolved document path (placeholders substituted): a.b[2] is {a, b, [2]}.
using DocumentPath = std::vector<PathElement>;

/// DynamoDB's rendering of a path in messages: "[a, b, [2]]".
std::string format_path(const DocumentPath& path);

/// The AttributeValue at `path` in `item`, or nullptr if the path leads nowhere (missing
/// attribute, map key or list index, or a step through a value of another type).
const boost::json::value* find_path(const boost::json::object& item, const DocumentPath& path);

/// One request's ExpressionAttributeNames and ExpressionAttributeValues: validated once,
/// shared by all of the request's expressions, which mark the placeholders they use.
class Placeholders {
 public:
  /// No names and no values (a request without either map).
  Placeholders() = default;

  /// Reads and validates the request's ExpressionAttributeNames / ExpressionAttributeValues
  /// members (absent or null: none), with DynamoDB's messages. Values are normalised (a copy of
  /// each is passed to normalize_value); the text as sent is kept for messages that quote it.
  static std::variant<Placeholders, DynamoError> from_request(const boost::json::object& request);

  /// DynamoDB's error when a name or value was never used by the request's expressions (names
  /// are reported before values), or nullopt. Call after every expression was parsed.
  std::optional<DynamoError> check_all_used() const;

  bool has_names() const noexcept { return !names_.empty(); }
  bool has_values() const noexcept { return !values_.empty(); }

  /// A name placeholder's attribute name (marking it used), or nullptr if undefined.
  const std::string* use_name(std::string_view key);
  /// A value placeholder's normalised AttributeValue (marking it used), or nullptr.
  const boost::json::value* use_value(std::string_view key);
  /// The value as the request sent it (before number normalisation), or nullptr.
  const boost::json::value* original_value(std::string_view key) const;

 private:
  struct Name {
    std::string key;
    std::string value;
    bool used = false;
  };
  struct Value {
    std::string key;
    boost::json::value original;
    boost::json::value normalized;
    bool used = false;
  };
  std::vector<Name> names_;
  std::vector<Value> values_;
  std::unordered_map<std::string, std::size_t> name_index_;
  std::unordered_map<std::string, std::size_t> value_index_;
};

namespace detail {
struct ConditionTree;
struct ProjectionTree;
struct UpdateProgram;
}  // namespace detail

/// A parsed ConditionExpression or FilterExpression. Cheap to copy (shared, immutable).
class Condition {
 public:
  /// Every document path the condition reads, in expression order (for the caller's checks,
  /// e.g. Query's "Filter Expression can only contain non-primary key attributes").
  std::vector<DocumentPath> paths() const;

 private:
  friend std::variant<Condition, DynamoError> parse_condition(std::string_view, ExpressionKind,
                                                              Placeholders&);
  friend bool evaluate(const Condition&, const boost::json::object*);
  std::shared_ptr<const detail::ConditionTree> tree_;
};

/// Parses a ConditionExpression (kind kCondition) or FilterExpression (kFilter).
std::variant<Condition, DynamoError> parse_condition(std::string_view text, ExpressionKind kind,
                                                     Placeholders& placeholders);

/// Evaluates the condition on `item` (nullptr: no item, every attribute missing). Conditions
/// have no runtime errors in DynamoDB: type mismatches and missing attributes make comparisons
/// false (and <> true).
bool evaluate(const Condition& condition, const boost::json::object* item);

/// A parsed ProjectionExpression.
class Projection {
 public:
  const std::vector<DocumentPath>& paths() const;

 private:
  friend std::variant<Projection, DynamoError> parse_projection(std::string_view, Placeholders&);
  friend Projection projection_of_attributes(std::span<const std::string>);
  friend boost::json::object project(const Projection&, const boost::json::object&);
  std::shared_ptr<const detail::ProjectionTree> tree_;
};

std::variant<Projection, DynamoError> parse_projection(std::string_view text,
                                                       Placeholders& placeholders);

/// The projection of the legacy AttributesToGet: top-level attributes named literally (a dot
/// or bracket is part of the name, as in an attribute name, not a path). No duplicates.
Projection projection_of_attributes(std::span<const std::string> names);

/// The item reduced to the projection's paths. Nested paths keep their structure; list
/// elements are kept in index order and packed together (projecting l[2], l[0] of [1, 2, 3]
/// gives [1, 3]); paths that lead nowhere are left out.
boost::json::object project(const Projection& projection, const boost::json::object& item);

/// The same for any set of non-overlapping paths: Update::targets() projected on the old or new
/// item gives ReturnValues UPDATED_OLD / UPDATED_NEW, as DynamoDB computes them (it returns the
/// updated paths, not whole top-level attributes).
boost::json::object project_paths(std::span<const DocumentPath> paths,
                                  const boost::json::object& item);

/// A parsed UpdateExpression.
class Update {
 public:
  /// The path each action writes (SET, REMOVE, ADD, DELETE), in expression order.
  const std::vector<DocumentPath>& targets() const;
  /// The distinct top-level attributes the actions write, in expression order.
  std::vector<std::string> top_level_targets() const;

 private:
  friend std::variant<Update, DynamoError> parse_update(std::string_view, Placeholders&);
  friend std::optional<DynamoError> apply(const Update&, boost::json::object&);
  std::shared_ptr<const detail::UpdateProgram> program_;
};

std::variant<Update, DynamoError> parse_update(std::string_view text, Placeholders& placeholders);

/// DynamoDB's refusal to update a key attribute ("One or more parameter values were invalid:
/// Cannot update attribute pk. This attribute is part of the key") for the first action whose
/// path starts at one of `key_names`, or nullopt.
std::optional<DynamoError> check_key_not_updated(const Update& update,
                                                 std::span<const std::string_view> key_names);

/// Applies the update to `item` (empty for an item that does not exist yet; the caller adds the
/// key). Every SET value is computed from the item as it was; actions then apply in path order
/// (list appends in index order) and removals last, by the list positions the item had. On error
/// the item is left unchanged and DynamoDB's message is returned. The caller re-validates the
/// result (item size, nesting depth).
std::optional<DynamoError> apply(const Update& update, boost::json::object& item);

/// The Query's key schema (of the table or the index queried): table_schema.hpp's.
using dynamodb::KeyAttribute;

/// Sort key conditions a KeyConditionExpression may use.
enum class KeyOperator { kEq, kLt, kLe, kGt, kGe, kBetween, kBeginsWith };

struct RangeCondition {
  KeyOperator op = KeyOperator::kEq;
  boost::json::value value;  // the operand (the lower bound of BETWEEN)
  boost::json::value upper;  // BETWEEN's upper bound
  /// Whether an item's sort key value satisfies the condition.
  bool matches(const boost::json::value& sort_key) const;
};

/// A parsed KeyConditionExpression: the partition key's value and the optional sort key
/// condition. Operands written value-first (":v < sk") are turned round (sk > :v).
struct KeyCondition {
  boost::json::value hash_value;
  std::optional<RangeCondition> range;
};

std::variant<KeyCondition, DynamoError> parse_key_condition(
    std::string_view text, Placeholders& placeholders, const KeyAttribute& hash,
    const std::optional<KeyAttribute>& range);

/// Whether `word` is one of DynamoDB's reserved words (case-insensitive) that may not be used
/// as a bare attribute name in an expression.
bool is_reserved_word(std::string_view word) noexcept;

}  // namespace gh::plugins::dynamodb::expr
