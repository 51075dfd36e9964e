// Group commit (plugins/dynamodb/group_commit.hpp, Store::run_group): writes queued together
// share one SQLite transaction, each still atomic on its own, and every caller is answered only
// after the COMMIT, with the group's failure if it could not commit.
#include <doctest/doctest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "gateway/core/blocking_pool.hpp"
#include "plugins/dynamodb/group_commit.hpp"
#include "plugins/dynamodb/operations.hpp"
#include "plugins/dynamodb/store.hpp"

namespace {

namespace json = boost::json;
namespace ddb = gh::plugins::dynamodb;
using ddb::Store;

json::object request(const std::string& text) { return json::parse(text).as_object(); }

const char* kCreate = R"({"TableName":"tbl","BillingMode":"PAY_PER_REQUEST",
    "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
    "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}]})";

json::object put(const std::string& id, const std::string& extra = "") {
  return request(R"({"TableName":"tbl","Item":{"id":{"S":")" + id + R"("}})" + extra + "}");
}

bool has_item(ddb::ops::Env& env, const std::string& id) {
  auto got =
      ddb::ops::get_item(env, request(R"({"TableName":"tbl","Key":{"id":{"S":")" + id + R"("}}})"));
  REQUIRE(std::holds_alternative<json::object>(got));
  return std::get<json::object>(got).contains("Item");
}

}  // namespace

TEST_CASE("run_group: one transaction, each write atomic on its own, later jobs see earlier ones") {
  Store store(":memory:");
  ddb::ops::Env env{store, {}};
  REQUIRE(std::holds_alternative<json::object>(ddb::ops::create_table(env, request(kCreate))));
  auto schema = std::get<ddb::TableSchema>(store.table("tbl"));

  std::vector<ddb::ops::Result> results(5);
  bool saw_a = false;
  std::vector<std::function<void()>> jobs = {
      [&] { results[0] = ddb::ops::put_item(env, put("a")); },
      // A condition that fails: its write is refused, the group goes on.
      [&] {
        results[1] = ddb::ops::put_item(
            env, put("a", R"x(,"ConditionExpression":"attribute_not_exists(id)")x"));
      },
      // A batch that fails half-way (its second write names a table id that no longer is):
      // its first write is undone with it, nothing else is.
      [&] {
        std::vector<Store::Write> writes(2);
        writes[0] = {"tbl", schema.table_id, Store::Key{"x", ""}, R"({"id":{"S":"x"}})", 5};
        writes[1] = {"tbl", "stale", Store::Key{"y", ""}, R"({"id":{"S":"y"}})", 5};
        auto e = store.write_batch(writes);
        REQUIRE(e);
        results[2] = *e;
      },
      [&] { saw_a = has_item(env, "a"); },
      [&] { results[4] = ddb::ops::put_item(env, put("b")); },
  };
  CHECK_FALSE(store.run_group(jobs));
  CHECK(std::holds_alternative<json::object>(results[0]));
  REQUIRE(std::holds_alternative<ddb::DynamoError>(results[1]));
  CHECK(std::get<ddb::DynamoError>(results[1]).type.ends_with("ConditionalCheckFailedException"));
  CHECK(std::get<ddb::DynamoError>(results[2]).type.ends_with("ResourceNotFoundException"));
  CHECK(saw_a);
  CHECK(std::holds_alternative<json::object>(results[4]));
  CHECK(has_item(env, "a"));
  CHECK(has_item(env, "b"));
  CHECK_FALSE(has_item(env, "x"));
  CHECK(std::get<Store::Stats>(store.stats("tbl")).items == 2);
  // Writes outside a group still commit on their own.
  CHECK(std::holds_alternative<json::object>(ddb::ops::put_item(env, put("c"))));
  CHECK(std::get<Store::Stats>(store.stats("tbl")).items == 3);
}

TEST_CASE("PutItem over an item, in a group and alone: the old item is read only when asked for") {
  Store store(":memory:");
  ddb::ops::Env env{store, {}};
  REQUIRE(std::holds_alternative<json::object>(ddb::ops::create_table(env, request(kCreate))));
  auto value_of = [&](const std::string& id) {
    auto got = ddb::ops::get_item(
        env, request(R"({"TableName":"tbl","Key":{"id":{"S":")" + id + R"("}}})"));
    REQUIRE(std::holds_alternative<json::object>(got));
    return json::serialize(std::get<json::object>(got).at("Item").at("v"));
  };
  auto put_v = [&](const std::string& id, int v, const std::string& extra = "") {
    const std::string text = R"({"TableName":"tbl","Item":{"id":{"S":")" + id + R"("},"v":{"N":")" +
                             std::to_string(v) + R"("}})" + extra + "}";
    auto r = ddb::ops::put_item(env, request(text));
    REQUIRE(std::holds_alternative<json::object>(r));
    return std::get<json::object>(r);
  };
  CHECK(put_v("a", 1).empty());
  CHECK(put_v("a", 2).empty());  // no ReturnValues: nothing about the old item
  CHECK(value_of("a") == R"({"N":"2"})");
  CHECK(json::serialize(put_v("a", 3, R"(,"ReturnValues":"ALL_OLD")").at("Attributes")) ==
        R"({"id":{"S":"a"},"v":{"N":"2"}})");
  std::vector<std::function<void()>> jobs = {[&] { put_v("a", 4); }, [&] { put_v("b", 1); },
                                             [&] { put_v("b", 2); }};
  CHECK_FALSE(store.run_group(jobs));
  CHECK(value_of("a") == R"({"N":"4"})");
  CHECK(value_of("b") == R"({"N":"2"})");
  CHECK(std::get<Store::Stats>(store.stats("tbl")).items == 2);
}

