#pragma once
/// Group commit for the embedded store's item writes (PutItem, UpdateItem, DeleteItem,
/// BatchWriteItem: operation_table.hpp's `grouped`). A write's request coroutine hands its
/// operation to `run()` and suspends; one blocking-pool thread at a time takes every operation
/// queued so far and runs them in one SQLite transaction (Store::run_group), then resumes each
/// coroutine on its own executor with its answer. The worker threads meanwhile go on reading and
/// parsing other requests, so the writes that arrive while a group commits form the next group.
///
/// Why: each write used to be its own transaction, and a transaction writes every page it
/// changed (the table's leaf and the pages above it) to the WAL: ~6.7 pwrite calls per PutItem.
/// A group writes a page once however many of its writes changed it.
///
/// What a client sees does not change: an answer is sent only after the group's COMMIT, so an
/// acknowledged write is committed (synchronous=NORMAL: it survives the gateway being killed);
/// writes apply in the order they were queued, each one atomically (a savepoint per store call
/// that writes more than one statement; a single statement is atomic by itself),
/// and one that fails (a condition, a validation error) leaves the others in its group alone.
/// If the group cannot commit (a full disk, an I/O error, SQLite rolling the transaction back
/// by itself), every write of the group gets that error and none is kept. Reads are not grouped:
/// they take the store's lock directly and wait for a group to finish, so they never see a write
/// that is not committed.
///
/// A long-lived core::Services object, like the store it writes to.

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "plugins/dynamodb/errors.hpp"
#include "plugins/dynamodb/store.hpp"

namespace gh::core {
class BlockingPool;
}

namespace gh::plugins::dynamodb {

class GroupCommit {
 public:
  /// Operations per SQLite transaction at most; more queued wait for the next group.
  static constexpr std::size_t kMaxGroup = 256;

  /// Both must outlive every run(); the pool is joined at shutdown after the connections
  /// drained, so no group is running when the store closes.
  GroupCommit(Store& store, core::BlockingPool& pool) : store_(store), pool_(pool) {}
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  /// Runs `op()` in the next group and returns its result once the group has committed, or
  /// the group's failure instead. R: Result or TextResult (anything built from a DynamoError).
  /// `op` runs on a pool thread while the caller is suspended, so it may use the caller's
  /// state by reference.
  template <typename R, typename F>
  boost::asio::awaitable<R> run(F op) {
    std::optional<R> result;
    co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void()>(
        [this, &op, &result](auto handler) {
          Job job;
          job.work = [&op, &result] {
            try {
              result.emplace(op());
            } catch (...) {
              result.emplace(error_of(std::current_exception()));
            }
          };
          job.fail = [&result](const DynamoError& e) { result.emplace(e); };
          // Resumes the caller on its own executor. (The handler is move-only, std::function
          // copies: hence the shared_ptr. Boost 1.81's any_completion_handler cannot be posted.)
          auto executor = boost::asio::get_associated_executor(handler);
          auto resume = std::make_shared<decltype(handler)>(std::move(handler));
          job.done = [executor, resume] {
            boost::asio::post(executor, [resume] { std::move (*resume)(); });
          };
          submit(std::move(job));
        },
        boost::asio::use_awaitable);
    co_return std::move(*result);
  }

 private:
  struct Job {
    std::function<void()> work;                    // runs the operation, stores its result
    std::function<void(const DynamoError&)> fail;  // replaces it with the group's failure
    std::function<void()> done;                    // resumes the caller
  };
  /// A 500 naming what was thrown.
  static DynamoError error_of(std::exception_ptr thrown);
  void submit(Job job);
  /// On a pool thread: runs groups until the queue is empty.
  void drain();

  Store& store_;
  core::BlockingPool& pool_;
  std::mutex mutex_;
  std::vector<Job> queue_;
  bool draining_ = false;  // a drain() is running or posted
};

}  // namespace gh::plugins::dynamodb
