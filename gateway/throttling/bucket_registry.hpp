#pragma once
/// BucketRegistry (a Service): the token buckets of the gateway by name ("account",
/// "route/<api>/<stage>/<route key>", "plan/<plan>/<key>" …), kept across config reloads so a
/// reload does not refill every bucket. Looked up while a config compiles; requests hold the
/// shared_ptr their middleware got and never touch the registry.

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "gateway/throttling/token_bucket.hpp"

namespace gh::throttling {

class ClientIpLimiter;

class BucketRegistry {
 public:
  /// The bucket named `name`; a new one if there was none or its limits changed.
  std::shared_ptr<TokenBucket> get(const std::string& name, Limits limits);
  /// The per-client-IP limiter; a new one if there was none or its limits changed.
  std::shared_ptr<ClientIpLimiter> client_ip_limiter(Limits limits);

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<TokenBucket>> buckets_;
  std::shared_ptr<ClientIpLimiter> ip_limiter_;
};

/// Per-client-IP buckets (not an AWS feature; off unless configured). Sharded maps under
/// short locks; entries whose bucket has refilled are forgotten when a shard grows, so memory
/// stays bounded by the number of clients active within one refill period.
class ClientIpLimiter {
 public:
  explicit ClientIpLimiter(Limits limits) : limits_(limits) {}
  bool try_acquire(const std::string& ip, std::int64_t now_ns);
  const Limits& limits() const noexcept { return limits_; }

 private:
  static constexpr std::size_t kShards = 16;
  static constexpr std::size_t kShardSoftLimit = 4096;
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, std::unique_ptr<TokenBucket>> buckets;
  };
  Limits limits_;
  Shard shards_[kShards];
};

}  // namespace gh::throttling
