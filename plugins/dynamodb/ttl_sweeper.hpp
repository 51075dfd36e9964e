#pragma once
/// Time to Live's background deletes: a thread that, every `interval`, expires the items of
/// each table with TTL enabled (Store::expire, at most kItemsPerTable per table and pass).
/// DynamoDB deletes expired items "typically within a few days"; the emulator does it within
/// about a second, so tests and local runs see the effect.
///
/// Owns its thread: started by the constructor, stopped and joined by the destructor, which
/// wakes it at once (it never sleeps through a shutdown). The thread never opens the store
/// (a gateway that only validates its config never touches the disk): it sweeps once a request
/// has opened it. It never throws; failures are logged and the next pass tries again.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "plugins/dynamodb/store.hpp"

namespace gh::plugins::dynamodb {

class TtlSweeper {
 public:
  static constexpr std::chrono::milliseconds kDefaultInterval{1000};
  /// Deletes per table and pass: a table with a large backlog is emptied over several passes.
  static constexpr std::size_t kItemsPerTable = 1000;

  /// `store` must outlive the sweeper.
  explicit TtlSweeper(Store& store, std::chrono::milliseconds interval = kDefaultInterval);
  ~TtlSweeper();
  TtlSweeper(const TtlSweeper&) = delete;
  TtlSweeper& operator=(const TtlSweeper&) = delete;

  /// One pass over every table with TTL enabled at `now` (epoch seconds); how many items it
  /// deleted. Does nothing while the store is unopened. Called by the thread; public for tests.
  std::size_t sweep(std::int64_t now);

 private:
  void run();
  bool stopping();

  Store& store_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

/// The store as a long-lived service with its sweeper: one object, the sweeper stopped before
/// the store closes. What the plugin registers in core::Services.
std::shared_ptr<Store> make_store_with_ttl_sweeper(
    std::string path, std::chrono::milliseconds interval = TtlSweeper::kDefaultInterval);

}  // namespace gh::plugins::dynamodb
