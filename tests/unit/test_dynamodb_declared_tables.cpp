// Tables declared in the YAML (plugins/dynamodb/declared_table.hpp): the declaration read into
// a CreateTable request (keys, GSIs, LSIs, billing, TTL, tags), refused with CreateTable's own
// words at the right line:col, and provisioned on an in-memory store: created with TTL and seed,
// or, where the table exists, completed (a declared GSI, TTL, tags) and otherwise left alone.
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <variant>

#include "gateway/config/yaml_reader.hpp"
#include "gateway/core/services.hpp"
#include "plugins/dynamodb/dynamodb_settings.hpp"
#include "plugins/dynamodb/operation_table.hpp"
#include "plugins/dynamodb/store.hpp"

namespace {

namespace json = boost::json;
namespace ddb = gh::plugins::dynamodb;

struct Parsed {
  gh::config::Diagnostics diags;
  ddb::DynamoDbSettings settings;
};

/// parse_settings() of a `dynamodb:` section with `tables` (YAML lines indented for it).
Parsed parse(const std::string& tables) {
  Parsed p;
  auto root = gh::config::load_yaml_text("dynamodb:\n  inMemory: true\n  tables:\n" + tables,
                                         "t.yaml", p.diags);
  REQUIRE(root);
  gh::config::Config config;
  config.root = *root;
  gh::core::Services services;
  gh::core::CompileScope scope(config, services);
  p.settings = ddb::parse_settings(scope, p.diags);
  return p;
}

std::string errors(const std::string& tables) {
  Parsed p = parse(tables);
  CHECK(p.diags.has_errors());
  return p.diags.format();
}

// Shows the whole text when the part is missing.
#define CHECK_HAS(text, part) CHECK_MESSAGE((text).find(part) != std::string::npos, (text))

constexpr const char* kOrders = R"(    - name: orders
      hashKey: {name: pk, type: S}
      rangeKey: {name: sk, type: S}
      globalSecondaryIndexes:
        - name: byCustomer
          hashKey: {name: customer, type: S}
          rangeKey: {name: placed, type: N}
          projection: {projectionType: INCLUDE, nonKeyAttributes: [total, status]}
        - name: byStatus
          hashKey: status
          projection: KEYS_ONLY
      localSecondaryIndexes:
        - name: byPlaced
          rangeKey: placed
      timeToLiveSpecification: {attributeName: expiresAt}
      tags: {team: shop, env: dev}
)";

}  // namespace

