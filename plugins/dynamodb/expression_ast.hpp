#pragma once
/// Internal to the expression module (expressions.hpp is the public API): the tokens and syntax
/// trees of DynamoDB's expression languages, the parser that builds them (expression_parser.cpp),
/// the checks made on the trees (expression_checks.cpp), and the AttributeValue semantics the
/// evaluators share (expression_values.cpp). expressions.cpp implements placeholders, conditions
/// and projections; expression_update.cpp updates; expression_keys.cpp key conditions. The parser
/// only checks the grammar (and what DynamoDB checks while parsing: redundant parentheses, the
/// operator count, reserved words and function names); placeholders and operand rules are checked
/// on the tree by expressions.cpp.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "plugins/dynamodb/expressions.hpp"

namespace gh::plugins::dynamodb::expr::detail {

// ---------------------------------------------------------------------------------------------
// Tokens

enum class Tok : std::uint8_t {
  kEof,
  kIdent,   // [A-Za-z][A-Za-z0-9_]*, not a keyword
  kName,    // #[A-Za-z0-9_]+
  kValue,   // :[A-Za-z0-9_]+
  kNumber,  // 0 | [1-9][0-9]*
  kAnd,
  kOr,
  kNot,
  kBetween,
  kIn,
  kSet,
  kRemove,
  kAdd,
  kDelete,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kDot,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kPlus,
  kMinus,
  kInvalid,  // any other character (one code point)
};

struct Token {
  Tok kind = Tok::kEof;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
};

/// Splits `text` into tokens, ending with kEof. Never fails: unknown characters become
/// kInvalid tokens, which the parser then refuses.
std::vector<Token> tokenize(std::string_view text);

// ---------------------------------------------------------------------------------------------
// Syntax trees. Token indices refer to the token vector of the parse; the checks in
// expressions.cpp fill the resolved fields.

enum class Func : std::uint8_t {
  kUnknown,
  kAttributeExists,
  kAttributeNotExists,
  kAttributeType,
  kBeginsWith,
  kContains,
  kSize,
  kIfNotExists,
  kListAppend,
};

struct PathPart {
  enum class Kind : std::uint8_t { kName, kNamePlaceholder, kValuePlaceholder, kIndex };
  Kind kind = Kind::kName;
  std::uint32_t token = 0;
};

struct Operand {
  enum class Kind : std::uint8_t { kPath, kValue, kFunction };
  Kind kind = Kind::kPath;
  std::uint32_t token = 0;      // first token: path head, value placeholder or function name
  std::vector<PathPart> parts;  // kPath
  Func func = Func::kUnknown;   // kFunction
  std::vector<Operand> args;    // kFunction
  DocumentPath path;            // kPath, resolved
  std::int32_t constant = -1;   // kValue, index into the tree's constants
};

enum class Cmp : std::uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };

struct CondNode {
  enum class Kind : std::uint8_t { kCompare, kBetween, kIn, kFunction, kAnd, kOr, kNot };
  Kind kind = Kind::kCompare;
  Cmp cmp = Cmp::kEq;
  std::uint32_t token = 0;         // the operator's token (function: its name)
  std::vector<Operand> operands;   // compare: 2; between: 3; in: 1 + list; function: the call
  std::vector<CondNode> children;  // and / or: 2; not: 1
};

struct SetValue {
  enum class Kind : std::uint8_t { kOperand, kPlus, kMinus };
  Kind kind = Kind::kOperand;
  std::uint32_t token = 0;  // the + or -
  Operand left;
  Operand right;
};

enum class ActionKind : std::uint8_t { kSet, kRemove, kAdd, kDelete };

struct Action {
  ActionKind kind = ActionKind::kSet;
  std::size_t section = 0;      // index into UpdateSyntax::sections
  std::vector<PathPart> parts;  // the target path as written
  std::uint32_t token = 0;      // its first token
  DocumentPath path;            // resolved
  SetValue value;               // SET
  Operand operand;              // ADD / DELETE: the value placeholder
};

struct Section {
  ActionKind kind = ActionKind::kSet;
  std::uint32_t token = 0;
};

struct UpdateSyntax {
  std::vector<Section> sections;
  std::vector<Action> actions;
};

struct ProjectionPath {
  std::vector<PathPart> parts;
  std::uint32_t token = 0;
  DocumentPath path;
};

// ---------------------------------------------------------------------------------------------
// Parser

/// What the grammar is parsed for: it decides which function names are valid (and the
/// messages for the others).
enum class Grammar : std::uint8_t { kCondition, kUpdate, kProjection };

