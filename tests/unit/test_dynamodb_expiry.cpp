// Time to Live's deletes (plugins/dynamodb/store_expiry.cpp, ttl_sweeper.hpp) on an in-memory
// store: which items expire (a top-level Number in the past, at most five years old), the
// limit of a call, attribute names that JSON paths cannot spell, and the sweeper's thread.
#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <string>
#include <thread>

#include "plugins/dynamodb/attribute_value.hpp"
#include "plugins/dynamodb/store.hpp"
#include "plugins/dynamodb/table_schema.hpp"
#include "plugins/dynamodb/ttl_sweeper.hpp"

namespace {

namespace json = boost::json;
namespace ddb = gh::plugins::dynamodb;
using ddb::Store;

constexpr std::int64_t kNow = 1'700'000'000;
constexpr std::int64_t kYear = 365LL * 24 * 60 * 60;

ddb::TableSchema create(Store& store, const char* name = "tbl") {
  std::string request = std::string(R"({"TableName":")") + name +
                        R"(","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
      "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],
      "BillingMode":"PAY_PER_REQUEST"})";
  auto schema =
      std::get<ddb::TableSchema>(ddb::parse_create_table(json::parse(request).as_object()));
  REQUIRE_FALSE(store.create_table(schema));
  return schema;
}

Store::Key key_of(const std::string& id) {
  return Store::Key{*ddb::key_bytes(json::value{{"S", id}}, ddb::ScalarType::kString), ""};
}

/// Puts the item `{"id":{"S":id}, <attributes>}` (attributes: DynamoDB JSON members, or "").
void put(Store& store, const ddb::TableSchema& t, const std::string& id,
         const std::string& attributes) {
  std::string text =
      R"({"id":{"S":")" + id + "\"}" + (attributes.empty() ? "" : ",") + attributes + "}";
  json::value item = json::parse(text);
  REQUIRE_FALSE(ddb::normalize_item(item));
  Store::Change change{Store::Change::Action::kPut, json::serialize(item),
                       ddb::item_size(item.as_object())};
  auto written = store.mutate(
      t, key_of(id),
      [&](const std::optional<std::string>&) {
        return std::variant<Store::Change, ddb::DynamoError>(change);
      },
      true);
  REQUIRE(std::holds_alternative<std::optional<std::string>>(written));
}

bool exists(Store& store, const std::string& id, const char* table = "tbl") {
  auto item = store.get(table, key_of(id));
  REQUIRE(std::holds_alternative<std::optional<std::string>>(item));
  return std::get<std::optional<std::string>>(item).has_value();
}

std::size_t expire(Store& store, const ddb::TableSchema& t, std::string_view attribute,
                   std::size_t limit = 1000, std::int64_t now = kNow) {
  auto deleted = store.expire(t, attribute, now, limit);
  REQUIRE(std::holds_alternative<std::size_t>(deleted));
  return std::get<std::size_t>(deleted);
}

std::string n(std::int64_t v) { return R"({"N":")" + std::to_string(v) + "\"}"; }

}  // namespace

TEST_CASE("expire deletes items whose TTL attribute is a Number in the past") {
  Store store(":memory:");
  auto t = create(store);
  put(store, t, "past", R"("ttl":)" + n(kNow - 1));
  put(store, t, "fraction", R"("ttl":{"N":"1699999999.5"})");
  put(store, t, "exponent", R"("ttl":{"N":"1.6E9"})");
  put(store, t, "four-years", R"("ttl":)" + n(kNow - 4 * kYear));
  put(store, t, "now", R"("ttl":)" + n(kNow));  // not below now: not yet expired
  put(store, t, "future", R"("ttl":)" + n(kNow + 60));
  put(store, t, "milliseconds", R"("ttl":)" + n(kNow * 1000 - 5));  // far future as seconds
  put(store, t, "six-years", R"("ttl":)" + n(kNow - 6 * kYear));    // ignored, not deleted
  put(store, t, "negative", R"("ttl":{"N":"-1"})");
  put(store, t, "string", R"("ttl":{"S":"1"})");
  put(store, t, "set", R"("ttl":{"NS":["1"]})");
  put(store, t, "list", R"("ttl":{"L":[{"N":"1"}]})");
  put(store, t, "nested", R"("m":{"M":{"ttl":{"N":"1"}}})");
  put(store, t, "map-with-N", R"("ttl":{"M":{"N":{"N":"1"}}})");
  put(store, t, "absent", R"("other":{"N":"1"})");
  put(store, t, "bare", "");

  CHECK(expire(store, t, "ttl") == 4);
  for (const char* gone : {"past", "fraction", "exponent", "four-years"}) {
    CHECK_MESSAGE(!exists(store, gone), gone);
  }
  for (const char* kept : {"now", "future", "milliseconds", "six-years", "negative", "string",
                           "set", "list", "nested", "map-with-N", "absent", "bare"}) {
    CHECK_MESSAGE(exists(store, kept), kept);
  }
  CHECK(expire(store, t, "ttl") == 0);
  CHECK(expire(store, t, "ttl", 1000, kNow + 61) == 2);  // "now" and "future" in their turn
  auto stats = std::get<Store::Stats>(store.stats("tbl"));
  CHECK(stats.items == 10);
}

