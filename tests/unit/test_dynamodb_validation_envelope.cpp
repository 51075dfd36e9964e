// DynamoDB's "1 validation error detected: " envelope (plugins/dynamodb/validation_envelope.hpp):
// the per-operation rule, the families the raising sites give their errors, and the operation
// table applying the rule to every answer (the services endpoint and route integrations share
// it). The sources of each cell are in validation_envelope.cpp.
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "plugins/dynamodb/attribute_value.hpp"
#include "plugins/dynamodb/expressions.hpp"
#include "plugins/dynamodb/number.hpp"
#include "plugins/dynamodb/operation_table.hpp"
#include "plugins/dynamodb/store.hpp"
#include "plugins/dynamodb/validation_envelope.hpp"

namespace {

namespace json = boost::json;
namespace ddb = gh::plugins::dynamodb;
namespace ex = gh::plugins::dynamodb::expr;
using ddb::DynamoError;
using F = ddb::ValidationFamily;

json::object object(std::string_view text) { return json::parse(text).as_object(); }

F item_family(const char* item) {
  boost::system::error_code ec;
  json::value v = ddb::parse_json(item, ec);
  REQUIRE_FALSE(ec);
  auto e = ddb::normalize_item(v);
  REQUIRE(e);
  return e->family;
}

F placeholder_family(std::string_view request) {
  auto p = ex::Placeholders::from_request(object(request));
  REQUIRE(std::holds_alternative<DynamoError>(p));
  return std::get<DynamoError>(p).family;
}

F expression_family(std::string_view text, ex::ExpressionKind kind) {
  auto p = std::get<ex::Placeholders>(ex::Placeholders::from_request(json::object{}));
  auto c = ex::parse_condition(text, kind, p);
  REQUIRE(std::holds_alternative<DynamoError>(c));
  return std::get<DynamoError>(c).family;
}

/// The message the operation table's `operation` answers for `request` (on an empty store with
/// one table, pk S / sk N), or "" when it succeeds.
std::string answer(std::string_view operation, std::string_view request) {
  static ddb::Store store(":memory:");
  static ddb::ops::Env env{store, {}};
  static const bool created = [] {
    auto r = ddb::ops::find_operation("CreateTable")
                 ->handler(env, object(R"({"TableName":"pets","BillingMode":"PAY_PER_REQUEST",
                   "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},
                                {"AttributeName":"sk","KeyType":"RANGE"}],
                   "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},
                                           {"AttributeName":"sk","AttributeType":"N"}]})"));
    return std::holds_alternative<json::object>(r);
  }();
  REQUIRE(created);
  const ddb::ops::Operation* op = ddb::ops::find_operation(operation);
  REQUIRE(op);
  auto r = op->handler(env, object(request));
  std::string message;
  if (auto* e = std::get_if<DynamoError>(&r)) message = e->message;
  if (op->text) {  // the reads' text form (the services endpoint's) answers alike
    auto t = op->text(env, object(request));
    auto* e = std::get_if<DynamoError>(&t);
    CHECK((e ? e->message : std::string()) == message);
  }
  return message;
}

constexpr std::string_view kWrapped = "1 validation error detected: ";

}  // namespace