/// The result of a parse: the tokens (for later messages) and the first error DynamoDB reports
/// while parsing, if any. `message` lacks the "Invalid <Parameter>: " prefix.
struct ParseState {
  std::string_view text;
  std::vector<Token> tokens;
  std::optional<std::string> error;       // syntax, redundant parentheses, operator count
  std::optional<std::string> word_error;  // first reserved word / bad function name
  int operators = 0;

  std::string_view token_text(std::uint32_t index) const {
    const Token& t = tokens[index];
    return text.substr(t.begin, t.end - t.begin);
  }
};

/// Each parses the whole text; on failure `state.error` is set and the tree is partial.
void parse_condition_syntax(ParseState& state, CondNode& out);
void parse_update_syntax(ParseState& state, UpdateSyntax& out);
void parse_projection_syntax(ParseState& state, std::vector<ProjectionPath>& out);

/// The function a name denotes (case-sensitive, as DynamoDB's are).
Func function_id(std::string_view name) noexcept;
std::string_view function_name(Func func) noexcept;

/// How many words the AWS reserved-word list has (for tests: the transcription is complete).
std::size_t documented_reserved_word_count() noexcept;

// ---------------------------------------------------------------------------------------------
// Parsed expressions, as the public classes hold them

struct ConditionTree {
  CondNode root;
  std::vector<boost::json::value> constants;  // the values the tree's operands refer to
};

struct ProjectionNode {
  PathElement key;
  bool leaf = false;
  std::vector<ProjectionNode> children;
};

struct ProjectionTree {
  std::vector<DocumentPath> paths;
  ProjectionNode root;
};

struct UpdateProgram {
  UpdateSyntax syntax;
  std::vector<boost::json::value> constants;
  std::vector<DocumentPath> targets;
};

// ---------------------------------------------------------------------------------------------
// Checks on parsed trees (expression_checks.cpp)

/// "Invalid <Parameter>: <message>" as a ValidationException.
DynamoError invalid(ExpressionKind kind, std::string_view message);
/// DynamoDB's checks before parsing: the empty expression and the size limit.
std::optional<DynamoError> precheck(std::string_view text, ExpressionKind kind);

/// The checks DynamoDB makes after a successful parse, in its order. Each resolves the tree's
/// placeholders (marking them used, copying values into `constants`) and returns the first
/// error's message (without the "Invalid <Parameter>: " prefix), or nullopt.
std::optional<std::string> check_condition(const ParseState& state, Placeholders& placeholders,
                                           CondNode& root,
                                           std::vector<boost::json::value>& constants);
std::optional<std::string> check_projection(const ParseState& state, Placeholders& placeholders,
                                            std::vector<ProjectionPath>& paths);
std::optional<std::string> check_update(const ParseState& state, Placeholders& placeholders,
                                        UpdateSyntax& syntax,
                                        std::vector<boost::json::value>& constants);

/// Parses and checks an expression of the condition grammar (condition, filter, key condition).
std::variant<std::shared_ptr<ConditionTree>, DynamoError> build_condition(
    std::string_view text, ExpressionKind kind, Placeholders& placeholders);

// ---------------------------------------------------------------------------------------------
// AttributeValue semantics (expression_values.cpp)

enum class AvType : std::uint8_t { kS, kN, kB, kBool, kNull, kL, kM, kSS, kNS, kBS, kNone };

AvType av_type(const boost::json::value& value) noexcept;
std::string_view av_type_name(AvType type) noexcept;  // "S", "N", ... ("" for kNone)
AvType av_type_from_name(std::string_view name) noexcept;
/// The member of a one-member AttributeValue object ({"S": "x"} -> "x").
const boost::json::value& av_inner(const boost::json::value& value);

/// DynamoDB's equality: same type and same value; numbers by value, binary by bytes, sets
/// without order, lists in order, maps by keys.
bool av_equal(const boost::json::value& a, const boost::json::value& b);
/// Ordering of two values of the same scalar type (S by UTF-8 bytes, N numerically, B by
/// bytes): <0, 0, >0; nullopt if the types differ or are not S, N or B.
std::optional<int> av_compare(const boost::json::value& a, const boost::json::value& b);
/// contains(a, b): substring of a string (or bytes of a binary), member of a set, element of a
/// list.
bool av_contains(const boost::json::value& haystack, const boost::json::value& needle);
/// begins_with(a, b) for two strings or two binaries.
bool av_begins_with(const boost::json::value& value, const boost::json::value& prefix);
/// size(a): UTF-16 length of a string, bytes of a binary, members of a set, elements of a list
/// or map; nullopt for numbers, booleans and nulls.
std::optional<std::size_t> av_size(const boost::json::value& value);
/// The key under which a set member is unique: the string, the number's key bytes, the bytes.
std::string set_member_key(AvType set_type, const boost::json::value& member);

}  // namespace gh::plugins::dynamodb::expr::detail
