#pragma once
/// BlockingPool: threads for work that blocks on the disk (fsync, renames, opening and reading
/// files), so a worker thread goes on serving its other connections meanwhile. A service API
/// runs such a step with `co_await pool.run(f)`: the connection's coroutine suspends, `f` runs on
/// a pool thread, and the coroutine resumes on its own executor with f's result.
///
/// More threads than cores on purpose: the work waits on the disk, not the CPU, and concurrent
/// fsyncs let the filesystem commit them together. A long-lived service (core::Services):
/// shared by every request, joined at shutdown after the connections drained.
///
/// `f` runs while the calling coroutine is suspended, so it may use the caller's request state
/// (RequestContext) without a lock; it must not touch the caller's sockets or per-io_context
/// state (HTTP client pools).

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>
#include <type_traits>
#include <utility>

namespace gh::core {

class BlockingPool {
 public:
  /// Threads: 4 per core, at least 8 (S3 PUTs spend most of their time in fsync).
  static std::size_t default_threads();

  explicit BlockingPool(std::size_t threads = default_threads()) : pool_(threads) {}
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;
  ~BlockingPool() { join(); }

  /// Runs `f()` on a pool thread; resumes the caller on its executor with the result (or its
  /// exception).
  template <typename F>
  boost::asio::awaitable<std::invoke_result_t<F&>> run(F f) {
    using R = std::invoke_result_t<F&>;
    co_return co_await boost::asio::co_spawn(
        pool_.get_executor(),
        [fn = std::move(f)]() mutable -> boost::asio::awaitable<R> { co_return fn(); },
        boost::asio::use_awaitable);
  }

  /// Queues `f()` to run on a pool thread, for work nobody waits on directly.
  template <typename F>
  void post(F f) {
    boost::asio::post(pool_, std::move(f));
  }

  /// Waits for the queued work and stops the threads (idempotent).
  void join() { pool_.join(); }

 private:
  boost::asio::thread_pool pool_;
};

class Services;

/// The process's BlockingPool (a core::Services entry), created on first use; joined by the
/// services' shutdown hooks, after the connections drained.
BlockingPool& blocking_pool(Services& services);

}  // namespace gh::core
