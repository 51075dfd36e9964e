#include "gateway/throttling/token_bucket.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace gh::throttling {

namespace {
constexpr std::int64_t kMaxInterval = std::int64_t{1} << 50;  // ~13 days: below any sane rate
}

TokenBucket::TokenBucket(Limits limits) noexcept
    : limits_(limits),
      interval_ns_(limits.rate > 0
                       ? std::clamp<std::int64_t>(std::llround(1e9 / limits.rate), 1, kMaxInterval)
                       : kMaxInterval),
      tolerance_ns_(limits.burst > 0 ? (limits.burst - 1) * interval_ns_ : -1),
      tat_(std::numeric_limits<std::int64_t>::min() / 4),
      remaining_(limits.burst) {}

bool TokenBucket::try_acquire(std::int64_t now_ns) noexcept {
  if (limits_.burst <= 0) return false;
  if (limits_.rate <= 0) {
    // Never refilled: `burst` requests in all, then none (rateLimit 0 as AWS allows it).
    return remaining_.fetch_sub(1, std::memory_order_relaxed) > 0;
  }
  std::int64_t tat = tat_.load(std::memory_order_relaxed);
  while (true) {
    std::int64_t base = std::max(tat, now_ns);
    if (base - now_ns > tolerance_ns_) return false;
    if (tat_.compare_exchange_weak(tat, base + interval_ns_, std::memory_order_relaxed)) {
      return true;
    }
  }
}

std::int64_t TokenBucket::available(std::int64_t now_ns) const noexcept {
  if (limits_.burst <= 0) return 0;
  if (limits_.rate <= 0) return std::max<std::int64_t>(0, remaining_.load());
  std::int64_t tat = std::max(tat_.load(std::memory_order_relaxed), now_ns);
  // Tokens left = how many more intervals fit before TAT would pass now + tolerance.
  std::int64_t room = now_ns + tolerance_ns_ + interval_ns_ - tat;
  return std::clamp<std::int64_t>(room / interval_ns_, 0, limits_.burst);
}

bool TokenBucket::full(std::int64_t now_ns) const noexcept {
  if (limits_.rate <= 0) return remaining_.load() == limits_.burst;
  return tat_.load(std::memory_order_relaxed) <= now_ns;
}

std::int64_t steady_now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace gh::throttling
