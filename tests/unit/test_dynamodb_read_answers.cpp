// GetItem, Query and Scan answer as JSON text with stored items copied in as they are
// (plugins/dynamodb/operations.hpp, TextResult): the text must be exactly DynamoDB's answer in
// every mode, whether a row is copied (no filter, no projection) or parsed and rewritten.
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <variant>

#include "plugins/dynamodb/operations.hpp"
#include "plugins/dynamodb/store.hpp"

namespace {

namespace json = boost::json;
namespace ddb = gh::plugins::dynamodb;

struct Fixture {
  ddb::Store store{":memory:"};
  ddb::ops::Env env{store, {}};

  Fixture() {
    must(ddb::ops::create_table(env, request(R"({"TableName":"tbl",
        "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
        "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},
                                {"AttributeName":"sk","AttributeType":"N"},
                                {"AttributeName":"g","AttributeType":"S"}],
        "GlobalSecondaryIndexes":[{"IndexName":"byg",
            "KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],
            "Projection":{"ProjectionType":"KEYS_ONLY"}}],
        "BillingMode":"PAY_PER_REQUEST"})")));
    for (int sk = 1; sk <= 3; ++sk) {
      must(ddb::ops::put_item(
          env, request(R"({"TableName":"tbl","Item":{"pk":{"S":"a"},"sk":{"N":")" +
                       std::to_string(sk) + R"("},"n":{"N":")" + std::to_string(sk * 10) +
                       R"("},"g":{"S":"x"},"tags":{"SS":["q","p"]}}})")));
    }
  }

  static json::object request(const std::string& text) { return json::parse(text).as_object(); }
  static void must(const ddb::ops::Result& r) {
    if (auto* e = std::get_if<ddb::DynamoError>(&r)) FAIL(e->type << ": " << e->message);
  }
  /// The text answer, checked to be what as_object() (route integrations) reads back.
  std::string text(ddb::ops::TextResult (*op)(const ddb::ops::Env&, const json::object&),
                   const std::string& req) {
    ddb::ops::TextResult r = op(env, request(req));
    if (auto* e = std::get_if<ddb::DynamoError>(&r)) FAIL(e->type << ": " << e->message);
    std::string out = std::get<std::string>(r);
    auto object = ddb::ops::as_object(ddb::ops::TextResult(out));
    REQUIRE(std::holds_alternative<json::object>(object));
    CHECK(json::serialize(std::get<json::object>(object)) == out);
    return out;
  }
};

const std::string kItem1 = R"({"pk":{"S":"a"},"sk":{"N":"1"},"n":{"N":"10"},"g":{"S":"x"},)"
                           R"("tags":{"SS":["q","p"]}})";
const std::string kItem2 = R"({"pk":{"S":"a"},"sk":{"N":"2"},"n":{"N":"20"},"g":{"S":"x"},)"
                           R"("tags":{"SS":["q","p"]}})";
const std::string kItem3 = R"({"pk":{"S":"a"},"sk":{"N":"3"},"n":{"N":"30"},"g":{"S":"x"},)"
                           R"("tags":{"SS":["q","p"]}})";

}  // namespace

TEST_CASE("GetItem answers with the stored item, projected or sized when asked") {
  Fixture f;
  using ddb::ops::get_item_text;
  CHECK(f.text(get_item_text, R"({"TableName":"tbl","Key":{"pk":{"S":"a"},"sk":{"N":"2"}}})") ==
        R"({"Item":)" + kItem2 + "}");
  CHECK(f.text(get_item_text, R"({"TableName":"tbl","Key":{"pk":{"S":"a"},"sk":{"N":"9"}}})") ==
        "{}");
  CHECK(f.text(get_item_text, R"({"TableName":"tbl","Key":{"pk":{"S":"a"},"sk":{"N":"2"}},
                                  "ProjectionExpression":"n, sk"})") ==
        R"({"Item":{"n":{"N":"20"},"sk":{"N":"2"}}})");
  CHECK(f.text(get_item_text, R"({"TableName":"tbl","Key":{"pk":{"S":"a"},"sk":{"N":"2"}},
                                  "ReturnConsumedCapacity":"TOTAL","ConsistentRead":true})") ==
        R"({"Item":)" + kItem2 + R"(,"ConsumedCapacity":{"TableName":"tbl","CapacityUnits":1E0}})");
  CHECK(f.text(get_item_text, R"({"TableName":"tbl","Key":{"pk":{"S":"a"},"sk":{"N":"9"}},
                                  "ReturnConsumedCapacity":"INDEXES"})") ==
        R"({"ConsumedCapacity":{"TableName":"tbl","CapacityUnits":5E-1,)"
        R"("Table":{"CapacityUnits":5E-1}}})");
}

