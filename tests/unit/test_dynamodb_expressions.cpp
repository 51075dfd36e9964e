// DynamoDB's expression languages (plugins/dynamodb/expressions.hpp): grammar, messages and
// error order, condition evaluation, projection, update application and key conditions. Most
// expected messages are DynamoDB's answers as recorded by the sources named in the module
// (DynamoDB Local 3.3.1 via Keyvalue-Store/tools, live DynamoDB via dynalite's tests).
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "plugins/dynamodb/expression_ast.hpp"
#include "plugins/dynamodb/expressions.hpp"
#include "plugins/dynamodb/number.hpp"

namespace {

namespace json = boost::json;
namespace ex = gh::plugins::dynamodb::expr;
using gh::plugins::dynamodb::DynamoError;
using gh::plugins::dynamodb::ScalarType;

// The item of the recorded cases.
constexpr const char* kItem =
    R"({"pk":{"S":"k"},"n":{"N":"5"},"s":{"S":"héllo"},"e":{"S":"😀"},"ss":{"SS":["a","b"]},)"
    R"("ns":{"NS":["1","2"]},"bs":{"BS":["AAE="]},"l":{"L":[{"N":"1"},{"N":"2"},{"N":"3"}]},)"
    R"("m":{"M":{"a":{"N":"1"},"inr":{"M":{"x":{"S":"y"}}}}},"b":{"B":"/wA="},"t":{"BOOL":true},)"
    R"("z":{"NULL":true},"em":{"S":""}})";

json::object parse_object(std::string_view text) { return json::parse(text).as_object(); }

json::object request(std::string_view values, std::string_view names) {
  json::object r;
  if (!names.empty()) r["ExpressionAttributeNames"] = json::parse(names);
  if (!values.empty()) r["ExpressionAttributeValues"] = json::parse(values);
  return r;
}

ex::Placeholders placeholders(std::string_view values, std::string_view names = "") {
  auto p = ex::Placeholders::from_request(request(values, names));
  REQUIRE(std::holds_alternative<ex::Placeholders>(p));
  return std::get<ex::Placeholders>(std::move(p));
}

std::string placeholder_error(std::string_view values, std::string_view names = "") {
  auto p = ex::Placeholders::from_request(request(values, names));
  if (auto* e = std::get_if<DynamoError>(&p)) return e->message;
  return "";
}

// The message of parsing a FilterExpression (or "" if it parses).
std::string filter_error(std::string_view text, std::string_view values = "",
                         std::string_view names = "",
                         ex::ExpressionKind kind = ex::ExpressionKind::kFilter) {
  auto p = placeholders(values, names);
  auto c = ex::parse_condition(text, kind, p);
  if (auto* e = std::get_if<DynamoError>(&c)) {
    CHECK(e->type == "com.amazon.coral.validate#ValidationException");
    return e->message;
  }
  return "";
}

std::string invalid_filter(std::string_view message) {
  return "Invalid FilterExpression: " + std::string(message);
}

// Whether the filter matches `item` (the parse must succeed).
bool matches(std::string_view text, std::string_view values = "", std::string_view names = "",
             const char* item = kItem) {
  auto p = placeholders(values, names);
  auto c = ex::parse_condition(text, ex::ExpressionKind::kFilter, p);
  if (auto* e = std::get_if<DynamoError>(&c)) FAIL("unexpected error: " << e->message);
  json::object o = parse_object(item);
  return ex::evaluate(std::get<ex::Condition>(c), &o);
}

struct UpdateOutcome {
  std::string error;
  json::object item;
};

UpdateOutcome run_update(std::string_view text, std::string_view values = "",
                         std::string_view names = "", const char* item = kItem) {
  auto p = placeholders(values, names);
  auto u = ex::parse_update(text, p);
  UpdateOutcome out;
  out.item = parse_object(item);
  if (auto* e = std::get_if<DynamoError>(&u)) {
    out.error = e->message;
    return out;
  }
  if (auto e = ex::apply(std::get<ex::Update>(u), out.item)) out.error = e->message;
  return out;
}

std::string update_error(std::string_view text, std::string_view values = "",
                         std::string_view names = "", const char* item = kItem) {
  return run_update(text, values, names, item).error;
}

std::string attribute(const json::object& item, std::string_view name) {
  const json::value* v = item.if_contains(name);
  return v ? json::serialize(*v) : "<missing>";
}

std::string projection_of(std::string_view text, std::string_view names = "",
                          const char* item = kItem) {
  auto p = placeholders("", names);
  auto proj = ex::parse_projection(text, p);
  if (auto* e = std::get_if<DynamoError>(&proj)) return "error: " + e->message;
  return json::serialize(ex::project(std::get<ex::Projection>(proj), parse_object(item)));
}

std::variant<ex::KeyCondition, DynamoError> key_condition(std::string_view text,
                                                          std::string_view values,
                                                          std::string_view names = "") {
  auto p = placeholders(values, names);
  return ex::parse_key_condition(text, p, {"pk", ScalarType::kString},
                                 ex::KeyAttribute{"sk", ScalarType::kNumber});
}

std::string key_error(std::string_view text, std::string_view values, std::string_view names = "") {
  auto k = key_condition(text, values, names);
  if (auto* e = std::get_if<DynamoError>(&k)) return e->message;
  return "";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Tokens and syntax errors

TEST_CASE("syntax errors name the token and the text around it") {
  const std::string v = R"({":v":{"N":"1"}})";
  CHECK(filter_error("1abc = :v", v) ==
        invalid_filter(R"(Syntax error; token: "1", near: "1abc")"));
  CHECK(filter_error("  1abc = :v", v) ==
        invalid_filter(R"(Syntax error; token: "1", near: "  1abc")"));
  CHECK(filter_error("a-b = :v", v) == invalid_filter(R"(Syntax error; token: "-", near: "a-b")"));
  CHECK(filter_error("_a = :v", v) == invalid_filter(R"(Syntax error; token: "_", near: "_a")"));
  CHECK(filter_error("aé = :v", v) == invalid_filter(R"(Syntax error; token: "é", near: "aé =")"));
  CHECK(filter_error("n == :v", v) == invalid_filter(R"(Syntax error; token: "=", near: "== :v")"));
  CHECK(filter_error("n = :v AND", v) ==
        invalid_filter(R"(Syntax error; token: "<EOF>", near: "AND")"));
  CHECK(filter_error("n = :v AND  ", v) ==
        invalid_filter(R"(Syntax error; token: "<EOF>", near: "AND  ")"));
  CHECK(filter_error("n = :v)", v) == invalid_filter(R"~(Syntax error; token: ")", near: ":v)")~"));
  CHECK(filter_error("(n = :v", v) ==
        invalid_filter(R"(Syntax error; token: "<EOF>", near: ":v")"));
  CHECK(filter_error("n IN ()", v) == invalid_filter(R"~(Syntax error; token: ")", near: "()")~"));
  CHECK(filter_error("n != :v", v) == invalid_filter(R"(Syntax error; token: "!", near: "n !=")"));
  CHECK(filter_error("n => :v", v) == invalid_filter(R"(Syntax error; token: ">", near: "=> :v")"));
  CHECK(filter_error("n\f= :v", v) ==
        invalid_filter("Syntax error; token: \"\f\", near: \"n\f=\""));
  CHECK(filter_error("n\u00a0= :v", v) ==
        invalid_filter("Syntax error; token: \"\u00a0\", near: \"n\u00a0=\""));
  CHECK(filter_error("n", v) == invalid_filter(R"(Syntax error; token: "<EOF>", near: "n")"));
  CHECK(filter_error("(n)", v) == invalid_filter(R"~(Syntax error; token: "<EOF>", near: ")")~"));
  CHECK(filter_error("   ", v) == invalid_filter(R"(Syntax error; token: "<EOF>", near: "   ")"));
  CHECK(filter_error("l[01] = :v", v) ==
        invalid_filter(R"(Syntax error; token: "1", near: "01]")"));
  CHECK(filter_error("status = :v =", v) ==
        invalid_filter(R"(Syntax error; token: "=", near: ":v =")"));
  CHECK(filter_error("NOT = :v", v) ==
        invalid_filter(R"(Syntax error; token: "=", near: "NOT = :v")"));
  CHECK(filter_error("ADD = :v", v) ==
        invalid_filter(R"(Syntax error; token: "ADD", near: "ADD =")"));
  CHECK(filter_error("remove = :v", v) ==
        invalid_filter(R"(Syntax error; token: "remove", near: "remove =")"));
  CHECK(filter_error("attribute_type()", v) ==
        invalid_filter(R"~(Syntax error; token: ")", near: "()")~"));
  CHECK(filter_error("a > :things.stuff", v).starts_with(invalid_filter("Syntax error; ")));
  // Tab, CR and LF are blanks.
  CHECK(filter_error("n\t=\r\n:v", v).empty());
}

TEST_CASE("dynalite's recorded syntax errors") {
  for (const char* text : {"things are not gonna be ok",
                           "a > 4",
                           "attribute_exists(Pictures-RearView)",
                           "attribute_exists(\"Pictures.RearView\")",
                           "attribute_exists(Pictures..RearView)",
                           "attribute_exists(Pi#ctures.RearView)",
                           "attribute_exists(asdf[a])",
                           "a in b, c",
                           "a > between",
                           "a in b",
                           "a in (b,c,)",
                           "(a)between(b.(c.d))and(c)",
                           "(a)between(b.c.d)and((c)",
                           "#$.b > a",
                           "b[:a] > a",
                           "b[#_] > a",
                           "ü > a",
                           "(a)between(b.c[4.5].#d)and(:a)",
                           "size(a).b > a",
                           "(size(a)).b > a",
                           "size(a)[0] > a",
                           "(size(a))[0] > a"}) {
    CAPTURE(text);
    CHECK(filter_error(text).starts_with(invalid_filter("Syntax error; ")));
  }
}

