#include "gateway/throttling/bucket_registry.hpp"

#include <functional>

namespace gh::throttling {

std::shared_ptr<TokenBucket> BucketRegistry::get(const std::string& name, Limits limits) {
  std::lock_guard lock(mutex_);
  auto& slot = buckets_[name];
  if (!slot || !(slot->limits() == limits)) slot = std::make_shared<TokenBucket>(limits);
  return slot;
}

std::shared_ptr<ClientIpLimiter> BucketRegistry::client_ip_limiter(Limits limits) {
  std::lock_guard lock(mutex_);
  if (!ip_limiter_ || !(ip_limiter_->limits() == limits)) {
    ip_limiter_ = std::make_shared<ClientIpLimiter>(limits);
  }
  return ip_limiter_;
}

bool ClientIpLimiter::try_acquire(const std::string& ip, std::int64_t now_ns) {
  Shard& shard = shards_[std::hash<std::string>{}(ip) % kShards];
  std::lock_guard lock(shard.mutex);
  auto it = shard.buckets.find(ip);
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= kShardSoftLimit) {
      std::erase_if(shard.buckets, [now_ns](const auto& e) { return e.second->full(now_ns); });
      // Every client still mid-burst: forget the shard rather than grow without bound.
      if (shard.buckets.size() >= kShardSoftLimit) shard.buckets.clear();
    }
    it = shard.buckets.emplace(ip, std::make_unique<TokenBucket>(limits_)).first;
  }
  return it->second->try_acquire(now_ns);
}

}  // namespace gh::throttling