TEST_CASE("dynamodb declared tables: the full definition becomes a CreateTable request") {
  Parsed p = parse(kOrders);
  INFO(p.diags.format());
  REQUIRE_FALSE(p.diags.has_errors());
  REQUIRE(p.settings.tables.size() == 1);
  const ddb::DeclaredTable& t = p.settings.tables[0];
  CHECK(json::serialize(t.create_request) == json::serialize(json::parse(R"({
    "TableName": "orders",
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                  {"AttributeName": "sk", "KeyType": "RANGE"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                             {"AttributeName": "sk", "AttributeType": "S"},
                             {"AttributeName": "placed", "AttributeType": "N"},
                             {"AttributeName": "customer", "AttributeType": "S"},
                             {"AttributeName": "status", "AttributeType": "S"}],
    "BillingMode": "PAY_PER_REQUEST",
    "LocalSecondaryIndexes": [{"IndexName": "byPlaced", "Projection": {"ProjectionType": "ALL"},
                               "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                             {"AttributeName": "placed", "KeyType": "RANGE"}]}],
    "GlobalSecondaryIndexes": [
      {"IndexName": "byCustomer",
       "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["total", "status"]},
       "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"},
                     {"AttributeName": "placed", "KeyType": "RANGE"}]},
      {"IndexName": "byStatus", "Projection": {"ProjectionType": "KEYS_ONLY"},
       "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}]}],
    "Tags": [{"Key": "team", "Value": "shop"}, {"Key": "env", "Value": "dev"}]})")));
  CHECK(t.schema.indexes.size() == 3);
  CHECK(t.schema.index("byPlaced")->range->type == ddb::ScalarType::kNumber);
  CHECK(t.ttl_attribute == "expiresAt");
  CHECK(t.ttl_enabled);
}

TEST_CASE("dynamodb declared tables: billing mode and throughput") {
  Parsed p = parse(R"(    - name: t_a
      hashKey: id
      provisionedThroughput: {readCapacityUnits: 5, writeCapacityUnits: 2}
      globalSecondaryIndexes:
        - name: gsi
          hashKey: {name: x, type: B}
          provisionedThroughput: {readCapacityUnits: 1, writeCapacityUnits: 1}
    - name: t_b
      hashKey: id
      billingMode: PROVISIONED
      provisionedThroughput: {readCapacityUnits: 1, writeCapacityUnits: 1}
      timeToLiveSpecification: {attributeName: ttl, enabled: false}
)");
  INFO(p.diags.format());
  REQUIRE(p.settings.tables.size() == 2);
  const auto& a = p.settings.tables[0];
  CHECK(a.create_request.at("BillingMode") == "PROVISIONED");  // implied by the throughput
  CHECK_FALSE(a.schema.pay_per_request);
  CHECK(a.schema.read_capacity == 5);
  CHECK(a.schema.index("gsi")->write_capacity == 1);
  CHECK(p.settings.tables[1].create_request.at("BillingMode") == "PROVISIONED");
  CHECK(p.settings.tables[1].ttl_attribute == "ttl");
  CHECK_FALSE(p.settings.tables[1].ttl_enabled);
}

TEST_CASE("dynamodb declared tables: YAML mistakes, with line:col and did-you-mean") {
  std::string e = errors(R"(    - name: t_a
      hashKey: id
      globalSecondaryIndex: []
)");
  CHECK_HAS(e,
            "t.yaml:6:7: error: dynamodb.tables[0].globalSecondaryIndex: unknown key "
            "'globalSecondaryIndex'");
  CHECK_HAS(e, "did you mean 'globalSecondaryIndexes'?");

  e = errors(R"(    - name: t_a
      hashKey: id
      globalSecondaryIndexes:
        - name: gsi
          hashKey: {name: x, type: X}
          projection: ALL
          rangKey: y
)");
  CHECK_HAS(e,
            "t.yaml:8:36: error: dynamodb.tables[0].globalSecondaryIndexes[0].hashKey.type: "
            "unknown key type 'X' (S, N or B); did you mean 'S'?");
  CHECK_HAS(e, "unknown key 'rangKey'");
  CHECK_HAS(e, "did you mean 'rangeKey'?");

  e = errors(R"(    - name: t_a
      hashKey: id
      globalSecondaryIndexes:
        - {name: gsi, projection: ALL}
      localSecondaryIndexes:
        - {name: lsi, rangeKey: r, provisionedThroughput: {readCapacityUnits: 1}}
      provisionedThroughput: {writeCapacityUnits: 1}
      timeToLiveSpecification: {enabled: true}
      tags: [team]
)");
  CHECK_HAS(e,
            "t.yaml:7:11: error: dynamodb.tables[0].globalSecondaryIndexes[0].hashKey: missing "
            "required key 'hashKey'");
  CHECK_HAS(e,
            "localSecondaryIndexes[0].provisionedThroughput: unknown key 'provisionedThroughput'");
  CHECK_HAS(e, "provisionedThroughput.readCapacityUnits: missing required key");
  CHECK_HAS(e, "timeToLiveSpecification.attributeName: missing required key 'attributeName'");
  CHECK_HAS(e, "tags: expected a mapping of tag keys to values, got a list");
}

TEST_CASE("dynamodb declared tables: a key attribute has one type") {
  std::string e = errors(R"(    - name: t_a
      hashKey: {name: id, type: N}
      rangeKey: sk
      globalSecondaryIndexes:
        - {name: gsi, hashKey: {name: sk, type: N}, rangeKey: {name: id, type: S}}
)");
  CHECK_HAS(e,
            "t.yaml:8:63: error: dynamodb.tables[0].globalSecondaryIndexes[0].rangeKey: "
            "key attribute 'id' is of type S here, but of type N at line 5:16");
  // The short form takes the type written elsewhere.
  Parsed p = parse(R"(    - name: t_a
      hashKey: id
      rangeKey: {name: born, type: N}
      localSecondaryIndexes:
        - {name: lsi, rangeKey: {name: seen, type: N}}
      globalSecondaryIndexes:
        - {name: gsi, hashKey: born, rangeKey: seen}
)");
  INFO(p.diags.format());
  REQUIRE(p.settings.tables.size() == 1);
  CHECK(p.settings.tables[0].schema.index("gsi")->hash.type == ddb::ScalarType::kNumber);
  CHECK(p.settings.tables[0].schema.index("gsi")->range->type == ddb::ScalarType::kNumber);
}

TEST_CASE("dynamodb declared tables: CreateTable's refusals, at the key they are about") {
  // An LSI on a table without a range key: the LSI list.
  std::string e = errors(R"(    - name: t_a
      hashKey: id
      localSecondaryIndexes:
        - {name: lsi, rangeKey: r}
)");
  CHECK_HAS(e,
            "t.yaml:7:9: error: dynamodb.tables[0].localSecondaryIndexes: CreateTable "
            "refuses this table: One or more parameter values were invalid: Table "
            "KeySchema does not have a range key, which is required when specifying a "
            "LocalSecondaryIndex");
  // Each index by its position in CreateTable's member path, or by its name.
  e = errors(R"(    - name: t_a
      hashKey: id
      rangeKey: sk
      globalSecondaryIndexes:
        - {name: gsi, hashKey: x}
        - {name: gsh, hashKey: y, projection: SOME}
)");
  CHECK_HAS(e,
            "t.yaml:9:11: error: dynamodb.tables[0].globalSecondaryIndexes[1]: "
            "CreateTable refuses this table: 1 validation error detected: Value 'SOME' at "
            "'globalSecondaryIndexes.2.member.projection.projectionType' failed to "
            "satisfy constraint: Member must satisfy enum value set: [ALL, INCLUDE, "
            "KEYS_ONLY]");
  e = errors(R"(    - name: t_a
      hashKey: id
      rangeKey: sk
      localSecondaryIndexes:
        - {name: lsi, hashKey: other, rangeKey: r}
)");
  CHECK_HAS(e,
            "t.yaml:8:11: error: dynamodb.tables[0].localSecondaryIndexes[0]: "
            "CreateTable refuses this table: One or more parameter values were invalid: "
            "Index KeySchema does not have the same leading hash key as table KeySchema "
            "for index: lsi.");
  e = errors(R"(    - name: t_a
      hashKey: id
      globalSecondaryIndexes:
        - {name: gsi, hashKey: x}
        - {name: gsi, hashKey: y}
)");
  CHECK_HAS(e,
            "t.yaml:8:11: error: dynamodb.tables[0].globalSecondaryIndexes[1]: "
            "CreateTable refuses this table: One or more parameter values were invalid: "
            "Duplicate index name: gsi");
  e = errors(R"(    - name: t_a
      hashKey: id
      globalSecondaryIndexes:
        - {name: gsi, hashKey: x, projection: {projectionType: ALL, nonKeyAttributes: [n]}}
)");
  CHECK_HAS(e, "ProjectionType is ALL, but NonKeyAttributes is specified");
  // Billing: throughput on an on-demand table, a PROVISIONED GSI without it, an unknown mode.
  e = errors(R"(    - name: t_a
      hashKey: id
      billingMode: PAY_PER_REQUEST
      provisionedThroughput: {readCapacityUnits: 1, writeCapacityUnits: 1}
    - name: t_b
      hashKey: id
      provisionedThroughput: {readCapacityUnits: 1, writeCapacityUnits: 1}
      globalSecondaryIndexes:
        - {name: gsi, hashKey: x}
    - name: t_c
      hashKey: id
      billingMode: ON_DEMAND
)");
  CHECK_HAS(e,
            "t.yaml:7:30: error: dynamodb.tables[0].provisionedThroughput: CreateTable "
            "refuses this table: One or more parameter values were invalid: Neither "
            "ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode "
            "is PAY_PER_REQUEST");
  CHECK_HAS(e,
            "t.yaml:12:11: error: dynamodb.tables[1].globalSecondaryIndexes[0]: "
            "CreateTable refuses this table");
  CHECK_HAS(e,
            "t.yaml:15:20: error: dynamodb.tables[2].billingMode: CreateTable refuses "
            "this table: 1 validation error detected: Value 'ON_DEMAND' at "
            "'billingMode' failed to satisfy constraint");
  // The capacity units: CreateTable's rule, at the table's or the index's throughput.
  e = errors(R"(    - name: t_a
      hashKey: id
      provisionedThroughput: {readCapacityUnits: 0, writeCapacityUnits: 1}
)");
  CHECK_HAS(e,
            "t.yaml:6:30: error: dynamodb.tables[0].provisionedThroughput: CreateTable "
            "refuses this table: 1 validation error detected: Value 0 at "
            "'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1");
  // UpdateTimeToLive's own check of the attribute.
  e = errors(R"(    - name: t_a
      hashKey: id
      timeToLiveSpecification: {attributeName: ""}
)");
  CHECK_HAS(e,
            "timeToLiveSpecification.attributeName: UpdateTimeToLive refuses this "
            "attribute: TimeToLiveSpecification.AttributeName must be non empty");
}

namespace {

/// The embedded store's operations as provision_tables calls them.
struct LocalStore {
  ddb::Store store{":memory:"};
  ddb::ops::Env env{store, {}};
  ddb::BlockingCall call = [this](std::string_view op, const json::object& request) {
    return ddb::ops::find_operation(op)->handler(env, request);
  };
  json::object run(std::string_view op, std::string_view request) {
    auto r = call(op, json::parse(request).as_object());
    auto* e = std::get_if<ddb::DynamoError>(&r);
    INFO((e ? e->message : ""));
    REQUIRE(std::holds_alternative<json::object>(r));
    return std::get<json::object>(r);
  }
};

}  // namespace

TEST_CASE("dynamodb declared tables: provisioned with TTL and seed when created") {
  Parsed p = parse(kOrders);
  REQUIRE(p.settings.tables.size() == 1);
  ddb::DeclaredTable table = p.settings.tables[0];
  table.seed.push_back(json::parse(R"({"pk":{"S":"o1"},"sk":{"S":"1"},"customer":{"S":"ada"},
                                       "placed":{"N":"3"}})")
                           .as_object());
  LocalStore local;
  ddb::provision_tables(local.call, {table});
  json::object d = local.run("DescribeTable", R"({"TableName":"orders"})").at("Table").as_object();
  CHECK(d.at("ItemCount") == 1);
  CHECK(d.at("GlobalSecondaryIndexes").as_array().size() == 2);
  CHECK(d.at("LocalSecondaryIndexes").as_array().size() == 1);
  CHECK(local.run("DescribeTimeToLive", R"({"TableName":"orders"})") ==
        json::parse(R"({"TimeToLiveDescription":{"TimeToLiveStatus":"ENABLED",
                                                 "AttributeName":"expiresAt"}})"));
  json::object q = local.run("Query", R"({"TableName":"orders","IndexName":"byCustomer",
      "KeyConditionExpression":"customer = :c","ExpressionAttributeValues":{":c":{"S":"ada"}}})");
  CHECK(q.at("Count") == 1);
  // Installed again (a restart, a reload): nothing changes, nothing is re-seeded.
  local.run("DeleteItem", R"({"TableName":"orders","Key":{"pk":{"S":"o1"},"sk":{"S":"1"}}})");
  ddb::provision_tables(local.call, {table});
  CHECK(local.run("DescribeTable", R"({"TableName":"orders"})").at("Table").at("ItemCount") == 0);
}

