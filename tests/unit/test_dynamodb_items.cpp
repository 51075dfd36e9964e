// DynamoDB item values and table definitions (plugins/dynamodb/attribute_value.hpp,
// table_schema.hpp): validation with DynamoDB's messages, normalisation, sizes and key bytes.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

#include "plugins/dynamodb/attribute_value.hpp"
#include "plugins/dynamodb/store.hpp"
#include "plugins/dynamodb/table_schema.hpp"

namespace {

namespace json = boost::json;
using gh::plugins::dynamodb::ScalarType;

/// The error message normalize_item() gives for `item`, or "" when it is valid.
std::string item_error(const char* item) {
  boost::system::error_code ec;
  json::value v = gh::plugins::dynamodb::parse_json(item, ec);
  REQUIRE_FALSE(ec);
  auto e = gh::plugins::dynamodb::normalize_item(v);
  return e ? e->message : "";
}

std::string normalized(const char* item) {
  json::value v = json::parse(item);
  REQUIRE_FALSE(gh::plugins::dynamodb::normalize_item(v));
  return json::serialize(v);
}

std::string create_error(const char* request) {
  auto parsed = gh::plugins::dynamodb::parse_create_table(json::parse(request).as_object());
  if (auto* e = std::get_if<gh::plugins::dynamodb::DynamoError>(&parsed)) return e->message;
  return "";
}

}  // namespace

TEST_CASE("items are normalised: numbers to DynamoDB's text, nested values too") {
  CHECK(
      normalized(R"({"a":{"N":"01.50"},"b":{"L":[{"N":"-0"},{"M":{"c":{"NS":["2.0","1"]}}}]}})") ==
      R"({"a":{"N":"1.5"},"b":{"L":[{"N":"0"},{"M":{"c":{"NS":["2","1"]}}}]}})");
  CHECK(normalized(R"({"s":{"S":""},"t":{"BOOL":false},"u":{"NULL":true},"b":{"B":"AAE="}})") ==
        R"({"s":{"S":""},"t":{"BOOL":false},"u":{"NULL":true},"b":{"B":"AAE="}})");
}

