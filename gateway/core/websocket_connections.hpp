#pragma once
/// WebSocketConnections (a Service): every open WebSocket connection by connection id, for the
/// @connections management API (send, describe, disconnect) and graceful shutdown. A connection
/// registers itself once its handshake is accepted and removes itself when it ends.
///
/// Thread-safe: the map is sharded under short locks; a connection's send() and close() may be
/// called from any thread and hand the work to the connection's own executor.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gh::core {

class WebSocketConnection {
 public:
  virtual ~WebSocketConnection() = default;

  enum class SendResult { kQueued, kGone, kQueueFull };
  /// Queues a text message for the client. kQueueFull when the client is not reading (its
  /// bounded queue is full): AWS answers @connections with 429 LimitExceededException then.
  virtual SendResult send(std::string message) = 0;
  /// Closes the connection with `code` (1000 normal, 1001 going away …); $disconnect runs.
  virtual void close(int code, std::string reason) = 0;

  // Facts fixed at connect time.
  std::string id;
  std::string api_id;
  std::string stage;
  std::string source_ip;
  std::string user_agent;
  std::int64_t connected_at_ms = 0;
  /// Updated on every message either way (epoch milliseconds).
  std::atomic<std::int64_t> last_active_ms{0};
};

class WebSocketConnections {
 public:
  void add(std::shared_ptr<WebSocketConnection> connection);
  void remove(const std::string& id);
  std::shared_ptr<WebSocketConnection> find(std::string_view id) const;
  std::size_t size() const;
  /// Every connection (a snapshot), e.g. to close them all at shutdown.
  std::vector<std::shared_ptr<WebSocketConnection>> all() const;

 private:
  static constexpr std::size_t kShards = 16;
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, std::shared_ptr<WebSocketConnection>> items;
  };
  Shard& shard(std::string_view id) const;
  mutable Shard shards_[kShards];
};

}  // namespace gh::core