TEST_CASE("redundant parentheses are refused as soon as they close") {
  const std::string v = R"({":v":{"N":"1"}})";
  const std::string redundant = invalid_filter("The expression has redundant parentheses;");
  CHECK(filter_error("((n = :v))", v) == redundant);
  CHECK(filter_error("n = :v AND (s = :v OR ((n = :v)))", v) == redundant);
  CHECK(filter_error("((n = :v)) =", v) == redundant);
  CHECK(filter_error("n = :v = ((n = :v))", v) ==
        invalid_filter(R"(Syntax error; token: "=", near: ":v = (")"));
  for (const char* text :
       {"a=a and a > ((views))", "(a)between(((b.c)).d)and(c)", "a > whatever((:things), ((a)))",
        "a=a AND ((a=a AND a=a)) AND a=a", "a=a OR ((a=a OR a=a)) OR a=a",
        "a=a AND ((a=a AND (a=a AND a=a)))", "a=a OR ((a=a OR (a=a OR a=a)))"}) {
    CAPTURE(text);
    CHECK(filter_error(text) == redundant);
  }
  // Single parentheses are fine around operands, conditions and functions.
  CHECK(filter_error("n = (:v)", v).empty());
  CHECK(filter_error("(n) = :v AND (n = :v) AND (attribute_exists(n))", v).empty());
  CHECK(filter_error("((n) = :v)", v).empty());
  CHECK(filter_error("(size(s)) > :v", v).empty());
}

TEST_CASE("keywords are case-insensitive, function names are not") {
  const std::string v = R"({":v":{"N":"1"}})";
  CHECK(filter_error("n = :v and not s = :v or n = :v", v).empty());
  CHECK(filter_error("Attribute_Exists(n)") ==
        invalid_filter("Invalid function name; function: Attribute_Exists"));
  CHECK(matches("attribute_exists (n)"));
  CHECK(matches("NOT NOT n = :v", R"({":v":{"N":"5"}})"));
}

// ---------------------------------------------------------------------------------------------
// Names, reserved words, paths

TEST_CASE("reserved words are refused as bare names, quoted as written") {
  const std::string v = R"({":v":{"N":"1"}})";
  CHECK(filter_error("status = :v", v) ==
        invalid_filter("Attribute name is a reserved keyword; reserved keyword: status"));
  CHECK(filter_error("Status = :v", v) ==
        invalid_filter("Attribute name is a reserved keyword; reserved keyword: Status"));
  CHECK(filter_error("#s = :v", v, R"({"#s":"status"})").empty());
  CHECK(filter_error("m.comment = :v", v) ==
        invalid_filter("Attribute name is a reserved keyword; reserved keyword: comment"));
  CHECK(filter_error("a_1 = :v", v).empty());
  // DynamoDB Local accepts these two documented words.
  CHECK(filter_error("size = :v AND convert = :v", v).empty());
  CHECK(ex::is_reserved_word("abort"));
  CHECK(ex::is_reserved_word("ZONE"));
  CHECK(ex::is_reserved_word("Flattern"));
  CHECK_FALSE(ex::is_reserved_word("id"));
  CHECK_FALSE(ex::is_reserved_word("email"));
  CHECK_FALSE(ex::is_reserved_word("SIZE"));
  CHECK(ex::detail::documented_reserved_word_count() == 573);
}

TEST_CASE("the order of word errors, misuse and placeholder errors") {
  const std::string v = R"({":v":{"N":"1"}})";
  CHECK(filter_error("status = :v AND foo(n) = :v", v) ==
        invalid_filter("Attribute name is a reserved keyword; reserved keyword: status"));
  CHECK(filter_error("foo(n) = :v AND status = :v", v) ==
        invalid_filter("Invalid function name; function: foo"));
  CHECK(filter_error("#x = :v AND foo(n)", v) ==
        invalid_filter("Invalid function name; function: foo"));
  CHECK(filter_error("n = :m AND contains(s, s)", v) ==
        invalid_filter("An expression attribute value used in expression is not defined; "
                       "attribute value: :m"));
  CHECK(filter_error("contains(s, s) AND n = :m", v) ==
        invalid_filter("The first operand must be distinct from the remaining operands for this "
                       "operator or function; operator: contains, first operand: [s]"));
  CHECK(filter_error("n = :m AND size(n)", v) ==
        invalid_filter("The function is not allowed to be used this way in an expression; "
                       "function: size"));
  std::string deep = "m";
  for (int i = 0; i < 32; ++i) deep += ".m";
  CHECK(filter_error(deep + " = :v AND status = :v", v) ==
        invalid_filter("Attribute name is a reserved keyword; reserved keyword: status"));
  CHECK(filter_error("#x = :v", v) ==
        invalid_filter("An expression attribute name used in the document path is not defined; "
                       "attribute name: #x"));
}

TEST_CASE("document path limits") {
  const std::string v = R"({":v":{"N":"1"}})";
  std::string path = "m";
  for (int i = 1; i < 32; ++i) path += ".m";
  CHECK(filter_error(path + " = :v", v).empty());
  CHECK(filter_error(path + ".m = :v", v) ==
        invalid_filter("The document path has too many nesting levels; nesting levels: 33"));
  CHECK(filter_error("l[2147483647] = :v", v).empty());
  CHECK(filter_error("l[2147483648] = :v", v) ==
        invalid_filter("List index is not within the allowable range; index: [2147483648]"));
  CHECK(filter_error("l[ 1 ] = :v AND m. a = :v", v).empty());
  CHECK(matches("l[ 1 ] = :v AND m. a = :w", R"({":v":{"N":"2"},":w":{"N":"1"}})"));
  CHECK(filter_error("m.:v = :v", v) ==
        invalid_filter("The document path cannot contain attribute value parameters"));
  CHECK(filter_error("contains(bs. :v)", v) ==
        invalid_filter("Incorrect number of operands for operator or function; operator or "
                       "function: contains, number of operands: 1"));
  CHECK(ex::format_path({{"c", -1}, {"", 1}, {"a", -1}}) == "[c, [1], a]");
}

TEST_CASE("expression size, emptiness, IN and operator limits") {
  const std::string v = R"({":v":{"N":"1"}})";
  CHECK(filter_error("", v) == invalid_filter("The expression can not be empty;"));
  std::string big = "n = :v" + std::string(4100, ' ');
  CHECK(filter_error(big, v) ==
        invalid_filter("Expression size has exceeded the maximum allowed size; expression size: "
                       "4106"));
  std::string at_limit = "n = :v" + std::string(4090, ' ');
  CHECK(filter_error(at_limit, v).empty());
  std::string in = "n IN (:v";
  for (int i = 1; i < 100; ++i) in += ",:v";
  CHECK(filter_error(in + ")", v).empty());
  CHECK(filter_error(in + ",:v)", v) ==
        invalid_filter("The IN operator is provided with too many operands; number of operands: "
                       "101"));
  std::string many = "a<:v";
  for (int i = 1; i < 300; ++i) many += " and a<:v";
  CHECK(filter_error(many, v).empty());
  CHECK(filter_error(many + " and a<:v", v) ==
        invalid_filter("The expression contains too many operators; operator count: 301"));
}

// ---------------------------------------------------------------------------------------------
// Functions and operand rules

TEST_CASE("function rules") {
  const std::string v = R"({":v":{"N":"1"}})";
  CHECK(filter_error("size(:v) = :v", v) ==
        invalid_filter("Incorrect operand type for operator or function; operator or function: "
                       "size, operand type: N"));
  CHECK(filter_error("size(n)") ==
        invalid_filter("The function is not allowed to be used this way in an expression; "
                       "function: size"));
  CHECK(filter_error("size(size(n)) = :v", v) ==
        invalid_filter("Incorrect operand type for operator or function; operator or function: "
                       "size, operand type: N"));
  CHECK(filter_error("begins_with(size(n), :v)", v) ==
        invalid_filter("Incorrect operand type for operator or function; operator or function: "
                       "begins_with, operand type: N"));
  CHECK(filter_error("attribute_exists(:v)", v) ==
        invalid_filter("Operator or function requires a document path; operator or function: "
                       "attribute_exists"));
  CHECK(filter_error("attribute_exists(n) = :v", v) ==
        invalid_filter("The function is not allowed to be used this way in an expression; "
                       "function: attribute_exists"));
  CHECK(filter_error("n = if_not_exists(n, :v)", v) ==
        invalid_filter("The function is not allowed in a condition expression; function: "
                       "if_not_exists"));
  CHECK(filter_error("list_append(l, :v) = :v", v) ==
        invalid_filter("The function is not allowed in a condition expression; function: "
                       "list_append"));
  CHECK(filter_error("attribute_exists(n, m)") ==
        invalid_filter("Incorrect number of operands for operator or function; operator or "
                       "function: attribute_exists, number of operands: 2"));
  CHECK(filter_error("begins_with(n)") ==
        invalid_filter("Incorrect number of operands for operator or function; operator or "
                       "function: begins_with, number of operands: 1"));
  CHECK(filter_error("attribute_type(n, m)") ==
        invalid_filter("Incorrect operand type for operator or function; operator or function: "
                       "attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}"));
  CHECK(filter_error("attribute_type(n, :v)", v) ==
        invalid_filter("Incorrect operand type for operator or function; operator or function: "
                       "attribute_type, operand type: N"));
  CHECK(filter_error("attribute_type(n, :t)", R"({":t":{"S":"X"}})") ==
        invalid_filter("Invalid attribute type name found; type: X, valid types: "
                       "{B,NULL,SS,BOOL,L,BS,N,NS,S,M}"));
  CHECK(filter_error("begins_with(s, :v)", v) ==
        invalid_filter("Incorrect operand type for operator or function; operator or function: "
                       "begins_with, operand type: N"));
  CHECK(filter_error("ss < :v", R"({":v":{"SS":["z"]}})") ==
        invalid_filter("Incorrect operand type for operator or function; operator or function: "
                       "<, operand type: SS"));
}

TEST_CASE("operands must differ from the first one") {
  const std::string v = R"({":v":{"N":"1"}})";
  auto distinct = [](std::string_view op) {
    return invalid_filter(
        "The first operand must be distinct from the remaining operands for this operator or "
        "function; operator: " +
        std::string(op) + ", first operand: [n]");
  };
  CHECK(filter_error("n = n") == distinct("="));
  CHECK(filter_error("n IN (n, :v)", v) == distinct("IN"));
  CHECK(filter_error("n BETWEEN n AND :v", v) == distinct("BETWEEN"));
  CHECK(filter_error("#a <> n", "", R"({"#a":"n"})") == distinct("<>"));
  CHECK(filter_error(":v = :v", v).empty());
  CHECK(filter_error(":v BETWEEN n AND n", v).empty());
  CHECK(filter_error("size(n) = size(n)").empty());
}

TEST_CASE("BETWEEN bounds are checked as written") {
  CHECK(filter_error("n BETWEEN :a AND :b", R"({":a":{"N":"9"},":b":{"N":"1"}})") ==
        invalid_filter("The BETWEEN operator requires upper bound to be greater than or equal to "
                       "lower bound; lower bound operand: AttributeValue: {N:9}, upper bound "
                       "operand: AttributeValue: {N:1}"));
  CHECK(filter_error("n BETWEEN :a AND :b", R"({":a":{"N":"9.9E125"},":b":{"N":"10"}})") ==
        invalid_filter("The BETWEEN operator requires upper bound to be greater than or equal to "
                       "lower bound; lower bound operand: AttributeValue: {N:9.9E125}, upper "
                       "bound operand: AttributeValue: {N:10}"));
  CHECK(filter_error("n BETWEEN :a AND :b", R"({":a":{"S":"zz"},":b":{"S":"aa"}})") ==
        invalid_filter("The BETWEEN operator requires upper bound to be greater than or equal to "
                       "lower bound; lower bound operand: AttributeValue: {S:zz}, upper bound "
                       "operand: AttributeValue: {S:aa}"));
  CHECK(filter_error("n BETWEEN :a AND :b", R"({":a":{"S":"zz"},":b":{"N":"1"}})") ==
        invalid_filter("The BETWEEN operator requires same data type for lower and upper bounds; "
                       "lower bound operand: AttributeValue: {S:zz}, upper bound operand: "
                       "AttributeValue: {N:1}"));
  CHECK(filter_error("n BETWEEN :a AND :a", R"({":a":{"N":"1"}})").empty());
}

// ---------------------------------------------------------------------------------------------
// Evaluation

TEST_CASE("comparisons: types, missing attributes, numbers, strings, binary") {
  CHECK(matches("n = :v", R"({":v":{"N":"5.0"}})"));
  CHECK(matches("n = :v", R"({":v":{"N":"0.5e1"}})"));
  CHECK_FALSE(matches("n = :v", R"({":v":{"S":"5"}})"));
  CHECK(matches("n <> :v", R"({":v":{"S":"5"}})"));
  CHECK_FALSE(matches("n < :v", R"({":v":{"S":"x"}})"));
  CHECK(matches("n < :v", R"({":v":{"N":"10"}})"));  // numerically, not as text
  CHECK(matches("n >= :v AND n <= :v", R"({":v":{"N":"5"}})"));
  CHECK(matches("n > :v", R"({":v":{"N":"-100"}})"));
  CHECK_FALSE(matches("zz = :v", R"({":v":{"N":"1"}})"));
  CHECK(matches("zz <> :v", R"({":v":{"N":"1"}})"));
  CHECK_FALSE(matches("zz < :v", R"({":v":{"N":"1"}})"));
  CHECK(matches("e > :v", R"({":v":{"S":"｡"}})"));  // UTF-8 bytes: F0.. > EF..
  CHECK(matches("s > :v", R"({":v":{"S":"h"}})"));
  CHECK(matches("em = :v", R"({":v":{"S":""}})"));
  CHECK(matches("b > :v", R"({":v":{"B":"/w=="}})"));
  CHECK(matches("b = :v", R"({":v":{"B":"/wA="}})"));
  CHECK(matches("t = :v AND z = :w", R"({":v":{"BOOL":true},":w":{"NULL":true}})"));
  CHECK_FALSE(matches("t = :v", R"({":v":{"BOOL":false}})"));
  CHECK(filter_error("t < :v", R"({":v":{"BOOL":true}})") ==
        invalid_filter("Incorrect operand type for operator or function; operator or function: "
                       "<, operand type: BOOL"));
}

TEST_CASE("equality of sets, lists and maps") {
  CHECK(matches("ss = :v", R"({":v":{"SS":["b","a"]}})"));
  CHECK_FALSE(matches("ss = :v", R"({":v":{"SS":["a"]}})"));
  CHECK(matches("ns = :v", R"({":v":{"NS":["2.0","1"]}})"));
  CHECK(matches("bs = :v", R"({":v":{"BS":["AAE="]}})"));
  CHECK(matches("l = :v", R"({":v":{"L":[{"N":"1.0"},{"N":"2"},{"N":"3e0"}]}})"));
  CHECK_FALSE(matches("l = :v", R"({":v":{"L":[{"N":"2"},{"N":"1"},{"N":"3"}]}})"));
  CHECK(matches("m = :v", R"({":v":{"M":{"inr":{"M":{"x":{"S":"y"}}},"a":{"N":"1.00"}}}})"));
  CHECK_FALSE(matches("m = :v", R"({":v":{"M":{"a":{"N":"1"}}}})"));
  CHECK(matches("n IN (:a, :b)", R"({":a":{"S":"5"},":b":{"N":"5"}})"));
  CHECK_FALSE(matches("n IN (:a, :b)", R"({":a":{"S":"5"},":b":{"N":"6"}})"));
}

TEST_CASE("BETWEEN, functions and logic") {
  CHECK(matches("n BETWEEN :a AND :b", R"({":a":{"N":"5"},":b":{"N":"6"}})"));
  CHECK_FALSE(matches("n BETWEEN :a AND :b", R"({":a":{"N":"6"},":b":{"N":"7"}})"));
  CHECK_FALSE(matches("s BETWEEN :a AND :b", R"({":a":{"N":"6"},":b":{"N":"7"}})"));
  CHECK(matches("contains(l, :v)", R"({":v":{"N":"2.0"}})"));
  CHECK(matches("contains(ss, :v)", R"({":v":{"S":"a"}})"));
  CHECK(matches("contains(ns, :v)", R"({":v":{"N":"2"}})"));
  CHECK_FALSE(matches("contains(ss, :v)", R"({":v":{"N":"1"}})"));
  CHECK_FALSE(matches("contains(s, :v)", R"({":v":{"N":"1"}})"));
  CHECK(matches("contains(s, :v)", R"({":v":{"S":"éll"}})"));
  CHECK(matches("begins_with(s, :v)", R"({":v":{"S":"hé"}})"));
  CHECK(matches("begins_with(b, :v)", R"({":v":{"B":"/w=="}})"));
  CHECK_FALSE(matches("begins_with(n, :v)", R"({":v":{"S":"5"}})"));
  CHECK(matches("size(e) = :v", R"({":v":{"N":"2"}})"));  // UTF-16 units
  CHECK(matches("size(s) = :v", R"({":v":{"N":"5"}})"));
  CHECK_FALSE(matches("size(n) = :v", R"({":v":{"N":"1"}})"));
  CHECK(matches("size(m) = :v AND size(l) = :w AND size(ss) = :x AND size(b) = :x",
                R"({":v":{"N":"2"},":w":{"N":"3"},":x":{"N":"2"}})"));
  CHECK(matches("size(:s) = :v", R"({":s":{"S":"abc"},":v":{"N":"3"}})"));
  CHECK(matches("attribute_type(n, :t)", R"({":t":{"S":"N"}})"));
  CHECK_FALSE(matches("attribute_type(n, :t)", R"({":t":{"S":"S"}})"));
  CHECK(matches("attribute_type(m.inr, :t) AND attribute_type(ss, :u)",
                R"({":t":{"S":"M"},":u":{"S":"SS"}})"));
  CHECK(matches("attribute_exists(m.inr.x) AND attribute_not_exists(m.inr.y)"));
  CHECK_FALSE(matches("attribute_exists(l[3])"));
  CHECK(matches("attribute_exists(l[2])"));
  CHECK(matches(":v = :v", R"({":v":{"N":"1"}})"));
  // NOT binds tighter than AND, AND tighter than OR.
  const std::string v = R"({":t":{"N":"5"},":f":{"N":"6"}})";
  CHECK(matches("n = :f OR n = :t AND n = :t", v));
  CHECK_FALSE(matches("(n = :f OR n = :t) AND n = :f", v));
  CHECK(matches("NOT n = :f AND n = :t", v));
  CHECK_FALSE(matches("NOT (n = :f OR n = :t)", v));
  CHECK(matches("n = :f OR NOT n = :f AND n = :t", v));
}

TEST_CASE("conditions without an item, and reuse") {
  auto p = placeholders(R"({":v":{"N":"1"}})");
  auto parsed =
      ex::parse_condition("attribute_not_exists(pk) OR n = :v", ex::ExpressionKind::kCondition, p);
  REQUIRE(std::holds_alternative<ex::Condition>(parsed));
  const auto& c = std::get<ex::Condition>(parsed);
  CHECK(ex::evaluate(c, nullptr));
  json::object one = parse_object(R"({"pk":{"S":"a"},"n":{"N":"1"}})");
  json::object two = parse_object(R"({"pk":{"S":"a"},"n":{"N":"2"}})");
  for (int i = 0; i < 3; ++i) {
    CHECK(ex::evaluate(c, &one));
    CHECK_FALSE(ex::evaluate(c, &two));
  }
  CHECK(c.paths().size() == 2);
  CHECK(ex::format_path(c.paths()[1]) == "[n]");
  CHECK(p.check_all_used() == std::nullopt);
  auto q = placeholders(R"({":v":{"N":"1"}})");
  auto bad = ex::parse_condition("a = :x", ex::ExpressionKind::kCondition, q);
  REQUIRE(std::holds_alternative<DynamoError>(bad));
  CHECK(std::get<DynamoError>(bad).message ==
        "Invalid ConditionExpression: An expression attribute value used in expression is not "
        "defined; attribute value: :x");
}

// ---------------------------------------------------------------------------------------------
// Placeholders

TEST_CASE("ExpressionAttributeNames and ExpressionAttributeValues are validated") {
  CHECK(placeholder_error("", R"({"x":"n"})") ==
        "ExpressionAttributeNames contains invalid key: Syntax error; key: \"x\"");
  CHECK(placeholder_error("", R"({"#a-b":"n"})") ==
        "ExpressionAttributeNames contains invalid key: Syntax error; key: \"#a-b\"");
  CHECK(placeholder_error(R"({"v":{"N":"1"}})") ==
        "ExpressionAttributeValues contains invalid key: Syntax error; key: \"v\"");
  CHECK(placeholder_error("", "{}") == "ExpressionAttributeNames must not be empty");
  CHECK(placeholder_error("{}") == "ExpressionAttributeValues must not be empty");
  CHECK(placeholder_error("", R"({"#n":""})") ==
        "ExpressionAttributeNames contains invalid value: Empty attribute name for key #n");
  std::string long_name = "#" + std::string(300, 'a');
  CHECK(placeholder_error("", "{\"" + long_name + "\":\"n\"}") ==
        "ExpressionAttributeNames contains invalid key: The expression attribute map contains a "
        "key that is too long; size of key: 301");
  std::string long_value = ":" + std::string(300, 'v');
  CHECK(placeholder_error("{\"" + long_value + "\":{\"N\":\"1\"}}") ==
        "ExpressionAttributeValues contains invalid key: The expression attribute map contains a "
        "key that is too long;");
  CHECK(placeholder_error(R"({":v":{"N":"1","S":"x"}})") ==
        "ExpressionAttributeValues contains invalid value: Supplied AttributeValue has more than "
        "one datatypes set, must contain exactly one of the supported datatypes for key :v");
  CHECK(placeholder_error(R"({":v":{}})") ==
        "ExpressionAttributeValues contains invalid value: Supplied AttributeValue is empty, must "
        "contain exactly one of the supported datatypes for key :v");
  CHECK(placeholder_error(R"({":v":{"SS":[]}})") ==
        "ExpressionAttributeValues contains invalid value: One or more parameter values were "
        "invalid: An string set  may not be empty for key :v");
  CHECK(placeholder_error(R"({":v":{"N":"b"}})") ==
        "ExpressionAttributeValues contains invalid value: The parameter cannot be converted to a "
        "numeric value: b for key :v");
  // Numbers and duplicate set members: the wrapper is the older validation layer's; the current
  // layer's words, the value's own, go beside it ([pvl] paritysuite/dynamodb-conformance
  // tests/tier3/error-messages/valueLayers.test.ts, four regions, 2026-10-09).
  auto both = [](const char* values) {
    auto r = ex::Placeholders::from_request(
        boost::json::parse(std::string(R"({"ExpressionAttributeValues":)") + values + "}")
            .as_object());
    REQUIRE(std::holds_alternative<gh::plugins::dynamodb::DynamoError>(r));
    const auto& e = std::get<gh::plugins::dynamodb::DynamoError>(r);
    return std::pair{e.message, e.current_layer_message};
  };
  CHECK(both(R"({":v":{"N":""}})") ==
        std::pair{std::string("ExpressionAttributeValues contains invalid value: The parameter "
                              "cannot be converted to a numeric value for key :v"),
                  std::string("The parameter cannot be converted to a numeric value: ")});
  CHECK(both(R"({":v":{"N":"1e2147483647"}})") ==
        std::pair{std::string("ExpressionAttributeValues contains invalid value: Number "
                              "underflow. Attempting to store a number with magnitude smaller "
                              "than supported range for key :v"),
                  std::string("Number overflow. Attempting to store a number with magnitude "
                              "larger than supported range")});
  CHECK(both(R"({":t":{"SS":["b","a","b"]}})") ==
        std::pair{std::string("ExpressionAttributeValues contains invalid value: One or more "
                              "parameter values were invalid: Input collection [b, a, b] "
                              "contains duplicates. for key :t"),
                  std::string("One or more parameter values were invalid: Input collection "
                              "[\"a\", \"b\", \"b\"] contains duplicates.")});
  // Other refused values keep the wrapper in both layers.
  CHECK(both(R"({":v":{"SS":[]}})").second.empty());
  // {"NULL": false} keeps its own words, without the per-key wrapper (dynoxide, eu-west-2).
  CHECK(placeholder_error(R"({":v":{"NULL":false}})") ==
        "One or more parameter values were invalid: Null attribute value types must have the "
        "value of true");
  // Names are checked before values.
  CHECK(placeholder_error("{}", "{}") == "ExpressionAttributeNames must not be empty");
  CHECK(filter_error("#1 = :2", R"({":2":{"N":"5"}})", R"({"#1":"n"})").empty());
  // Values are normalised; the original text is kept.
  auto p = placeholders(R"({":v":{"N":"01.50"}})");
  CHECK(json::serialize(*p.use_value(":v")) == R"({"N":"1.5"})");
  CHECK(json::serialize(*p.original_value(":v")) == R"({"N":"01.50"})");
}

TEST_CASE("unused placeholders are reported in java.util.HashSet order, names first") {
  auto check_unused = [](std::string_view text, std::string_view values, std::string_view names) {
    auto p = placeholders(values, names);
    auto c = ex::parse_condition(text, ex::ExpressionKind::kFilter, p);
    REQUIRE(std::holds_alternative<ex::Condition>(c));
    auto e = p.check_all_used();
    return e ? e->message : std::string();
  };
  CHECK(check_unused("n = :v", R"({":v":{"N":"1"},":u":{"N":"2"}})", R"({"#u":"x"})") ==
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#u}");
  CHECK(check_unused("n = :a", R"({":a":{"N":"1"},":b":{"N":"1"},":c":{"N":"2"},":aa":{"S":"x"}})",
                     "") ==
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:b, :c, :aa}");
  CHECK(check_unused("n = :a", R"({":a":{"N":"1"}})", R"({"#b":"x","#a":"y","#c":"z"})") ==
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#c, #a, #b}");
  std::string values = "{";
  for (int i = 0; i <= 14; ++i) {
    if (i) values += ",";
    values += "\":v" + std::to_string(i) + "\":{\"N\":\"" + std::to_string(i) + "\"}";
  }
  values += "}";
  CHECK(check_unused("n = :v0", values, "") ==
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:v11, :v12, "
        ":v13, :v14, :v10, :v1, :v2, :v3, :v4, :v5, :v6, :v7, :v8, :v9}");
  CHECK(check_unused("#a = :a", R"({":a":{"N":"1"}})", R"({"#a":"n"})").empty());
}

// ---------------------------------------------------------------------------------------------
// Projection

TEST_CASE("projections keep nested structure and list order") {
  CHECK(projection_of("n, s") == R"({"n":{"N":"5"},"s":{"S":"héllo"}})");
  CHECK(projection_of("l[2], l[0]") == R"({"l":{"L":[{"N":"1"},{"N":"3"}]}})");
  CHECK(projection_of("m.inr.x, m.a") ==
        R"({"m":{"M":{"inr":{"M":{"x":{"S":"y"}}},"a":{"N":"1"}}}})");
  CHECK(projection_of("x") == "{}");
  CHECK(projection_of("l[7], s.x, m.zz") == "{}");
  CHECK(projection_of("#p.#q", R"({"#p":"m","#q":"a"})") == R"({"m":{"M":{"a":{"N":"1"}}}})");
  CHECK(projection_of("a.b[1]", "",
                      R"({"a":{"M":{"b":{"L":[{"S":"x"},{"S":"y"},{"S":"z"}]},"c":{"N":"1"}}}})") ==
        R"({"a":{"M":{"b":{"L":[{"S":"y"}]}}}})");
}

TEST_CASE("projection errors") {
  CHECK(projection_of("n, n") ==
        "error: Invalid ProjectionExpression: Two document paths overlap with each other; must "
        "remove or rewrite one of these paths; path one: [n], path two: [n]");
  CHECK(projection_of("m.inr, m.inr.x") ==
        "error: Invalid ProjectionExpression: Two document paths overlap with each other; must "
        "remove or rewrite one of these paths; path one: [m, inr], path two: [m, inr, x]");
  CHECK(projection_of("l[0], l.x") ==
        "error: Invalid ProjectionExpression: Two document paths conflict with each other; must "
        "remove or rewrite one of these paths; path one: [l, [0]], path two: [l, x]");
  CHECK(projection_of("#a, n", R"({"#a":"n"})") ==
        "error: Invalid ProjectionExpression: Two document paths overlap with each other; must "
        "remove or rewrite one of these paths; path one: [n], path two: [n]");
  CHECK(projection_of("") ==
        "error: Invalid ProjectionExpression: The expression can not be empty;");
  CHECK(projection_of("n,") ==
        R"(error: Invalid ProjectionExpression: Syntax error; token: "<EOF>", near: ",")");
  CHECK(projection_of("!!! INVALID !!!") ==
        R"(error: Invalid ProjectionExpression: Syntax error; token: "!", near: "!!")");
  CHECK(projection_of("a b") ==
        R"(error: Invalid ProjectionExpression: Syntax error; token: "b", near: "a b")");
  CHECK(projection_of("COMMENT") ==
        "error: Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved "
        "keyword: COMMENT");
  CHECK(projection_of("#x") ==
        "error: Invalid ProjectionExpression: An expression attribute name used in the document "
        "path is not defined; attribute name: #x");
}

// ---------------------------------------------------------------------------------------------
// Updates: parse errors

TEST_CASE("update syntax errors") {
  for (const char* text : {"whatever",
                           "set a",
                           "add a",
                           "delete a",
                           "set a=set",
                           "remove a = b",
                           "add a = b",
                           "delete a = b",
                           "delete a b",
                           "delete a if_not_exist(b)",
                           "add abort b",
                           "add a if_not_exist(b)",
                           "remove a b",
                           "set a b",
                           "set :a = b",
                           "add :a b",
                           "delete :a b",
                           "remove :a",
                           "set a = b / c",
                           "set a = b * c",
                           "set a[1] = \"eight\"",
                           "set a[1] = 1",
                           "SET a = if_not_exist(a, 100)",
                           "SET if_not_exist(a, b) = a",
                           "set (a = (b + c))",
                           "set a = (b.c).d + e",
                           "set a = (b.c)[0] + e",
                           "set a = b + c + d"}) {
    CAPTURE(text);
    CHECK(update_error(text).starts_with("Invalid UpdateExpression: Syntax error; "));
  }
  CHECK(update_error("SET n = n - :one - :one", R"({":one":{"N":"1"}})") ==
        R"(Invalid UpdateExpression: Syntax error; token: "-", near: ":one - :one")");
  CHECK(update_error("SET n = :v,", R"({":v":{"N":"9"}})") ==
        R"(Invalid UpdateExpression: Syntax error; token: "<EOF>", near: ",")");
  CHECK(update_error("ADD n #x", "", R"({"#x":"n"})") ==
        R"(Invalid UpdateExpression: Syntax error; token: "#x", near: "n #x")");
  CHECK(update_error("") == "Invalid UpdateExpression: The expression can not be empty;");
  CHECK(update_error("set n = ((:v))", R"({":v":{"N":"9"}})") ==
        "Invalid UpdateExpression: The expression has redundant parentheses;");
}

TEST_CASE("update word, section and placeholder errors, in DynamoDB's order") {
  const std::string values = R"({":a":{"S":"a"},":b":{"S":"a"}})";
  const std::string names = R"({"#a":"a","#b":"b"})";
  CHECK(update_error(" set #c = :c set abOrt = true ", values, names) ==
        "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: abOrt");
  CHECK(update_error(" remove Absolute ", values, names) ==
        "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: "
        "Absolute");
  CHECK(update_error("set #c = if_not_exist(:c) set c = d", values, names) ==
        "Invalid UpdateExpression: Invalid function name; function: if_not_exist");
  CHECK(update_error("SET n = size(s)") ==
        "Invalid UpdateExpression: The function is not allowed in an update expression; "
        "function: size");
  for (auto [text, section] : std::vector<std::pair<const char*, const char*>>{
           {"set a = #c set c = :d", "SET"},
           {"remove #d set a = b remove e", "REMOVE"},
           {"add #d :e set a = b add e :f", "ADD"},
           {"delete #d :e set a = b delete #e :f", "DELETE"}}) {
    CAPTURE(text);
    CHECK(update_error(text, values, names) == "Invalid UpdateExpression: The \"" +
                                                   std::string(section) +
                                                   "\" section can only be used once in an "
                                                   "update expression;");
  }
  CHECK(update_error("SET #c = if_not_exists(:c)", values, names) ==
        "Invalid UpdateExpression: An expression attribute name used in the document path is not "
        "defined; attribute name: #c");
  CHECK(update_error("SET #a = if_not_exists(:c)", values, names) ==
        "Invalid UpdateExpression: An expression attribute value used in expression is not "
        "defined; attribute value: :c");
  CHECK(update_error("SET status = :v", R"({":v":{"N":"1"}})") ==
        "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status");
}

TEST_CASE("update paths may not overlap or conflict") {
  const std::string names = R"({"#c":"c","#d":"[3]"})";
  auto overlap = [](const char* one, const char* two) {
    return "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
           "rewrite one of these paths; path one: " +
           std::string(one) + ", path two: " + two;
  };
  CHECK(update_error("set d[1] = a, d.b = a, c[1].a = a, #c = if_not_exists(a)", "", names) ==
        overlap("[c, [1], a]", "[c]"));
  CHECK(update_error("set c.b.#c = a, c = a, #d = a", "", names) == overlap("[c, b, c]", "[c]"));
  CHECK(update_error("set a = b remove a, #c, #d", "", names) == overlap("[a]", "[a]"));
  CHECK(update_error("set #c[3].#d = a, #c[3] = a", "", names) ==
        overlap("[c, [3], [3]]", "[c, [3]]"));
  CHECK(update_error("remove c, #c.a, #d", "", names) == overlap("[c]", "[c, a]"));
  CHECK(update_error("remove a, #c, a, #d", "", names) == overlap("[a]", "[a]"));
  CHECK(update_error("SET l[0] = :v REMOVE l[0]", R"({":v":{"S":"b"}})") ==
        overlap("[l, [0]]", "[l, [0]]"));
  auto conflict = [](const char* one, const char* two) {
    return "Invalid UpdateExpression: Two document paths conflict with each other; must remove "
           "or rewrite one of these paths; path one: " +
           std::string(one) + ", path two: " + two;
  };
  const std::string names3 = R"({"#b":"b","#c":"c","#d":"[3]"})";
  CHECK(update_error("set #c[3].#d = a, #c.#d[3] = if_not_exists(a)", "", names3) ==
        conflict("[c, [3], [3]]", "[c, [3], [3]]"));
  CHECK(update_error("remove a.#c set a[1] = #d", "", names3) == conflict("[a, c]", "[a, [1]]"));
  CHECK(update_error("REMOVE m.x, m[1]") == conflict("[m, x]", "[m, [1]]"));
}

TEST_CASE("update operand types and function rules") {
  CHECK(update_error("set b = list_append(:a, a), c = if_not_exists(a) add a.b :a",
                     R"({":a":{"S":"a"},":b":{"S":"a"}})") ==
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, "
        "operand type: STRING, typeSet: ALLOWED_FOR_ADD_OPERAND");
  auto add_error = [](const char* op, const char* value, const char* type) {
    std::string text = std::string(op) + " a.b :a";
    std::string values = std::string(R"({":a":)") + value + "}";
    std::string set =
        std::string(op) == "add" ? "ALLOWED_FOR_ADD_OPERAND" : "ALLOWED_FOR_DELETE_OPERAND";
    std::string name = std::string(op) == "add" ? "ADD" : "DELETE";
    CAPTURE(text);
    CHECK(update_error(text, values) ==
          "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: " +
              name + ", operand type: " + type + ", typeSet: " + set);
  };
  add_error("delete", R"({"S":"a"})", "STRING");
  add_error("add", R"({"NULL":true})", "NULL");
  add_error("delete", R"({"BOOL":false})", "BOOLEAN");
  add_error("add", R"({"B":"YQ=="})", "BINARY");
  add_error("delete", R"({"M":{"a":{"L":[{"N":"1"}]}}})", "MAP");
  add_error("add", R"({"L":[{"N":"1"}]})", "LIST");
  add_error("delete", R"({"N":"1"})", "NUMBER");
  CHECK(update_error("ADD a :s DELETE b :n", R"({":s":{"S":"x"},":n":{"N":"1"}})") ==
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: "
        "DELETE, operand type: NUMBER, typeSet: ALLOWED_FOR_DELETE_OPERAND");
  for (const char* text : {"set a = if_not_exists(c)", "set a = list_append(c)"}) {
    CAPTURE(text);
    CHECK(update_error(text).starts_with(
        "Invalid UpdateExpression: Incorrect number of operands for operator or function; "
        "operator or function: "));
  }
  CHECK(update_error("set a = if_not_exists(c)") ==
        "Invalid UpdateExpression: Incorrect number of operands for operator or function; "
        "operator or function: if_not_exists, number of operands: 1");
  CHECK(update_error("set a = if_not_exists(:a, c)", R"({":a":{"S":"a"}})") ==
        "Invalid UpdateExpression: Operator or function requires a document path; operator or "
        "function: if_not_exists");
  CHECK(update_error("set a = if_not_exists(if_not_exists(a, b), c)") ==
        "Invalid UpdateExpression: Operator or function requires a document path; operator or "
        "function: if_not_exists");
  const std::string values =
      R"({":a":{"S":"a"},":b":{"N":"1"},":c":{"B":"YQ=="},":d":{"BOOL":false},":e":{"NULL":true},)"
      R"(":f":{"SS":["a"]},":g":{"NS":["1"]},":h":{"BS":["YQ=="]},":i":{"M":{}},":j":{"L":[]}})";
  for (auto [text, op, type] : std::vector<std::tuple<const char*, const char*, const char*>>{
           {"set a = list_append(:a, a)", "list_append", "S"},
           {"set a = list_append(a, :b)", "list_append", "N"},
           {"set a = list_append(:i, a)", "list_append", "M"},
           {"set a = a + :a", "+", "S"},
           {"set a = :a + :c", "+", "S"},
           {"set a = :c + a", "+", "B"},
           {"set a = a + :f", "+", "SS"},
           {"set a = a - :j", "-", "L"},
           {"set a = a - :e", "-", "NULL"}}) {
    CAPTURE(text);
    CHECK(update_error(text, values) ==
          "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or "
          "function: " +
              std::string(op) + ", operand type: " + type);
  }
}

TEST_CASE("key attributes may not be updated") {
  auto p = placeholders(R"({":v":{"S":"b"}})");
  for (const char* text : {"SET pk = :v", "SET x = :v REMOVE pk.y", "ADD pk.b :v"}) {
    auto pp = placeholders(R"({":v":{"NS":["1"]}})");
    auto u = ex::parse_update(text, pp);
    REQUIRE(std::holds_alternative<ex::Update>(u));
    const std::string_view keys[] = {"pk"};
    auto e = ex::check_key_not_updated(std::get<ex::Update>(u), keys);
    REQUIRE(e);
    CHECK(e->message ==
          "One or more parameter values were invalid: Cannot update attribute pk. This attribute "
          "is part of the key");
  }
  auto u = ex::parse_update("SET x = :v", p);
  REQUIRE(std::holds_alternative<ex::Update>(u));
  const std::string_view keys[] = {"pk", "sk"};
  CHECK_FALSE(ex::check_key_not_updated(std::get<ex::Update>(u), keys));
  CHECK(std::get<ex::Update>(u).top_level_targets() == std::vector<std::string>{"x"});
}

// ---------------------------------------------------------------------------------------------
// Updates: application

TEST_CASE("SET with arithmetic, if_not_exists and list_append") {
  const std::string one = R"({":one":{"N":"1"}})";
  auto r = run_update("SET n = n + :one", one);
  CHECK(r.error.empty());
  CHECK(attribute(r.item, "n") == R"({"N":"6"})");
  CHECK(update_error("SET x = x + :one", one) ==
        "The provided expression refers to an attribute that does not exist in the item");
  r = run_update("SET x = if_not_exists(x, :z) + :one", R"({":one":{"N":"1"},":z":{"N":"0"}})");
  CHECK(attribute(r.item, "x") == R"({"N":"1"})");
  CHECK(update_error("SET n = s + :one", one) ==
        "An operand in the update expression has an incorrect data type");
  CHECK(update_error("SET n = :s + :one", R"({":one":{"N":"1"},":s":{"S":"x"}})") ==
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or "
        "function: +, operand type: S");
  r = run_update("SET l = list_append(l, :v)", R"({":v":{"L":[{"N":"4"}]}})");
  CHECK(attribute(r.item, "l") == R"({"L":[{"N":"1"},{"N":"2"},{"N":"3"},{"N":"4"}]})");
  r = run_update("SET l = list_append(:v, l)", R"({":v":{"L":[{"N":"0"}]}})");
  CHECK(attribute(r.item, "l") == R"({"L":[{"N":"0"},{"N":"1"},{"N":"2"},{"N":"3"}]})");
  CHECK(update_error("SET l = list_append(l, :v)", R"({":v":{"N":"1"}})") ==
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or "
        "function: list_append, operand type: N");
  r = run_update("SET x = list_append(if_not_exists(x, :e), :v)",
                 R"({":v":{"L":[{"N":"4"}]},":e":{"L":[]}})");
  CHECK(attribute(r.item, "x") == R"({"L":[{"N":"4"}]})");
  CHECK(update_error("SET x = list_append(s, :v)", R"({":v":{"L":[]}})") ==
        "An operand in the update expression has an incorrect data type");
  r = run_update("SET n = s, s = n");
  CHECK(attribute(r.item, "n") == R"({"S":"héllo"})");
  CHECK(attribute(r.item, "s") == R"({"N":"5"})");
  r = run_update("SET #a = :v", R"({":v":{"N":"1"}})", R"({"#a":"m.a"})");
  CHECK(attribute(r.item, "m.a") == R"({"N":"1"})");
  r = run_update("set n = :v", R"({":v":{"N":"9"}})");
  CHECK(attribute(r.item, "n") == R"({"N":"9"})");
}

TEST_CASE("number arithmetic is exact and range-checked") {
  auto r = run_update("SET n = :a + :b", R"({":a":{"N":"0.1"},":b":{"N":"0.2"}})");
  CHECK(attribute(r.item, "n") == R"({"N":"0.3"})");
  r = run_update("SET n = :a - :b", R"({":a":{"N":"1.5"},":b":{"N":"1.5"}})");
  CHECK(attribute(r.item, "n") == R"({"N":"0"})");
  CHECK(update_error("SET n = :a + :b", R"({":a":{"N":"5E125"},":b":{"N":"5E125"}})") ==
        gh::plugins::dynamodb::kOverflowMessage);
  // The live service reports an inexact sum as an overflow too (see number.cpp).
  CHECK(update_error("SET n = :a + :b",
                     R"({":a":{"N":"12345678901234567890123456789012345678"},":b":{"N":"0.1"}})") ==
        gh::plugins::dynamodb::kOverflowMessage);
  r = run_update("ADD n :v", R"({":v":{"N":"-7.5"}})");
  CHECK(attribute(r.item, "n") == R"({"N":"-2.5"})");
}

TEST_CASE("list indexes: appends past the end, removals by old positions") {
  auto r = run_update("SET l[10] = :v", R"({":v":{"S":"b"}})");
  CHECK(attribute(r.item, "l") == R"({"L":[{"N":"1"},{"N":"2"},{"N":"3"},{"S":"b"}]})");
  r = run_update("SET l[11] = :w, l[10] = :v", R"({":v":{"S":"b"},":w":{"S":"c"}})");
  CHECK(attribute(r.item, "l") == R"({"L":[{"N":"1"},{"N":"2"},{"N":"3"},{"S":"b"},{"S":"c"}]})");
  r = run_update("REMOVE l[0], l[2]");
  CHECK(attribute(r.item, "l") == R"({"L":[{"N":"2"}]})");
  r = run_update("SET l[0] = :v REMOVE l[1]", R"({":v":{"S":"b"}})");
  CHECK(attribute(r.item, "l") == R"({"L":[{"S":"b"},{"N":"3"}]})");
  r = run_update("REMOVE l[5]");
  CHECK(r.error.empty());
  CHECK(attribute(r.item, "l") == R"({"L":[{"N":"1"},{"N":"2"},{"N":"3"}]})");
  r = run_update("REMOVE x, m.zz");
  CHECK(r.error.empty());
  CHECK(r.item == parse_object(kItem));
}

TEST_CASE("document paths that cannot be updated") {
  const std::string invalid_path =
      "The document path provided in the update expression is invalid for update";
  const std::string v = R"({":v":{"S":"b"}})";
  CHECK(update_error("REMOVE zz.y") == invalid_path);
  CHECK(update_error("REMOVE s[0]") == invalid_path);
  CHECK(update_error("SET q.b = :v", v) == invalid_path);
  CHECK(update_error("SET s.b = :v", v) == invalid_path);
  // dynalite: a new item, then an item {b: S, c: M{1: S}, d: L[S, S]}.
  CHECK(update_error("set b.a = a", "", "", R"({"a":{"S":"k"}})") == invalid_path);
  CHECK(update_error("set b[1] = a", "", "", R"({"a":{"S":"k"}})") == invalid_path);
  const char* item =
      R"({"a":{"S":"k"},"b":{"S":"k"},"c":{"M":{"1":{"S":"a"}}},"d":{"L":[{"S":"a"},{"S":"b"}]}})";
  for (const char* text :
       {"set b.a = :a, #1 = :a",      "set b[1] = :a, #1 = :a",     "set y.a = :a, #1 = :a",
        "set y[1] = :a, #1 = :a",     "set c[1] = :a, #1 = :a",     "set d.#1 = :a",
        "remove b.a set #1 = :a",     "remove b[1] set #1 = :a",    "remove y.a set #1 = :a",
        "remove y[1] set #1 = :a",    "remove c[1] set #1 = :a",    "remove d.#1 set #1 = :a",
        "delete b.a :a set #1 = :a",  "delete b[1] :a set #1 = :a", "delete y.a :a set #1 = :a",
        "delete y[1] :a set #1 = :a", "delete c[1] :a set #1 = :a", "delete d.#1 :a",
        "add b.a :a set #1 = :a",     "add b[1] :a set #1 = :a",    "add y.a :a set #1 = :a",
        "add y[1] :a set #1 = :a",    "add c[1] :a set #1 = :a",    "add d.#1 :a"}) {
    CAPTURE(text);
    auto r = run_update(text, R"({":a":{"SS":["a"]}})", R"({"#1":"1"})", item);
    CHECK(r.error == invalid_path);
    CHECK(r.item == parse_object(item));  // unchanged on error
  }
}

TEST_CASE("runtime type errors and missing attributes") {
  const char* item =
      R"({"a":{"S":"k"},"b":{"M":{"a":{"SS":["1"]}}},"c":{"N":"1"},"d":{"NS":["1"]}})";
  const std::string incorrect = "An operand in the update expression has an incorrect data type";
  for (auto [text, values] : std::vector<std::pair<const char*, const char*>>{
           {"delete d :a", R"({":a":{"SS":["1"]}})"},
           {"delete b :a", R"({":a":{"NS":["1"]}})"},
           {"delete b.a :a", R"({":a":{"NS":["1"]}})"},
           {"delete b.a :a", R"({":a":{"BS":["YQ=="]}})"},
           {"delete c :a", R"({":a":{"NS":["1"]}})"},
           {"add b :a", R"({":a":{"NS":["1"]}})"},
           {"add d :a", R"({":a":{"N":"1"}})"},
           {"set e = a + :a", R"({":a":{"N":"1"}})"},
           {"set e = b - :a", R"({":a":{"N":"1"}})"},
           {"set e = list_append(d, if_not_exists(f, :a))", R"({":a":{"L":[]}})"}}) {
    CAPTURE(text);
    CHECK(update_error(text, values, "", item) == incorrect);
  }
  const std::string missing =
      "The provided expression refers to an attribute that does not exist in the item";
  CHECK(update_error("set c = b", "", "", R"({"a":{"S":"k"}})") == missing);
  CHECK(update_error("set e = list_append(b, c)", "", "", R"({"a":{"S":"k"}})") == missing);
  CHECK(update_error("SET a = zz, b = s + :n", R"({":n":{"N":"1"}})") == incorrect);
  auto r = run_update("set b = if_not_exists(b, a)", "", "", R"({"a":{"S":"k"}})");
  CHECK(attribute(r.item, "b") == R"({"S":"k"})");
}

TEST_CASE("ADD and DELETE") {
  auto r = run_update("ADD n :v", R"({":v":{"N":"2"}})");
  CHECK(attribute(r.item, "n") == R"({"N":"7"})");
  r = run_update("ADD x :v", R"({":v":{"N":"2"}})");
  CHECK(attribute(r.item, "x") == R"({"N":"2"})");
  r = run_update("ADD ss :v", R"({":v":{"SS":["c","a"]}})");
  CHECK(attribute(r.item, "ss") == R"({"SS":["a","b","c"]})");
  r = run_update("ADD ns :v, bs :w", R"({":v":{"NS":["2.0","3"]},":w":{"BS":["AAE=","AQ=="]}})");
  CHECK(attribute(r.item, "ns") == R"({"NS":["1","2","3"]})");
  CHECK(attribute(r.item, "bs") == R"({"BS":["AAE=","AQ=="]})");
  CHECK(update_error("ADD ss :v", R"({":v":{"NS":["1"]}})") ==
        "An operand in the update expression has an incorrect data type");
  r = run_update("ADD m.a :v", R"({":v":{"N":"1"}})");
  CHECK(attribute(r.item, "m") == R"({"M":{"a":{"N":"2"},"inr":{"M":{"x":{"S":"y"}}}}})");
  r = run_update("ADD l[7] :v", R"({":v":{"N":"4"}})");
  CHECK(attribute(r.item, "l") == R"({"L":[{"N":"1"},{"N":"2"},{"N":"3"},{"N":"4"}]})");
  r = run_update("DELETE ss :v", R"({":v":{"SS":["a"]}})");
  CHECK(attribute(r.item, "ss") == R"({"SS":["b"]})");
  r = run_update("DELETE ss :v", R"({":v":{"SS":["a","b"]}})");
  CHECK(r.error.empty());
  CHECK(attribute(r.item, "ss") == "<missing>");
  r = run_update("DELETE ns :v", R"({":v":{"NS":["1.0","7"]}})");
  CHECK(attribute(r.item, "ns") == R"({"NS":["2"]})");
  r = run_update("DELETE xs :v", R"({":v":{"SS":["zz"]}})");
  CHECK(r.error.empty());
  CHECK(r.item == parse_object(kItem));
  r = run_update("DELETE l[1].s :v", R"({":v":{"SS":["q"]}})", "",
                 R"({"l":{"L":[{"N":"0"},{"M":{"s":{"SS":["q"]}}}]}})");
  CHECK(r.error.empty());
  CHECK(attribute(r.item, "l") == R"({"L":[{"N":"0"},{"M":{}}]})");
}

TEST_CASE("new items, and every SET value computed from the old item") {
  auto r = run_update("REMOVE b DELETE c :c ADD d :d, e :e SET f = :f",
                      R"({":c":{"SS":["a","b"]},":d":{"N":"5"},":e":{"SS":["a","b"]},)"
                      R"(":f":{"L":[{"S":"a"},{"N":"1"}]}})",
                      "", R"({"a":{"S":"k"}})");
  CHECK(r.error.empty());
  CHECK(r.item == parse_object(R"({"a":{"S":"k"},"d":{"N":"5"},"e":{"SS":["a","b"]},)"
                               R"("f":{"L":[{"S":"a"},{"N":"1"}]}})"));
  r = run_update("SET a = :v", R"({":v":{"N":"1"}})", "", "{}");
  CHECK(r.item == parse_object(R"({"a":{"N":"1"}})"));

  // dynalite test/updateItem.js "should update nested attributes" (live DynamoDB), including
  // the UPDATED_NEW it returns.
  const char* before = R"({"a":{"S":"k"},"b":{"M":{"a":{"N":"1"},"b":{"N":"2"},"c":{"N":"3"}}},)"
                       R"("c":{"L":[{"N":"1"},{"N":"3"}]}})";
  auto p = placeholders(R"({":a":{"N":"2"},":b":{"SS":["a"]}})");
  auto u = ex::parse_update(
      "set b.c=((c[1])+(b.a)),b.a = a,c[1] = a, c[4] = b.a - b.b, c[2] = b.c add c[8] :b, "
      "c[6] :a",
      p);
  REQUIRE(std::holds_alternative<ex::Update>(u));
  const ex::Update& update = std::get<ex::Update>(u);
  json::object item = parse_object(before);
  REQUIRE_FALSE(ex::apply(update, item));
  CHECK(item == parse_object(R"({"a":{"S":"k"},"b":{"M":{"a":{"S":"k"},"b":{"N":"2"},)"
                             R"("c":{"N":"4"}}},"c":{"L":[{"N":"1"},{"S":"k"},{"N":"3"},)"
                             R"({"N":"-1"},{"N":"2"},{"SS":["a"]}]}})"));
  json::object updated_new = ex::project_paths(update.targets(), item);
  CHECK(updated_new == parse_object(R"({"b":{"M":{"c":{"N":"4"},"a":{"S":"k"}}},)"
                                    R"("c":{"L":[{"S":"k"},{"N":"3"},{"N":"2"}]}})"));
  json::object updated_old = ex::project_paths(update.targets(), parse_object(before));
  CHECK(updated_old == parse_object(R"({"b":{"M":{"c":{"N":"3"},"a":{"N":"1"}}},)"
                                    R"("c":{"L":[{"N":"3"}]}})"));
  CHECK(update.top_level_targets() == std::vector<std::string>{"b", "c"});
}

// ---------------------------------------------------------------------------------------------
// Key conditions

TEST_CASE("key conditions give the partition key value and the sort key condition") {
  const std::string values = R"({":p":{"S":"p"},":s":{"N":"2"},":a":{"N":"1"},":b":{"N":"3"}})";
  auto k = key_condition("pk = :p", R"({":p":{"S":"p"}})");
  REQUIRE(std::holds_alternative<ex::KeyCondition>(k));
  CHECK(json::serialize(std::get<ex::KeyCondition>(k).hash_value) == R"({"S":"p"})");
  CHECK_FALSE(std::get<ex::KeyCondition>(k).range);

  for (const char* text : {"pk = :p AND sk > :s", ":p = pk AND :s < sk", "sk > :s AND pk = :p",
                           "(pk = :p) AND (sk > :s)"}) {
    CAPTURE(text);
    auto kc = key_condition(text, R"({":p":{"S":"p"},":s":{"N":"2"}})");
    REQUIRE(std::holds_alternative<ex::KeyCondition>(kc));
    const auto& range = std::get<ex::KeyCondition>(kc).range;
    REQUIRE(range);
    CHECK(range->op == ex::KeyOperator::kGt);
    CHECK(range->matches(json::parse(R"({"N":"3"})")));
    CHECK_FALSE(range->matches(json::parse(R"({"N":"2"})")));
  }
  auto between = key_condition("pk = :p AND sk BETWEEN :a AND :b", values.substr(0));
  // Values not used here (:s) are the caller's check_all_used business.
  REQUIRE(std::holds_alternative<ex::KeyCondition>(between));
  const auto& range = *std::get<ex::KeyCondition>(between).range;
  CHECK(range.op == ex::KeyOperator::kBetween);
  CHECK(range.matches(json::parse(R"({"N":"1"})")));
  CHECK(range.matches(json::parse(R"({"N":"3.0"})")));
  CHECK_FALSE(range.matches(json::parse(R"({"N":"3.5"})")));

  auto p = placeholders(R"({":p":{"S":"p"},":b":{"S":"ab"}})");
  auto s =
      ex::parse_key_condition("pk = :p AND begins_with(#s, :b)", p, {"pk", ScalarType::kString},
                              ex::KeyAttribute{"sk", ScalarType::kString});
  (void)s;  // #s is undefined here
  auto q = placeholders(R"({":p":{"S":"p"},":b":{"S":"ab"}})", R"({"#s":"sk"})");
  auto bw =
      ex::parse_key_condition("pk = :p AND begins_with(#s, :b)", q, {"pk", ScalarType::kString},
                              ex::KeyAttribute{"sk", ScalarType::kString});
  REQUIRE(std::holds_alternative<ex::KeyCondition>(bw));
  const auto& prefix = *std::get<ex::KeyCondition>(bw).range;
  CHECK(prefix.op == ex::KeyOperator::kBeginsWith);
  CHECK(prefix.matches(json::parse(R"({"S":"abc"})")));
  CHECK_FALSE(prefix.matches(json::parse(R"({"S":"b"})")));
}

TEST_CASE("key condition errors") {
  const std::string values = R"({":p":{"S":"p"},":s":{"N":"2"},":a":{"N":"1"},":b":{"N":"3"}})";
  CHECK(key_error("pk = :p OR sk > :s", values) ==
        "Invalid operator used in KeyConditionExpression: OR");
  CHECK(key_error("pk = :p AND NOT sk = :s", values) ==
        "Invalid operator used in KeyConditionExpression: NOT");
  CHECK(key_error("pk = :p AND sk <> :s", values) ==
        "Invalid operator used in KeyConditionExpression: <>");
  CHECK(key_error("pk = :p AND sk IN (:s)", values) ==
        "Invalid operator used in KeyConditionExpression: IN");
  CHECK(key_error("pk = :p AND attribute_exists(sk)", values) ==
        "Invalid operator used in KeyConditionExpression: attribute_exists");
  CHECK(key_error("pk = :p AND size(sk) > :s", values) ==
        "KeyConditionExpressions cannot contain nested operations");
  CHECK(key_error("sk > :s", values) == "Query condition missed key schema element: pk");
  CHECK(key_error("pk > :p", values) == "Query key condition not supported");
  CHECK(key_error("pk = :p AND v > :s", values) == "Query condition missed key schema element: sk");
  CHECK(key_error("pk = :p AND sk > :a AND sk < :b", values) ==
        "KeyConditionExpressions must only contain one condition per key");
  CHECK(key_error("pk = :n", R"({":n":{"N":"1"}})") ==
        "One or more parameter values were invalid: Condition parameter type does not match "
        "schema type");
  CHECK(key_error("pk = :p AND begins_with(sk, :b)", R"({":p":{"S":"p"},":b":{"S":"1"}})") ==
        "One or more parameter values were invalid: Condition parameter type does not match "
        "schema type");
  CHECK(key_error("pk.x = :p", R"({":p":{"S":"p"}})") ==
        "Key attributes must be scalars; list random access '[]' and map lookup '.' are not "
        "allowed: Key: pk");
  CHECK(key_error("pk = :p", R"({":p":{"S":""}})") ==
        "One or more parameter values are not valid. The AttributeValue for a key attribute "
        "cannot contain an empty string value. Key: pk");
  CHECK(key_error("((pk = :p))", R"({":p":{"S":"p"}})") ==
        "Invalid KeyConditionExpression: The expression has redundant parentheses;");
  CHECK(key_error("pk = ", R"({":p":{"S":"p"}})") ==
        R"(Invalid KeyConditionExpression: Syntax error; token: "<EOF>", near: "= ")");
  CHECK(key_error("pk = :p AND sk BETWEEN :b AND :a", values) ==
        "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater "
        "than or equal to lower bound; lower bound operand: AttributeValue: {N:3}, upper bound "
        "operand: AttributeValue: {N:1}");
  // The generic operand checks come first.
  CHECK(key_error("pk = :p AND begins_with(sk, :s)", values) ==
        "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
        "operator or function: begins_with, operand type: N");
}

TEST_CASE("deep nesting is refused without exhausting the stack") {
  const std::string v = R"({":v":{"N":"1"}})";
  std::string nots;
  for (int i = 0; i < 800; ++i) nots += "NOT(";
  nots += "n = :v";
  nots += std::string(800, ')');
  CHECK(filter_error(nots, v).empty());
  std::string opens(4000, '(');
  CHECK(filter_error(opens + "a = :v", v).starts_with(invalid_filter("Syntax error; ")));
}

TEST_CASE("range conditions on string and binary sort keys, and hash-only tables") {
  auto p = placeholders(R"({":p":{"S":"p"},":b":{"B":"AAE="},":c":{"B":"AQ=="}})");
  auto k =
      ex::parse_key_condition("pk = :p AND sk BETWEEN :b AND :c", p, {"pk", ScalarType::kString},
                              ex::KeyAttribute{"sk", ScalarType::kBinary});
  REQUIRE(std::holds_alternative<ex::KeyCondition>(k));
  const auto& range = *std::get<ex::KeyCondition>(k).range;
  CHECK(range.matches(json::parse(R"({"B":"AAE="})")));
  CHECK(range.matches(json::parse(R"({"B":"AAI="})")));
  CHECK(range.matches(json::parse(R"({"B":"AQ=="})")));
  CHECK_FALSE(range.matches(json::parse(R"({"B":"AQA="})")));
  CHECK_FALSE(range.matches(json::parse(R"({"S":"AAE="})")));

  auto q = placeholders(R"({":p":{"S":"p"},":s":{"S":"m"}})");
  auto s = ex::parse_key_condition("pk = :p AND sk <= :s", q, {"pk", ScalarType::kString},
                                   ex::KeyAttribute{"sk", ScalarType::kString});
  REQUIRE(std::holds_alternative<ex::KeyCondition>(s));
  const auto& le = *std::get<ex::KeyCondition>(s).range;
  CHECK(le.op == ex::KeyOperator::kLe);
  CHECK(le.matches(json::parse(R"({"S":"m"})")));
  CHECK(le.matches(json::parse(R"({"S":"a"})")));
  CHECK_FALSE(le.matches(json::parse(R"({"S":"n"})")));

  auto r = placeholders(R"({":p":{"N":"1.0"},":s":{"S":"m"}})");
  auto hash_only = ex::parse_key_condition("pk = :p", r, {"pk", ScalarType::kNumber}, std::nullopt);
  REQUIRE(std::holds_alternative<ex::KeyCondition>(hash_only));
  CHECK(json::serialize(std::get<ex::KeyCondition>(hash_only).hash_value) == R"({"N":"1"})");
  auto t = placeholders(R"({":p":{"N":"1"},":s":{"S":"m"}})");
  auto extra =
      ex::parse_key_condition("pk = :p AND sk = :s", t, {"pk", ScalarType::kNumber}, std::nullopt);
  REQUIRE(std::holds_alternative<DynamoError>(extra));
  CHECK(std::get<DynamoError>(extra).message == "Query condition missed key schema element: pk");
}

TEST_CASE("malformed maps, and the paths a parsed expression reads") {
  json::object bad;
  bad["ExpressionAttributeNames"] = json::array{};
  auto p = ex::Placeholders::from_request(bad);
  REQUIRE(std::holds_alternative<DynamoError>(p));
  CHECK(std::get<DynamoError>(p).type == "com.amazon.coral.service#SerializationException");
  json::object null_maps;
  null_maps["ExpressionAttributeNames"] = nullptr;
  null_maps["ExpressionAttributeValues"] = nullptr;
  auto empty = ex::Placeholders::from_request(null_maps);
  REQUIRE(std::holds_alternative<ex::Placeholders>(empty));
  CHECK_FALSE(std::get<ex::Placeholders>(empty).has_names());

  auto q = placeholders(R"({":v":{"S":"x"}})", R"({"#k":"pk"})");
  auto c = ex::parse_condition("begins_with(a.b[2], :v) OR size(#k) > size(c)",
                               ex::ExpressionKind::kFilter, q);
  REQUIRE(std::holds_alternative<ex::Condition>(c));
  std::vector<std::string> paths;
  for (const auto& path : std::get<ex::Condition>(c).paths())
    paths.push_back(ex::format_path(path));
  CHECK(paths == std::vector<std::string>{"[a, b, [2]]", "[pk]", "[c]"});

  auto r = placeholders("");
  auto proj = ex::parse_projection("a.b[2], c", r);
  REQUIRE(std::holds_alternative<ex::Projection>(proj));
  CHECK(std::get<ex::Projection>(proj).paths().size() == 2);
  CHECK(ex::format_path(std::get<ex::Projection>(proj).paths()[0]) == "[a, b, [2]]");
}