TEST_CASE("invalid values get DynamoDB's messages") {
  const std::string invalid = "One or more parameter values were invalid: ";
  CHECK(item_error(R"({"a":{}})") ==
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  CHECK(item_error(R"({"a":{"S":"x","N":"1"}})") ==
        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of "
        "the supported datatypes");
  CHECK(item_error(R"({"a":{"NULL":false}})") ==
        invalid + "Null attribute value types must have the value of true");
  CHECK(item_error(R"({"a":{"SS":[]}})") == invalid + "An string set  may not be empty");
  CHECK(item_error(R"({"a":{"NS":[]}})") == invalid + "An number set  may not be empty");
  CHECK(item_error(R"({"a":{"BS":[]}})") == invalid + "Binary sets should not be empty");
  CHECK(item_error(R"({"a":{"SS":["x","y","x"]}})") ==
        invalid + "Input collection [x, y, x] contains duplicates.");
  // The older validation layer's words ([pvl] paritysuite/dynamodb-conformance
  // tests/tier3/error-messages/valueLayers.test.ts, 2026-10-09); the current layer's are
  // test_dynamodb_validation_envelope.cpp's.
  CHECK(item_error(R"({"a":{"NS":["1","1.00"]}})") == "Input collection contains duplicates");
  CHECK(item_error(R"({"a":{"BS":["AQ==","AQ=="]}})") ==
        invalid + "Input collection [AQ==, AQ==]of type BS contains duplicates.");
  CHECK(item_error(R"({"a":{"N":"x1"}})") ==
        "The parameter cannot be converted to a numeric value: x1");
  CHECK_FALSE(item_error(R"({"a":{"S":5}})").empty());
  CHECK_FALSE(item_error(R"({"a":{"B":"not base64!"}})").empty());
  // 32 levels of nesting are allowed, 33 are not.
  std::string deep = R"({"a":)";
  for (int i = 0; i < 33; ++i) deep += R"({"L":[)";
  deep += R"({"S":"x"})";
  for (int i = 0; i < 33; ++i) deep += "]}";
  deep += "}";
  CHECK(item_error(deep.c_str()) == "Nesting Levels have exceeded supported limits");
}

TEST_CASE("item sizes follow DynamoDB's rules") {
  auto size = [](const char* item) {
    return gh::plugins::dynamodb::item_size(json::parse(item).as_object());
  };
  CHECK(size(R"({"ab":{"S":"xyz"}})") == 5);
  CHECK(size(R"({"n":{"N":"12345"}})") == 1 + 4);  // 5 digits: 3 bytes + 1
  CHECK(size(R"({"b":{"BOOL":true},"z":{"NULL":true}})") == 4);
  CHECK(size(R"({"l":{"L":[{"S":"ab"},{"S":"c"}]}})") == 1 + 3 + (1 + 2) + (1 + 1));
  CHECK(size(R"({"m":{"M":{"k":{"S":"v"}}}})") == 1 + 3 + 1 + 1 + 1);
  CHECK(size(R"({"b":{"B":"AAEC"}})") == 1 + 3);
}

TEST_CASE("key bytes order as DynamoDB orders keys") {
  auto bytes = [](const char* value, ScalarType type) {
    auto b = gh::plugins::dynamodb::key_bytes(json::parse(value), type);
    REQUIRE(b);
    return *b;
  };
  std::vector<std::string> numbers = {R"({"N":"-100"})",  R"({"N":"-1.5"})", R"({"N":"0"})",
                                      R"({"N":"0.001"})", R"({"N":"2"})",    R"({"N":"10"})"};
  for (std::size_t i = 1; i < numbers.size(); ++i) {
    CHECK(bytes(numbers[i - 1].c_str(), ScalarType::kNumber) <
          bytes(numbers[i].c_str(), ScalarType::kNumber));
  }
  CHECK(bytes(R"({"N":"1"})", ScalarType::kNumber) == bytes(R"({"N":"1.0"})", ScalarType::kNumber));
  CHECK(bytes(R"({"S":"B"})", ScalarType::kString) < bytes(R"({"S":"a"})", ScalarType::kString));
  CHECK(bytes(R"({"B":"AP8="})", ScalarType::kBinary) == std::string("\x00\xff", 2));
  CHECK_FALSE(gh::plugins::dynamodb::key_bytes(json::parse(R"({"S":"1"})"), ScalarType::kNumber));
}

TEST_CASE("CreateTable requests are checked as DynamoDB checks them") {
  const char* ok = R"({"TableName":"t_1.x-y","KeySchema":[{"AttributeName":"a","KeyType":"HASH"},
      {"AttributeName":"b","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"a",
      "AttributeType":"S"},{"AttributeName":"b","AttributeType":"N"}],"BillingMode":"PAY_PER_REQUEST"})";
  auto parsed = gh::plugins::dynamodb::parse_create_table(json::parse(ok).as_object());
  REQUIRE(std::holds_alternative<gh::plugins::dynamodb::TableSchema>(parsed));
  const auto& t = std::get<gh::plugins::dynamodb::TableSchema>(parsed);
  CHECK(t.hash.name == "a");
  REQUIRE(t.range);
  CHECK(t.range->type == ScalarType::kNumber);
  CHECK(t.pay_per_request);
  // The persisted form reads back the same.
  auto back = gh::plugins::dynamodb::TableSchema::from_json(t.to_json());
  REQUIRE(back);
  CHECK(json::serialize(back->description("arn", "ACTIVE", 0, 0)) ==
        json::serialize(t.description("arn", "ACTIVE", 0, 0)));

  CHECK(create_error(R"({"KeySchema":[],"AttributeDefinitions":[]})") ==
        "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: "
        "Member must not be null");
  CHECK(create_error(R"({"TableName":"tbl","AttributeDefinitions":[]})") ==
        "1 validation error detected: Value null at 'keySchema' failed to satisfy constraint: "
        "Member must not be null");
  CHECK(create_error(R"({"TableName":"tbl","KeySchema":[{"AttributeName":"a","KeyType":"HASH"},
      {"AttributeName":"a","KeyType":"RANGE"}],"AttributeDefinitions":[{"AttributeName":"a",
      "AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"})") ==
        "Both the Hash Key and the Range Key element in the KeySchema have the same name");
  CHECK(create_error(R"({"TableName":"tbl","KeySchema":[{"AttributeName":"a","KeyType":"HASH"}],
      "AttributeDefinitions":[{"AttributeName":"a","AttributeType":"X"}],
      "BillingMode":"PAY_PER_REQUEST"})") ==
        "1 validation error detected: Value 'X' at 'attributeDefinitions.member.attributeType' "
        "failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]");
  CHECK(create_error(R"({"TableName":"tbl","KeySchema":[{"AttributeName":"a","KeyType":"HASH"}],
      "AttributeDefinitions":[{"AttributeName":"a","AttributeType":"S"}],
      "ProvisionedThroughput":{"ReadCapacityUnits":0,"WriteCapacityUnits":1}})") ==
        "1 validation error detected: Value 0 at 'provisionedThroughput.readCapacityUnits' failed "
        "to satisfy constraint: Member must have value greater than or equal to 1");
}

TEST_CASE("a write to a table deleted and created again in between is refused") {
  // The caller looked the table up, then DeleteTable and CreateTable ran: its write must not
  // land in the new table (items of the old key schema would show up there).
  gh::plugins::dynamodb::Store store(":memory:");
  const char* create = R"({"TableName":"tbl","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
      "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
      "BillingMode":"PAY_PER_REQUEST"})";
  auto first = std::get<gh::plugins::dynamodb::TableSchema>(
      gh::plugins::dynamodb::parse_create_table(json::parse(create).as_object()));
  REQUIRE_FALSE(store.create_table(first));
  REQUIRE(std::holds_alternative<gh::plugins::dynamodb::TableSchema>(store.delete_table("tbl")));
  auto second = std::get<gh::plugins::dynamodb::TableSchema>(
      gh::plugins::dynamodb::parse_create_table(json::parse(create).as_object()));
  REQUIRE_FALSE(store.create_table(second));
  using Store = gh::plugins::dynamodb::Store;
  auto put = [](const std::optional<std::string>&) {
    return std::variant<Store::Change, gh::plugins::dynamodb::DynamoError>(
        Store::Change{Store::Change::Action::kPut, R"({"id":{"S":"a"}})", 5});
  };
  // needs_old false: the table is checked before the write, read or not.
  auto stale = store.mutate(first, Store::Key{"a", ""}, put, false);
  REQUIRE(std::holds_alternative<gh::plugins::dynamodb::DynamoError>(stale));
  CHECK(std::get<gh::plugins::dynamodb::DynamoError>(stale).type.ends_with(
      "ResourceNotFoundException"));
  CHECK(std::holds_alternative<std::optional<std::string>>(
      store.mutate(second, Store::Key{"a", ""}, put, false)));
  auto stats = std::get<Store::Stats>(store.stats("tbl"));
  CHECK(stats.items == 1);
}
