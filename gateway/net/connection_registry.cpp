#include "gateway/net/connection_registry.hpp"

#include <boost/asio/post.hpp>
#include <vector>

namespace gh::net {

void ConnectionRegistry::set_max(std::size_t max_connections) {
  std::lock_guard lock(mutex_);
  max_ = max_connections;
}

std::optional<std::uint64_t> ConnectionRegistry::add(std::shared_ptr<ConnectionControl> control) {
  std::lock_guard lock(mutex_);
  if (stopping_ || open_.size() >= max_) return std::nullopt;
  std::uint64_t id = next_id_++;
  open_.emplace(id, std::move(control));
  return id;
}

void ConnectionRegistry::remove(std::uint64_t id) {
  std::function<void()> notify;
  {
    std::lock_guard lock(mutex_);
    open_.erase(id);
    if (stopping_ && open_.empty() && on_empty_) notify = std::exchange(on_empty_, nullptr);
  }
  if (notify) notify();
}

void ConnectionRegistry::begin_shutdown(std::function<void()> on_empty) {
  std::vector<std::shared_ptr<ConnectionControl>> open;
  {
    std::lock_guard lock(mutex_);
    stopping_.store(true, std::memory_order_release);
    for (const auto& [id, c] : open_) open.push_back(c);
    if (open_.empty()) {
      on_empty_ = nullptr;
    } else {
      on_empty_ = std::move(on_empty);
      on_empty = nullptr;
    }
  }
  for (const auto& c : open) boost::asio::post(c->executor, [c] { c->close_if_idle(); });
  if (on_empty) on_empty();
}

void ConnectionRegistry::close_all() {
  std::vector<std::shared_ptr<ConnectionControl>> open;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, c] : open_) open.push_back(c);
  }
  for (const auto& c : open) boost::asio::post(c->executor, [c] { c->close_now(); });
}

std::size_t ConnectionRegistry::size() const {
  std::lock_guard lock(mutex_);
  return open_.size();
}

}  // namespace gh::net