TEST_CASE("dynamodb declared tables: an existing table gains a declared GSI, TTL and tags") {
  LocalStore local;
  local.run("CreateTable", R"({"TableName":"orders","BillingMode":"PAY_PER_REQUEST",
      "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},
                   {"AttributeName":"sk","KeyType":"RANGE"}],
      "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},
                              {"AttributeName":"sk","AttributeType":"S"},
                              {"AttributeName":"old","AttributeType":"S"}],
      "GlobalSecondaryIndexes":[{"IndexName":"byOld","Projection":{"ProjectionType":"ALL"},
                                 "KeySchema":[{"AttributeName":"old","KeyType":"HASH"}]}],
      "Tags":[{"Key":"team","Value":"ops"}]})");
  local.run("PutItem", R"({"TableName":"orders","Item":{"pk":{"S":"o1"},"sk":{"S":"1"},
      "customer":{"S":"ada"},"placed":{"N":"3"},"status":{"S":"new"}}})");
  Parsed p = parse(kOrders);
  REQUIRE(p.settings.tables.size() == 1);
  ddb::provision_tables(local.call, p.settings.tables);

  json::object d = local.run("DescribeTable", R"({"TableName":"orders"})").at("Table").as_object();
  // Each missing GSI added by its own UpdateTable call (one online index per call, as
  // DynamoDB allows). The undeclared byOld stays, the LSI (CreateTable only) is not made, the
  // item is untouched.
  auto gsi_names = [&] {
    std::string names;
    json::object t =
        local.run("DescribeTable", R"({"TableName":"orders"})").at("Table").as_object();
    for (const auto& i : t.at("GlobalSecondaryIndexes").as_array()) {
      names += std::string(i.at("IndexName").as_string()) + " ";
    }
    return names;
  };
  CHECK(gsi_names() == "byOld byCustomer byStatus ");
  CHECK_FALSE(d.contains("LocalSecondaryIndexes"));
  CHECK(d.at("ItemCount") == 1);
  json::object q = local.run("Query", R"({"TableName":"orders","IndexName":"byCustomer",
      "KeyConditionExpression":"customer = :c","ExpressionAttributeValues":{":c":{"S":"ada"}}})");
  CHECK(q.at("Count") == 1);  // the new index holds the existing item
  CHECK(local.run("DescribeTimeToLive", R"({"TableName":"orders"})")
            .at("TimeToLiveDescription")
            .at("TimeToLiveStatus") == "ENABLED");
  // The missing tag is added; the differing one (team) keeps the table's value.
  json::object tags =
      local.run("ListTagsOfResource",
                R"({"ResourceArn":"arn:aws:dynamodb:us-east-1:000000000000:table/orders"})");
  CHECK(json::serialize(tags.at("Tags")) ==
        R"([{"Key":"env","Value":"dev"},{"Key":"team","Value":"ops"}])");
}