TEST_CASE("run_group: a job that throws undoes the whole group and leaves the store usable") {
  Store store(":memory:");
  ddb::ops::Env env{store, {}};
  REQUIRE(std::holds_alternative<json::object>(ddb::ops::create_table(env, request(kCreate))));
  std::vector<std::function<void()>> jobs = {
      [&] { REQUIRE(std::holds_alternative<json::object>(ddb::ops::put_item(env, put("a")))); },
      [] { throw std::runtime_error("job failed"); },
      [&] { FAIL("a job after the one that threw ran"); },
  };
  CHECK_THROWS_WITH(store.run_group(jobs), "job failed");
  CHECK_FALSE(has_item(env, "a"));
  // Neither the lock nor a transaction is left behind: writes on this thread commit alone.
  CHECK(std::holds_alternative<json::object>(ddb::ops::put_item(env, put("b"))));
  CHECK(has_item(env, "b"));
  std::vector<std::function<void()>> next = {
      [&] { CHECK(std::holds_alternative<json::object>(ddb::ops::put_item(env, put("c")))); }};
  CHECK_FALSE(store.run_group(next));
  CHECK(std::get<Store::Stats>(store.stats("tbl")).items == 2);
}

namespace {

/// Sends `count` PutItems through a GroupCommit from coroutines on two io_context threads, as
/// the services endpoint does; returns each one's result.
std::vector<ddb::ops::Result> put_concurrently(Store& store, int count) {
  ddb::ops::Env env{store, {}};
  gh::core::BlockingPool pool(2);
  ddb::GroupCommit group(store, pool);
  boost::asio::io_context io;
  std::vector<ddb::ops::Result> results(count);
  std::atomic<int> done{0};
  for (int i = 0; i < count; ++i) {
    boost::asio::co_spawn(
        io,
        [&, i]() -> boost::asio::awaitable<void> {
          // Item 7 is invalid (an empty string set): refused alone.
          json::object req = i == 7 ? put("k7", "") : put("k" + std::to_string(i));
          if (i == 7) req["Item"].as_object()["bad"] = json::parse(R"({"SS":[]})");
          results[i] =
              co_await group.run<ddb::ops::Result>([&] { return ddb::ops::put_item(env, req); });
          ++done;
        },
        boost::asio::detached);
  }
  std::thread second([&] { io.run(); });
  io.run();
  second.join();
  CHECK(done == count);
  pool.join();
  return results;
}

}  // namespace

TEST_CASE("GroupCommit: concurrent writes are all answered after they committed") {
  Store store(":memory:");
  ddb::ops::Env env{store, {}};
  REQUIRE(std::holds_alternative<json::object>(ddb::ops::create_table(env, request(kCreate))));
  auto results = put_concurrently(store, 300);
  for (int i = 0; i < 300; ++i) {
    if (i == 7) {
      REQUIRE(std::holds_alternative<ddb::DynamoError>(results[i]));
      CHECK(std::get<ddb::DynamoError>(results[i]).type.ends_with("ValidationException"));
    } else {
      CHECK(std::holds_alternative<json::object>(results[i]));
    }
  }
  CHECK(std::get<Store::Stats>(store.stats("tbl")).items == 299);
  CHECK_FALSE(has_item(env, "k7"));
  CHECK(has_item(env, "k299"));
}

TEST_CASE("GroupCommit: a group that cannot begin answers every write with its error") {
  // The store's directory is a file: the database cannot be opened, so no group can begin.
  auto dir =
      std::filesystem::temp_directory_path() / ("gh-group-commit-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "file") << "not a directory";
  Store store((dir / "file" / "store.db").string());
  auto results = put_concurrently(store, 20);
  for (const auto& r : results) {
    REQUIRE(std::holds_alternative<ddb::DynamoError>(r));
    CHECK(std::get<ddb::DynamoError>(r).status == 500);
  }
  std::filesystem::remove_all(dir);
}