TEST_CASE("Query and Scan pages: copied rows, filtered and projected rows, counts, page keys") {
  Fixture f;
  using ddb::ops::query_text;
  using ddb::ops::scan_text;
  const std::string partition =
      R"("TableName":"tbl","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"a"})";
  CHECK(f.text(query_text, "{" + partition + "}}") == R"({"Items":[)" + kItem1 + "," + kItem2 +
                                                          "," + kItem3 +
                                                          R"(],"Count":3,"ScannedCount":3})");
  CHECK(f.text(query_text, "{" + partition + R"(},"ScanIndexForward":false,"Limit":2})") ==
        R"({"Items":[)" + kItem3 + "," + kItem2 +
            R"(],"Count":2,"ScannedCount":2,"LastEvaluatedKey":{"pk":{"S":"a"},"sk":{"N":"2"}}})");
  // A filter drops rows after the page is read: Count and ScannedCount differ.
  CHECK(f.text(query_text, R"({"TableName":"tbl","KeyConditionExpression":"pk = :p",
                               "FilterExpression":"n > :n",
                               "ExpressionAttributeValues":{":p":{"S":"a"},":n":{"N":"15"}}})") ==
        R"({"Items":[)" + kItem2 + "," + kItem3 + R"(],"Count":2,"ScannedCount":3})");
  CHECK(f.text(query_text, "{" + partition + R"(},"ProjectionExpression":"sk"})") ==
        R"({"Items":[{"sk":{"N":"1"}},{"sk":{"N":"2"}},{"sk":{"N":"3"}}],"Count":3,)"
        R"("ScannedCount":3})");
  CHECK(f.text(query_text, "{" + partition + R"(},"Select":"COUNT","Limit":1})") ==
        R"({"Count":1,"ScannedCount":1,"LastEvaluatedKey":{"pk":{"S":"a"},"sk":{"N":"1"}}})");
  CHECK(f.text(query_text, R"({"TableName":"tbl","KeyConditionExpression":"pk = :p",
                               "ExpressionAttributeValues":{":p":{"S":"none"}},
                               "ReturnConsumedCapacity":"TOTAL"})") ==
        R"({"Items":[],"Count":0,"ScannedCount":0,)"
        R"("ConsumedCapacity":{"TableName":"tbl","CapacityUnits":5E-1}})");
  // On a KEYS_ONLY GSI a row is cut down to the keys; the page key names both key schemas.
  CHECK(
      f.text(query_text, R"({"TableName":"tbl","IndexName":"byg","KeyConditionExpression":"g = :g",
                               "ExpressionAttributeValues":{":g":{"S":"x"}},"Limit":1})") ==
      R"({"Items":[{"pk":{"S":"a"},"sk":{"N":"1"},"g":{"S":"x"}}],"Count":1,"ScannedCount":1,)"
      R"("LastEvaluatedKey":{"pk":{"S":"a"},"sk":{"N":"1"},"g":{"S":"x"}}})");
  CHECK(f.text(scan_text, R"({"TableName":"tbl","Limit":5})") ==
        R"({"Items":[)" + kItem1 + "," + kItem2 + "," + kItem3 +
            R"(],"Count":3,"ScannedCount":3})");
  CHECK(f.text(scan_text, R"({"TableName":"tbl","Select":"COUNT"})") ==
        R"({"Count":3,"ScannedCount":3})");
}
