// The store's write-ahead log is copied back into the database file by a thread of its own
// (plugins/dynamodb/wal_checkpointer.hpp): it does so without further writes, the log stays
// bounded under a steady stream of writes, and every item is there after a reopen.
#include <doctest/doctest.h>

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <variant>

#include "plugins/dynamodb/operations.hpp"
#include "plugins/dynamodb/store.hpp"
#include "plugins/dynamodb/wal_checkpointer.hpp"

namespace {

namespace json = boost::json;
namespace ddb = gh::plugins::dynamodb;
namespace fs = std::filesystem;

json::object request(const std::string& text) { return json::parse(text).as_object(); }

const char* kCreate = R"({"TableName":"tbl","BillingMode":"PAY_PER_REQUEST",
    "KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],
    "AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}]})";

// Items spread over the table's pages, so most writes change a page of their own.
void put(ddb::ops::Env& env, int i) {
  std::string id = std::to_string((i * 7919) % 1000003);
  auto result =
      ddb::ops::put_item(env, request(R"({"TableName":"tbl","Item":{"id":{"S":")" + id +
                                      R"("},"v":{"S":")" + std::string(300, 'x') + R"("}}})"));
  REQUIRE(std::holds_alternative<json::object>(result));
}

std::uintmax_t size_of(const fs::path& p) {
  std::error_code ec;
  auto n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

// A log frame: a 24-byte header and a 4 KiB page.
constexpr std::uintmax_t kFrameBytes = 24 + 4096;

struct TempStore {
  TempStore() {
    std::string pattern = (fs::temp_directory_path() / "gh-wal-checkpoint-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
  }
  ~TempStore() { fs::remove_all(dir); }
  fs::path db() const { return dir / "store.db"; }
  fs::path wal() const { return dir / "store.db-wal"; }
  fs::path dir;
};

}  // namespace

TEST_CASE("the checkpoint thread copies the log back without waiting for another write") {
  TempStore t;
  ddb::Store store(t.db().string());
  ddb::ops::Env env{store, {}};
  REQUIRE(std::holds_alternative<json::object>(ddb::ops::create_table(env, request(kCreate))));
  // Until a checkpoint, changed pages are only in the log: the database file holds a few.
  const auto before = size_of(t.db());
  // Just past the point where the thread is woken (the log only grows until its first
  // checkpoint), then no more writes.
  for (int i = 0; i < 100000; ++i) {
    if (size_of(t.wal()) > ddb::WalCheckpointer::kWakeFrames * kFrameBytes) break;
    put(env, i);
  }
  REQUIRE(size_of(t.wal()) > ddb::WalCheckpointer::kWakeFrames * kFrameBytes);
  REQUIRE(size_of(t.wal()) < ddb::WalCheckpointer::kCatchUpFrames * kFrameBytes);
  // The thread's checkpoints write the table's pages into the file, with no further write to
  // prompt them (nothing else checkpoints: SQLite's automatic one is replaced).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (size_of(t.db()) <= before && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(size_of(t.db()) > before);
}

TEST_CASE("the log stays bounded under a steady stream of writes; every item survives a reopen") {
  TempStore t;
  constexpr int kItems = 12000;
  std::uintmax_t largest = 0;
  {
    ddb::Store store(t.db().string());
    ddb::ops::Env env{store, {}};
    REQUIRE(std::holds_alternative<json::object>(ddb::ops::create_table(env, request(kCreate))));
    for (int i = 0; i < kItems; ++i) {
      put(env, i);
      largest = std::max(largest, size_of(t.wal()));
    }
    // Without the writer's catch-up the log is never restarted while writes keep coming:
    // these writes fill several times kCatchUpFrames.
  }
  MESSAGE("largest log: " << largest / kFrameBytes << " frames");
  // The catch-up waits out a checkpoint the thread is running: writes go on meanwhile.
  CHECK(largest <= 2 * ddb::WalCheckpointer::kCatchUpFrames * kFrameBytes);
  ddb::Store reopened(t.db().string());
  auto items = reopened.stats("tbl");
  REQUIRE(std::holds_alternative<ddb::Store::Stats>(items));
  CHECK(std::get<ddb::Store::Stats>(items).items == kItems);
}
