#pragma once
/// The ObjectStore as a long-lived service (core::Services): created when a config is compiled
/// but opened on first use, so `gatehouse validate` and `routes` never touch the disk. A reload
/// keeps it; a changed dataDir takes effect at the next start. Thread-safe.
#include <spdlog/spdlog.h>

#include <memory>
#include <mutex>
#include <string>

#include "gateway/core/blocking_pool.hpp"
#include "plugins/s3/object_store.hpp"

namespace gh::plugins::s3 {

class StoreService {
 public:
  /// `pool`: where the S3 API runs its store calls (they block on the disk); it must outlive
  /// the service (both are core::Services).
  StoreService(ObjectStore::Options options, core::BlockingPool& pool)
      : options_(std::move(options)), pool_(pool) {}

  const ObjectStore::Options& options() const noexcept { return options_; }
  core::BlockingPool& pool() const noexcept { return pool_; }

  /// The store, opened now if needed (blocking: creates the directory, finds buckets); nullptr
  /// when the directory is unusable (logged; the next call tries again).
  ObjectStore* get() {
    std::lock_guard lock(mu_);
    if (!store_) {
      try {
        store_ = std::make_unique<ObjectStore>(options_);
      } catch (const std::exception& e) {
        spdlog::error("s3: cannot open the data directory {}: {}", options_.data_dir.string(),
                      e.what());
        return nullptr;
      }
    }
    return store_.get();
  }

 private:
  ObjectStore::Options options_;
  core::BlockingPool& pool_;
  std::mutex mu_;
  std::unique_ptr<ObjectStore> store_;
};

}  // namespace gh::plugins::s3
