#pragma once
/// ConnectionRegistry: every open client connection, for the max-connections limit, the open
/// connections gauge and graceful shutdown. Thread-safe; called on accept and close (not per
/// request). Closing is always posted to the connection's own executor, so sockets are only
/// ever touched by the thread that owns them.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace gh::net {

/// A connection's handle, shared between its coroutine and the registry. `close_if_idle` and
/// `close_now` run on `executor` only.
struct ConnectionControl {
  boost::asio::any_io_executor executor;
  std::function<void()> close_if_idle;  // waiting for a request: close; busy: finish first
  std::function<void()> close_now;      // drain deadline passed
};

class ConnectionRegistry {
 public:
  explicit ConnectionRegistry(std::size_t max_connections) : max_(max_connections) {}

  void set_max(std::size_t max_connections);
  /// Registers a new connection; nullopt if the limit is reached or shutdown has begun.
  std::optional<std::uint64_t> add(std::shared_ptr<ConnectionControl> control);
  void remove(std::uint64_t id);

  /// Stop taking connections and close those waiting for a request. `on_empty` runs (on some
  /// connection's thread, or here) once the last connection is gone.
  void begin_shutdown(std::function<void()> on_empty);
  /// Closes every connection at once (drain timeout).
  void close_all();

  /// Lock-free: read by every connection after every request.
  bool stopping() const noexcept { return stopping_.load(std::memory_order_acquire); }
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::size_t max_;
  std::uint64_t next_id_ = 1;
  std::atomic<bool> stopping_{false};
  std::function<void()> on_empty_;
  std::unordered_map<std::uint64_t, std::shared_ptr<ConnectionControl>> open_;
};

}  // namespace gh::net