TEST_CASE("expire honours its limit, across the steps of a long table") {
  Store store(":memory:");
  auto t = create(store);
  // 700 items, every other one expired: more rows than one locked step examines.
  for (int i = 0; i < 700; ++i) {
    char id[8];
    std::snprintf(id, sizeof id, "%04d", i);
    put(store, t, id, R"("ttl":)" + n(i % 2 ? kNow + 100 : kNow - 100));
  }
  CHECK(expire(store, t, "ttl", 3) == 3);
  CHECK_FALSE(exists(store, "0000"));
  CHECK_FALSE(exists(store, "0004"));
  CHECK(exists(store, "0006"));  // the fourth expired item waits for the next call
  CHECK(expire(store, t, "ttl", 0) == 0);
  CHECK(expire(store, t, "ttl", 300) == 300);
  CHECK(expire(store, t, "ttl", 300) == 47);
  CHECK(expire(store, t, "ttl", 300) == 0);
  CHECK(std::get<Store::Stats>(store.stats("tbl")).items == 350);
  CHECK(exists(store, "0699"));
  CHECK_FALSE(exists(store, "0698"));
}

TEST_CASE("attribute names with dots, quotes and path syntax match exactly") {
  Store store(":memory:");
  auto t = create(store);
  put(store, t, "dotted", R"("a.b":)" + n(kNow - 1));
  put(store, t, "nested", R"("a":{"M":{"b":)" + n(kNow - 1) + "}}");
  put(store, t, "quoted", R"("say \"hi\"":)" + n(kNow - 1));
  put(store, t, "path", R"("$[0].x":)" + n(kNow - 1));
  put(store, t, "unicode", R"("é\u0001":)" + n(kNow - 1));

  CHECK(expire(store, t, "a.b") == 1);
  CHECK_FALSE(exists(store, "dotted"));
  CHECK(exists(store, "nested"));  // a.b is a name, not a path into the map a
  CHECK(expire(store, t, "a") == 0);
  CHECK(expire(store, t, "say \"hi\"") == 1);
  CHECK_FALSE(exists(store, "quoted"));
  CHECK(expire(store, t, "$[0].x") == 1);
  CHECK(expire(store, t, "é\x01") == 1);
  CHECK(expire(store, t, "say") == 0);
  CHECK(std::get<Store::Stats>(store.stats("tbl")).items == 1);
}

TEST_CASE("expire refuses a table deleted, or deleted and created again, since it was read") {
  Store store(":memory:");
  auto old = create(store);
  put(store, old, "x", R"("ttl":)" + n(kNow - 1));
  REQUIRE(std::holds_alternative<ddb::TableSchema>(store.delete_table("tbl")));
  auto gone = store.expire(old, "ttl", kNow, 10);
  REQUIRE(std::holds_alternative<ddb::DynamoError>(gone));
  CHECK(std::get<ddb::DynamoError>(gone).type.ends_with("#ResourceNotFoundException"));
  auto fresh = create(store);
  put(store, fresh, "x", R"("ttl":)" + n(kNow - 1));
  CHECK(std::holds_alternative<ddb::DynamoError>(store.expire(old, "ttl", kNow, 10)));
  CHECK(exists(store, "x"));
}

TEST_CASE("the sweeper expires the tables with TTL enabled, and no others") {
  Store store(":memory:");
  ddb::TtlSweeper sweeper(store, std::chrono::hours(1));  // the thread stays idle: sweep() by hand
  CHECK(sweeper.sweep(kNow) == 0);
  CHECK_FALSE(store.is_open());  // the sweeper never opens the store itself

  auto on = create(store, "ttl-on");
  auto off = create(store, "ttl-off");
  put(store, on, "x", R"("ttl":)" + n(kNow - 1));
  put(store, off, "x", R"("ttl":)" + n(kNow - 1));
  REQUIRE_FALSE(
      store.update_table("ttl-on", [](ddb::TableSchema& s) -> std::optional<ddb::DynamoError> {
        s.ttl_attribute = "ttl";
        return std::nullopt;
      }));
  CHECK(sweeper.sweep(kNow) == 1);
  CHECK_FALSE(exists(store, "x", "ttl-on"));
  CHECK(exists(store, "x", "ttl-off"));
}

TEST_CASE("the sweeper's thread deletes on its own and stops at once when destroyed") {
  Store store(":memory:");
  auto t = create(store);
  REQUIRE_FALSE(
      store.update_table("tbl", [](ddb::TableSchema& s) -> std::optional<ddb::DynamoError> {
        s.ttl_attribute = "expires";
        return std::nullopt;
      }));
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  put(store, t, "old", R"("expires":)" + n(now - 60));
  put(store, t, "new", R"("expires":)" + n(now + 3600));
  {
    ddb::TtlSweeper sweeper(store, std::chrono::milliseconds(10));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (exists(store, "old") && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  CHECK_FALSE(exists(store, "old"));
  CHECK(exists(store, "new"));

  auto started = std::chrono::steady_clock::now();
  { ddb::TtlSweeper idle(store, std::chrono::hours(1)); }
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(1));
}
