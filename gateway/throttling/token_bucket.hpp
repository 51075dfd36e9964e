#pragma once
/// A token bucket as API Gateway's throttles are described (aws-behaviour.md §5.1): `rate`
/// tokens added per second (fractions allowed), at most `burst` tokens, one per request; an empty
/// bucket refuses. Implemented as the equivalent GCRA (a "theoretical arrival time" that each
/// accepted request pushes one emission interval forward), so the whole state is one atomic
/// integer: try_acquire() is a lock-free compare-and-swap, safe from every worker thread.
///
/// Time is passed in (nanoseconds on any monotonic clock), so tests drive it with a fake clock.

#include <atomic>
#include <cstdint>

namespace gh::throttling {

struct Limits {
  double rate = 0;         // tokens per second
  std::int64_t burst = 0;  // bucket capacity

  bool operator==(const Limits&) const = default;
};

class TokenBucket {
 public:
  explicit TokenBucket(Limits limits) noexcept;

  /// Takes one token at time `now_ns`; false when the bucket is empty. A bucket starts full.
  bool try_acquire(std::int64_t now_ns) noexcept;
  /// Whole tokens available at `now_ns` (for tests and diagnostics).
  std::int64_t available(std::int64_t now_ns) const noexcept;
  /// True when the bucket is full at `now_ns` (nothing to remember: it may be forgotten).
  bool full(std::int64_t now_ns) const noexcept;
  const Limits& limits() const noexcept { return limits_; }

 private:
  Limits limits_;
  std::int64_t interval_ns_;   // one token's worth of time (1e9 / rate)
  std::int64_t tolerance_ns_;  // (burst - 1) intervals: how far TAT may run ahead of now
  std::atomic<std::int64_t> tat_;
  std::atomic<std::int64_t> remaining_;  // rate 0: a one-off burst, never refilled
};

/// Nanoseconds on the steady clock: what the gateway passes as `now_ns`.
std::int64_t steady_now_ns() noexcept;

}  // namespace gh::throttling