TEST_CASE("dynamodb validation envelope: the rule per operation and family") {
  // PutItem: the value, parameter, placeholder-map, condition and ReturnValues families.
  for (F f : {F::kSetShape, F::kDuplicateSetMembers, F::kNullFalse, F::kNumberConversion,
              F::kParameterMix, F::kPlaceholderMap, F::kConditionExpression,
              F::kReturnValuesNotAllowed}) {
    CHECK(ddb::wraps_validation("PutItem", f));
  }
  CHECK_FALSE(ddb::wraps_validation("PutItem", F::kUnusedPlaceholder));  // UNVERIFIED
  CHECK_FALSE(ddb::wraps_validation("PutItem", F::kNone));
  // UpdateItem: its expressions, placeholders (unused ones too), NULL false, numbers and
  // duplicate set members ([pvl] valueLayers.test.ts, 2026-10-09); a Key's empty set bare.
  for (F f : {F::kNullFalse, F::kParameterMix, F::kPlaceholderMap, F::kUnusedPlaceholder,
              F::kConditionExpression, F::kUpdateExpression, F::kNumberConversion,
              F::kDuplicateSetMembers}) {
    CHECK(ddb::wraps_validation("UpdateItem", f));
  }
  CHECK_FALSE(ddb::wraps_validation("UpdateItem", F::kSetShape));
  // DeleteItem: parameters, placeholder maps, condition, ReturnValues, numbers and duplicate set
  // members ([pvl]); its Key's other values bare.
  for (F f : {F::kParameterMix, F::kPlaceholderMap, F::kConditionExpression,
              F::kReturnValuesNotAllowed, F::kNumberConversion, F::kDuplicateSetMembers}) {
    CHECK(ddb::wraps_validation("DeleteItem", f));
  }
  for (F f : {F::kSetShape, F::kNullFalse, F::kUnusedPlaceholder}) {
    CHECK_FALSE(ddb::wraps_validation("DeleteItem", f));
  }
  // Query: only Select against the projection; Scan: nothing, not even that.
  CHECK(ddb::wraps_validation("Query", F::kSelectProjection));
  for (F f : {F::kUnusedPlaceholder, F::kKeyConditionExpression, F::kFilterExpression,
              F::kProjectionExpression, F::kParameterMix, F::kPlaceholderMap}) {
    CHECK_FALSE(ddb::wraps_validation("Query", f));
  }
  for (std::string_view op : {"Scan", "GetItem", "BatchGetItem", "BatchWriteItem",
                              "TransactGetItems", "TransactWriteItems", "CreateTable"}) {
    for (F f :
         {F::kSetShape, F::kDuplicateSetMembers, F::kNullFalse, F::kNumberConversion,
          F::kParameterMix, F::kPlaceholderMap, F::kUnusedPlaceholder, F::kConditionExpression,
          F::kUpdateExpression, F::kFilterExpression, F::kProjectionExpression,
          F::kKeyConditionExpression, F::kReturnValuesNotAllowed, F::kSelectProjection}) {
      CHECK_MESSAGE(!ddb::wraps_validation(op, f), op);
    }
  }
}

TEST_CASE("dynamodb validation envelope: the current layer's words") {
  const std::string eav = "ExpressionAttributeValues can only be specified when using expressions";
  auto reworded = [](std::string_view op, std::string message, F family) {
    DynamoError e = DynamoError::validation(std::move(message), family);
    ddb::reword_current_layer(op, e);
    return e.message;
  };
  CHECK(reworded("PutItem", eav + ": ConditionExpression is null", F::kParameterMix) == eav);
  CHECK(reworded("DeleteItem", eav + ": ConditionExpression is null", F::kParameterMix) == eav);
  CHECK(reworded("UpdateItem", eav + ": UpdateExpression and ConditionExpression are null",
                 F::kParameterMix) ==
        eav + ": UpdateExpression is null and ConditionExpression is null");
  CHECK(reworded("TransactWriteItems", eav + ": ConditionExpression is null", F::kParameterMix) ==
        eav + ": ConditionExpression is null");
  CHECK(reworded("Scan", eav + ": FilterExpression is null", F::kParameterMix) ==
        eav + ": FilterExpression is null");
  const std::string names = "ExpressionAttributeNames can only be specified when using expressions";
  CHECK(reworded("UpdateItem", names, F::kParameterMix) == names);
  // A value's current words travel with the error from where it was refused.
  const std::string not_numeric(ddb::kNotNumericMessage);
  auto with_current = [](std::string_view op, std::string message, std::string current) {
    DynamoError e = DynamoError::validation(std::move(message), F::kNumberConversion);
    e.current_layer_message = std::move(current);
    ddb::reword_current_layer(op, e);
    return e.message;
  };
  for (std::string_view op :
       {"PutItem", "UpdateItem", "DeleteItem", "GetItem", "BatchGetItem", "Query"}) {
    CHECK(with_current(op, not_numeric, not_numeric + ": ") == not_numeric + ": ");
    CHECK(reworded(op, not_numeric + ": b", F::kNumberConversion) == not_numeric + ": b");
  }
  for (std::string_view op : {"Scan", "BatchWriteItem", "TransactWriteItems", "TransactGetItems"}) {
    CHECK(with_current(op, not_numeric, not_numeric + ": ") == not_numeric);
  }
}

