#include "plugins/dynamodb/ttl_sweeper.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <variant>
#include <vector>

namespace gh::plugins::dynamodb {

namespace {

/// Table names read per Store::table_names call.
constexpr std::size_t kNamesPerPage = 100;

/// A pass may take at most this share of the time between passes (1/10): a table so large
/// that walking it takes long is swept less often instead of keeping a core busy.
constexpr int kIdlePerBusy = 10;

std::int64_t epoch_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// The store and its sweeper in one allocation: members are destroyed in reverse order, so
/// the sweeper's thread is joined before the store closes its database.
struct StoreWithSweeper {
  StoreWithSweeper(std::string path, std::chrono::milliseconds interval)
      : store(std::move(path)), sweeper(store, interval) {}
  Store store;
  TtlSweeper sweeper;
};

}  // namespace

TtlSweeper::TtlSweeper(Store& store, std::chrono::milliseconds interval)
    : store_(store), interval_(interval), thread_([this] { run(); }) {}

TtlSweeper::~TtlSweeper() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool TtlSweeper::stopping() {
  std::lock_guard lock(mutex_);
  return stop_;
}

std::size_t TtlSweeper::sweep(std::int64_t now) {
  if (!store_.is_open()) return 0;
  std::size_t total = 0;
  std::string after;
  bool more = true;
  while (more && !stopping()) {
    auto page = store_.table_names(after, kNamesPerPage, more);
    if (auto* e = std::get_if<DynamoError>(&page)) {
      spdlog::debug("dynamodb ttl: cannot list the tables: {}", e->message);
      return total;
    }
    const auto& names = std::get<std::vector<std::string>>(page);
    for (const std::string& name : names) {
      if (stopping()) return total;
      auto table = store_.table(name);
      const auto* schema = std::get_if<TableSchema>(&table);
      if (!schema || !schema->ttl_attribute) continue;  // deleted meanwhile, or no TTL
      auto deleted = store_.expire(*schema, *schema->ttl_attribute, now, kItemsPerTable);
      if (auto* e = std::get_if<DynamoError>(&deleted)) {
        spdlog::debug("dynamodb ttl: table {} not swept: {}", name, e->message);
      } else if (std::size_t n = std::get<std::size_t>(deleted); n > 0) {
        spdlog::debug("dynamodb ttl: {} expired item(s) deleted from table {}", n, name);
        total += n;
      }
    }
    if (names.empty()) break;
    after = names.back();
  }
  return total;
}

void TtlSweeper::run() {
  auto wait = interval_;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, wait, [this] { return stop_; })) {
    lock.unlock();
    auto started = std::chrono::steady_clock::now();
    // Nothing may escape the thread (std::terminate): a failed pass is logged, the next one
    // tries again.
    try {
      sweep(epoch_seconds());
    } catch (const std::exception& e) {
      spdlog::debug("dynamodb ttl: sweep failed: {}", e.what());
    } catch (...) {
      spdlog::debug("dynamodb ttl: sweep failed");
    }
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    wait = std::max(interval_, took * kIdlePerBusy);
    lock.lock();
  }
}

std::shared_ptr<Store> make_store_with_ttl_sweeper(std::string path,
                                                   std::chrono::milliseconds interval) {
  auto both = std::make_shared<StoreWithSweeper>(std::move(path), interval);
  return std::shared_ptr<Store>(both, &both->store);  // owns both, points at the store
}

}  // namespace gh::plugins::dynamodb
