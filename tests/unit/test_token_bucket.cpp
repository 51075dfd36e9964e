// Token buckets (gateway/throttling/token_bucket.hpp) against a fake clock: the burst, the
// refill rate, fractional and zero rates, exactness under threads, and the per-client-IP
// limiter's independence and bounded memory.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "gateway/throttling/bucket_registry.hpp"
#include "gateway/throttling/limits_config.hpp"
#include "gateway/throttling/token_bucket.hpp"

namespace {

using gh::throttling::Limits;
using gh::throttling::TokenBucket;

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kStart = 1'000 * kSecond;  // an arbitrary monotonic origin

int take(TokenBucket& b, std::int64_t now, int attempts) {
  int ok = 0;
  for (int i = 0; i < attempts; ++i) ok += b.try_acquire(now) ? 1 : 0;
  return ok;
}

}  // namespace

TEST_CASE("a full bucket serves its burst at once, then the rate") {
  TokenBucket b(Limits{10, 5});
  CHECK(b.available(kStart) == 5);
  CHECK(take(b, kStart, 100) == 5);
  CHECK(b.available(kStart) == 0);
  // One token every 100 ms.
  CHECK(take(b, kStart + 99'000'000, 10) == 0);
  CHECK(take(b, kStart + 100'000'000, 10) == 1);
  CHECK(take(b, kStart + 350'000'000, 10) == 2);
  // After a long pause the bucket is full again but never holds more than the burst.
  CHECK(b.full(kStart + 10 * kSecond));
  CHECK(take(b, kStart + 10 * kSecond, 100) == 5);
}

TEST_CASE("accepted = burst + rate x time, for a steady overload") {
  struct Case {
    double rate;
    std::int64_t burst;
  };
  for (Case c : {Case{50, 10}, Case{1000, 1}, Case{3, 7}, Case{0.5, 2}, Case{10000, 5000}}) {
    CAPTURE(c.rate);
    CAPTURE(c.burst);
    TokenBucket b(Limits{c.rate, c.burst});
    // Ten seconds of requests arriving every millisecond, far above every rate here but one.
    std::int64_t accepted = 0;
    for (std::int64_t t = 0; t <= 10'000; ++t) accepted += b.try_acquire(kStart + t * 1'000'000);
    auto expected = static_cast<std::int64_t>(c.burst + c.rate * 10);
    if (c.rate >= 1000) expected = std::min<std::int64_t>(expected, 10'001);  // one per ms offered
    CHECK(accepted >= expected - 1);
    CHECK(accepted <= expected + 1);
  }
}

TEST_CASE("rate 0 serves the burst once; burst 0 serves nothing") {
  TokenBucket once(Limits{0, 3});
  CHECK(take(once, kStart, 10) == 3);
  CHECK(take(once, kStart + 3600 * kSecond, 10) == 0);
  TokenBucket never(Limits{100, 0});
  CHECK(take(never, kStart, 10) == 0);
  CHECK(take(never, kStart + kSecond, 10) == 0);
}

TEST_CASE("exact under concurrency: threads racing at one instant take exactly the burst") {
  TokenBucket b(Limits{1, 1000});
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) accepted += b.try_acquire(kStart) ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(accepted.load() == 1000);
}

TEST_CASE("per-client-IP limiter: each client has its own bucket; idle ones are forgotten") {
  gh::throttling::ClientIpLimiter limiter(Limits{1, 2});
  CHECK(limiter.try_acquire("10.0.0.1", kStart));
  CHECK(limiter.try_acquire("10.0.0.1", kStart));
  CHECK_FALSE(limiter.try_acquire("10.0.0.1", kStart));
  CHECK(limiter.try_acquire("10.0.0.2", kStart));
  CHECK(limiter.try_acquire("10.0.0.1", kStart + kSecond));
  // Many distinct clients: the limiter keeps serving (memory is bounded by forgetting buckets
  // that have refilled).
  for (int i = 0; i < 200'000; ++i) {
    REQUIRE(
        limiter.try_acquire("192.168." + std::to_string(i / 256) + "." + std::to_string(i % 256),
                            kStart + 10 * kSecond + i));
  }
}

TEST_CASE("the registry keeps a bucket across recompiles unless its limits change") {
  gh::throttling::BucketRegistry registry;
  auto a = registry.get("route/x", Limits{1, 1});
  CHECK(a->try_acquire(kStart));
  auto same = registry.get("route/x", Limits{1, 1});
  CHECK(same == a);
  CHECK_FALSE(same->try_acquire(kStart));  // still empty: a reload does not refill it
  auto changed = registry.get("route/x", Limits{2, 1});
  CHECK(changed != a);
  CHECK(changed->try_acquire(kStart));
}

TEST_CASE("throttle map keys: route keys and AWS's resourcePath/METHOD form") {
  CHECK(gh::throttling::throttle_route_key("GET /items") == "GET /items");
  CHECK(gh::throttling::throttle_route_key("/items/GET") == "GET /items");
  CHECK(gh::throttling::throttle_route_key("items/{id}/DELETE") == "DELETE /items/{id}");
  CHECK(gh::throttling::throttle_route_key("ANY /{proxy+}") == "ANY /{proxy+}");
  CHECK_FALSE(gh::throttling::throttle_route_key("items"));
  CHECK_FALSE(gh::throttling::throttle_route_key("$default"));
}