// [pvl] paritysuite/dynamodb-conformance tests/tier3/error-messages/valueLayers.test.ts
// (eu-west-2, us-east-1, eu-west-1, us-west-2, 2026-10-09): the same value refused by each layer.
TEST_CASE("dynamodb validation envelope: values in the current and the older layer") {
  const std::string invalid = "One or more parameter values were invalid: ";
  auto refusal = [](const char* item) {
    boost::system::error_code ec;
    boost::json::value v = ddb::parse_json(item, ec);
    REQUIRE_FALSE(ec);
    auto e = ddb::normalize_item(v);
    REQUIRE(e);
    DynamoError current = *e;
    ddb::reword_current_layer("PutItem", current);
    DynamoError older = *e;
    ddb::reword_current_layer("BatchWriteItem", older);
    return std::pair{current.message, older.message};
  };
  const std::string not_numeric(ddb::kNotNumericMessage);
  const std::string overflow(ddb::kOverflowMessage);
  const std::string underflow(ddb::kUnderflowMessage);
  // SHAPES 'abc', '', '1e126', '1e2147483647': CURRENT and OLDER.
  CHECK(refusal(R"({"n":{"N":"abc"}})") == std::pair{not_numeric + ": abc", not_numeric + ": abc"});
  CHECK(refusal(R"({"n":{"N":""}})") == std::pair{not_numeric + ": ", not_numeric});
  CHECK(refusal(R"({"n":{"N":"1e126"}})") == std::pair{overflow, overflow});
  CHECK(refusal(R"({"n":{"N":"1e2147483647"}})") == std::pair{overflow, underflow});
  CHECK(refusal(R"({"n":{"NS":["1","1e2147483647"]}})") == std::pair{overflow, underflow});
  // PutItem's list (current layer only): the int64 exponents.
  CHECK(refusal(R"({"n":{"N":"1e2147483648"}})").first == overflow);
  CHECK(refusal(R"({"n":{"N":"1e99999999999"}})").first == overflow);
  CHECK(refusal(R"({"n":{"N":"1e-2147483648"}})").first == underflow);
  // Not a wrap: 1e2147483646's magnitude fits an int (UNVERIFIED in the older layer, by the
  // model in number.cpp).
  CHECK(refusal(R"({"n":{"N":"1e2147483646"}})") == std::pair{overflow, overflow});
  CHECK_FALSE(ddb::Number::older_layer_underflows("1e126"));
  CHECK_FALSE(ddb::Number::older_layer_underflows("1"));
  CHECK(ddb::Number::older_layer_underflows("10e2147483646"));
  // DUPES: SS b, a, b; BS /w==, AA==, AA==; NS 2, 1, 2.
  CHECK(refusal(R"({"s":{"SS":["b","a","b"]}})") ==
        std::pair{invalid + R"(Input collection ["a", "b", "b"] contains duplicates.)",
                  invalid + "Input collection [b, a, b] contains duplicates."});
  CHECK(refusal(R"({"s":{"BS":["/w==","AA==","AA=="]}})") ==
        std::pair{invalid + R"(Input collection ["AA==","/w==","AA=="]of type BS contains )"
                            "duplicates.",
                  invalid + "Input collection [/w==, AA==, AA==]of type BS contains duplicates."});
  CHECK(refusal(R"({"s":{"NS":["2","1","2"]}})") ==
        std::pair{invalid + "Input collection contains duplicates.",
                  std::string("Input collection contains duplicates")});
  // Sorted up to the first repeat, then the repeat, then the rest as sent.
  CHECK(refusal(R"({"s":{"SS":["c","b","c","a"]}})").first ==
        invalid + R"(Input collection ["b", "c", "c", "a"] contains duplicates.)");
}

