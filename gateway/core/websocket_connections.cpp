#include "gateway/core/websocket_connections.hpp"

namespace gh::core {

WebSocketConnections::Shard& WebSocketConnections::shard(std::string_view id) const {
  return shards_[std::hash<std::string_view>{}(id) % kShards];
}

void WebSocketConnections::add(std::shared_ptr<WebSocketConnection> connection) {
  Shard& s = shard(connection->id);
  std::lock_guard lock(s.mutex);
  s.items[connection->id] = std::move(connection);
}

void WebSocketConnections::remove(const std::string& id) {
  Shard& s = shard(id);
  std::lock_guard lock(s.mutex);
  s.items.erase(id);
}

std::shared_ptr<WebSocketConnection> WebSocketConnections::find(std::string_view id) const {
  Shard& s = shard(id);
  std::lock_guard lock(s.mutex);
  auto it = s.items.find(std::string(id));
  return it == s.items.end() ? nullptr : it->second;
}

std::size_t WebSocketConnections::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.items.size();
  }
  return n;
}

std::vector<std::shared_ptr<WebSocketConnection>> WebSocketConnections::all() const {
  std::vector<std::shared_ptr<WebSocketConnection>> out;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    for (const auto& [id, c] : s.items) out.push_back(c);
  }
  return out;
}

}  // namespace gh::core
