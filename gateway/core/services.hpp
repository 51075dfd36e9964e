#pragma once
/// Services: the long-lived, thread-safe objects plugins share across requests and across config
/// reloads (upstream connection pools, Lambda pools, token buckets, stores, metrics). Keyed by
/// type. Plugins create theirs lazily while a snapshot is compiled (one thread at a time);
/// requests only look them up.

#include <functional>
#include <memory>
#include <mutex>
#include <typeindex>
#include <unordered_map>

namespace gh::core {

class Services {
 public:
  /// The service of type T, created with `make()` the first time. Thread-safe.
  template <typename T, typename Make>
  T& get_or_create(Make&& make) {
    std::lock_guard lock(mutex_);
    auto& slot = items_[std::type_index(typeid(T))];
    if (!slot) slot = std::shared_ptr<void>(make());
    return *static_cast<T*>(slot.get());
  }

  /// The service of type T, or nullptr if nobody created it.
  template <typename T>
  T* find() const {
    std::lock_guard lock(mutex_);
    auto it = items_.find(std::type_index(typeid(T)));
    return it == items_.end() ? nullptr : static_cast<T*>(it->second.get());
  }

  /// Registers a hook run once when the gateway shuts down (stop pools, kill children).
  void on_shutdown(std::function<void()> hook) {
    std::lock_guard lock(mutex_);
    shutdown_hooks_.push_back(std::move(hook));
  }
  /// Runs the shutdown hooks in reverse order of registration.
  void shutdown() {
    std::vector<std::function<void()>> hooks;
    {
      std::lock_guard lock(mutex_);
      hooks.swap(shutdown_hooks_);
    }
    for (auto it = hooks.rbegin(); it != hooks.rend(); ++it) (*it)();
  }

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::type_index, std::shared_ptr<void>> items_;
  std::vector<std::function<void()>> shutdown_hooks_;
};

}  // namespace gh::core