TEST_CASE("dynamodb validation envelope: applied once, to the families the rule names") {
  DynamoError e = DynamoError::validation("ReturnValues can only be ALL_OLD or NONE",
                                          F::kReturnValuesNotAllowed);
  ddb::apply_validation_envelope("PutItem", e);
  CHECK(e.message == "1 validation error detected: ReturnValues can only be ALL_OLD or NONE");
  ddb::apply_validation_envelope("PutItem", e);
  CHECK(e.message == "1 validation error detected: ReturnValues can only be ALL_OLD or NONE");
  DynamoError bare = DynamoError::validation("Item size has exceeded the maximum allowed size");
  ddb::apply_validation_envelope("PutItem", bare);
  CHECK(bare.message == "Item size has exceeded the maximum allowed size");
  DynamoError scan = DynamoError::validation("x", F::kSelectProjection);
  ddb::apply_validation_envelope("Scan", scan);
  CHECK(scan.message == "x");
}

TEST_CASE("dynamodb validation envelope: the raising sites name their families") {
  CHECK(item_family(R"({"a":{"SS":[]}})") == F::kSetShape);
  CHECK(item_family(R"({"a":{"BS":[]}})") == F::kSetShape);
  CHECK(item_family(R"({"a":{"NS":["1","1.0"]}})") == F::kDuplicateSetMembers);
  CHECK(item_family(R"({"a":{"SS":["x","x"]}})") == F::kDuplicateSetMembers);
  CHECK(item_family(R"({"a":{"NULL":false}})") == F::kNullFalse);
  CHECK(item_family(R"({"a":{"N":"x1"}})") == F::kNumberConversion);
  CHECK(item_family(R"({"a":{"NS":["x1"]}})") == F::kNumberConversion);
  CHECK(item_family(R"({"a":{"N":"1E+126"}})") == F::kNumberConversion);
  CHECK(item_family(R"({"a":{"N":"1E-131"}})") == F::kNumberConversion);
  CHECK(item_family(R"({"a":{"S":"x","N":"1"}})") == F::kNone);
  CHECK(item_family(R"({"a":{}})") == F::kNone);
  CHECK(placeholder_family(R"({"ExpressionAttributeValues":{}})") == F::kPlaceholderMap);
  CHECK(placeholder_family(R"({"ExpressionAttributeNames":{}})") == F::kPlaceholderMap);
  CHECK(placeholder_family(R"({"ExpressionAttributeValues":{"v":{"S":"x"}}})") ==
        F::kPlaceholderMap);
  CHECK(placeholder_family(R"({"ExpressionAttributeValues":{":v":{"SS":[]}}})") ==
        F::kPlaceholderMap);
  auto unused = std::get<ex::Placeholders>(
      ex::Placeholders::from_request(object(R"({"ExpressionAttributeNames":{"#u":"u"}})")));
  REQUIRE(unused.check_all_used());
  CHECK(unused.check_all_used()->family == F::kUnusedPlaceholder);
  CHECK(expression_family("a = = b", ex::ExpressionKind::kCondition) == F::kConditionExpression);
  CHECK(expression_family("", ex::ExpressionKind::kFilter) == F::kFilterExpression);
  CHECK(expression_family("((a = b))", ex::ExpressionKind::kKeyCondition) ==
        F::kKeyConditionExpression);
}

TEST_CASE("dynamodb validation envelope: the operation table answers with it") {
  const std::string w(kWrapped);
  const std::string eav = "ExpressionAttributeValues can only be specified when using expressions";
  // The current layer's words: no tail on PutItem and DeleteItem, "… is null and … is null" on
  // UpdateItem; a transaction's part keeps the older words.
  CHECK(answer("PutItem", R"({"TableName":"pets","Item":{"pk":{"S":"a"},"sk":{"N":"1"}},
                              "ExpressionAttributeValues":{":v":{"S":"x"}}})") == w + eav);
  CHECK(answer("DeleteItem", R"({"TableName":"pets","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},
                                 "ExpressionAttributeValues":{":v":{"S":"x"}}})") == w + eav);
  CHECK(answer("UpdateItem", R"({"TableName":"pets","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},
                                 "ExpressionAttributeValues":{":v":{"S":"x"}}})") ==
        w + eav + ": UpdateExpression is null and ConditionExpression is null");
  CHECK(answer("Scan", R"({"TableName":"pets","ExpressionAttributeValues":{":v":{"S":"x"}},
                           "ProjectionExpression":"pk"})") == eav + ": FilterExpression is null");
  // An empty number: "…: " in the current layer, without the colon in the older one.
  const std::string not_numeric = "The parameter cannot be converted to a numeric value";
  CHECK(answer("PutItem", R"({"TableName":"pets","Item":{"pk":{"S":"a"},"sk":{"N":"1"},
                              "n":{"NS":[""]}}})") == w + not_numeric + ": ");
  CHECK(answer("GetItem", R"({"TableName":"pets","Key":{"pk":{"S":"a"},"sk":{"N":""}}})") ==
        not_numeric + ": ");
  CHECK(answer("BatchWriteItem", R"({"RequestItems":{"pets":[{"PutRequest":{"Item":{
            "pk":{"S":"a"},"sk":{"N":"1"},"n":{"N":""}}}}]}})") == not_numeric);
  // [pvl]: a bad number or duplicate members in a value, without the per-key wrapper in the
  // current layer (enveloped on the writes, bare on Query), inside it in the older one.
  const std::string overflow =
      "Number overflow. Attempting to store a number with magnitude larger than supported range";
  CHECK(answer("DeleteItem", R"({"TableName":"pets","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},
                                 "ConditionExpression":"n = :v",
                                 "ExpressionAttributeValues":{":v":{"N":"1e2147483647"}}})") ==
        w + overflow);
  CHECK(answer("DeleteItem", R"({"TableName":"pets","Key":{"pk":{"S":"a"},"sk":{"N":"1e126"}}})") ==
        w + overflow);
  CHECK(answer("UpdateItem", R"({"TableName":"pets","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},
                                 "UpdateExpression":"SET n = :v",
                                 "ExpressionAttributeValues":{":v":{"N":""}}})") ==
        w + not_numeric + ": ");
  CHECK(answer("UpdateItem", R"({"TableName":"pets","Key":{"pk":{"S":"a"},"sk":{"N":"abc"}},
                                 "UpdateExpression":"SET n = :o",
                                 "ExpressionAttributeValues":{":o":{"N":"1"}}})") ==
        w + not_numeric + ": abc");
  CHECK(answer("DeleteItem", R"({"TableName":"pets","Key":{"pk":{"SS":["b","a","b"]},
                                 "sk":{"N":"1"}}})") ==
        w + R"(One or more parameter values were invalid: Input collection ["a", "b", "b"] )"
            "contains duplicates.");
  const std::string dup_current =
      R"(One or more parameter values were invalid: Input collection ["a", "b", "b"] contains )"
      "duplicates.";
  CHECK(answer("Query", R"({"TableName":"pets","KeyConditionExpression":"pk = :p",
                            "FilterExpression":"s = :t",
                            "ExpressionAttributeValues":{":p":{"S":"a"},
                                                         ":t":{"SS":["b","a","b"]}}})") ==
        dup_current);
  CHECK(answer("Query", R"({"TableName":"pets","KeyConditionExpression":"pk = :p",
                            "ExpressionAttributeValues":{":p":{"S":"a"}},
                            "ExclusiveStartKey":{"pk":{"SS":["b","a","b"]},"sk":{"N":"1"}}})") ==
        dup_current);
  CHECK(answer("PutItem", R"({"TableName":"pets","Item":{"pk":{"S":"a"},"sk":{"N":"1"}},
                              "ConditionExpression":"attribute_not_exists(pk) OR s = :t",
                              "ExpressionAttributeValues":{":t":{"SS":["b","a","b"]}}})") ==
        w + dup_current);
  CHECK(answer("GetItem",
               R"({"TableName":"pets","Key":{"pk":{"S":"a"},"sk":{"N":"1e2147483647"}}})") ==
        overflow);
  CHECK(answer("Scan", R"({"TableName":"pets","FilterExpression":"n = :v",
                           "ExpressionAttributeValues":{":v":{"N":"1e2147483647"}}})") ==
        "ExpressionAttributeValues contains invalid value: Number underflow. Attempting to store "
        "a number with magnitude smaller than supported range for key :v");
  CHECK(answer("TransactWriteItems", R"({"TransactItems":[{"Update":{"TableName":"pets",
            "Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"UpdateExpression":"SET s = :t",
            "ExpressionAttributeValues":{":t":{"SS":["b","a","b"]}}}}]})") ==
        "ExpressionAttributeValues contains invalid value: One or more parameter values were "
        "invalid: Input collection [b, a, b] contains duplicates. for key :t");
  CHECK(answer("BatchWriteItem", R"({"RequestItems":{"pets":[{"PutRequest":{"Item":{
            "pk":{"S":"a"},"sk":{"N":"1"},"n":{"NS":["2","1","2"]}}}}]}})") ==
        "Input collection contains duplicates");
  // {"NULL": false} in ExpressionAttributeValues: its own words, no per-key wrapper.
  const std::string null_false =
      "One or more parameter values were invalid: Null attribute value types must have the "
      "value of true";
  CHECK(answer("UpdateItem", R"({"TableName":"pets","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},
                                 "UpdateExpression":"SET a = :v",
                                 "ExpressionAttributeValues":{":v":{"NULL":false}}})") ==
        w + null_false);
  CHECK(answer("PutItem", R"({"TableName":"pets","Item":{"pk":{"S":"a"},"sk":{"N":"1"}},
                              "ConditionExpression":"a = :v",
                              "ExpressionAttributeValues":{":v":{"NULL":false}}})") ==
        w + null_false);
  CHECK(answer("Scan", R"({"TableName":"pets","FilterExpression":"a = :v",
                           "ExpressionAttributeValues":{":v":{"NULL":false}}})") == null_false);
  CHECK(answer("PutItem", R"({"TableName":"pets","Item":{"pk":{"S":"a"},"sk":{"N":"1"},
                              "x":{"SS":[]}}})") ==
        w + "One or more parameter values were invalid: An string set  may not be empty");
  CHECK(answer("PutItem", R"({"TableName":"pets","Item":{"pk":{"S":"a"},"sk":{"S":"1"}}})") ==
        "One or more parameter values were invalid: Type mismatch for key sk expected: N "
        "actual: S");
  CHECK(answer("UpdateItem", R"({"TableName":"pets","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},
                                 "UpdateExpression":""})") ==
        w + "Invalid UpdateExpression: The expression can not be empty;");
  CHECK(answer("UpdateItem", R"({"TableName":"pets","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},
                                 "UpdateExpression":"SET a = b"})") ==
        "The provided expression refers to an attribute that does not exist in the item");
  CHECK(answer("DeleteItem", R"({"TableName":"pets","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},
                                 "ReturnValues":"ALL_NEW"})") ==
        w + "ReturnValues can only be ALL_OLD or NONE");
  CHECK(answer("GetItem", R"({"TableName":"pets","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},
                              "ProjectionExpression":"#undef"})") ==
        "Invalid ProjectionExpression: An expression attribute name used in the document path "
        "is not defined; attribute name: #undef");
  const std::string specific =
      "Must specify the AttributesToGet or ProjectionExpression when choosing to get "
      "SPECIFIC_ATTRIBUTES";
  CHECK(answer("Query", R"({"TableName":"pets","KeyConditionExpression":"pk = :p",
                            "ExpressionAttributeValues":{":p":{"S":"a"}},
                            "Select":"SPECIFIC_ATTRIBUTES"})") == w + specific);
  CHECK(answer("Scan", R"({"TableName":"pets","Select":"SPECIFIC_ATTRIBUTES"})") == specific);
  // A transaction's parts keep the single-item families bare (UNVERIFIED).
  CHECK(answer("TransactWriteItems", R"({"TransactItems":[{"Put":{"TableName":"pets",
            "Item":{"pk":{"S":"a"},"sk":{"N":"1"}},"ExpressionAttributeValues":{":v":{"S":"x"}}}}]})")
            .starts_with(eav));
}
