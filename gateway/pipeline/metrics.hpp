#pragma once
/// Metrics: request counters and latency histograms per API and route, open connections, served
/// as Prometheus text on /_gatehouse/metrics.
///
/// The hot path is lock-free and contention-free: each worker thread counts into its own cache
/// lines (a shard) of the route's cell; a scrape sums the shards. Cells are created when a
/// snapshot is compiled and survive reloads (counters never go back), keyed by API and route.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace gh::pipeline {

/// Index of the calling worker thread (0 for threads the server did not start).
unsigned worker_index() noexcept;
/// Called once by each worker thread the server starts (1-based; 0 is "not a worker").
void set_worker_index(unsigned index) noexcept;

class RouteMetrics;

class Metrics {
 public:
  /// `shards`: worker threads + 1.
  explicit Metrics(unsigned shards);
  ~Metrics();

  /// The cell for an API's route ("" route = requests that matched no route). Thread-safe;
  /// meant for snapshot compilation, not the hot path.
  RouteMetrics& route(const std::string& api, const std::string& route);

  void connection_opened() noexcept { open_connections_.fetch_add(1, std::memory_order_relaxed); }
  void connection_closed() noexcept { open_connections_.fetch_sub(1, std::memory_order_relaxed); }
  std::int64_t open_connections() const noexcept {
    return open_connections_.load(std::memory_order_relaxed);
  }

  /// Prometheus text exposition format 0.0.4.
  std::string render_prometheus() const;

  unsigned shards() const noexcept { return shards_; }

 private:
  unsigned shards_;
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<RouteMetrics>> cells_;
  std::atomic<std::int64_t> open_connections_{0};
};

/// Upper bounds of the latency histogram buckets, in seconds (Prometheus' defaults, plus 25 s
/// and 30 s to show integration timeouts).
inline constexpr std::array<double, 13> kLatencyBuckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0};

class RouteMetrics {
 public:
  RouteMetrics(std::string api, std::string route, unsigned shards);
  ~RouteMetrics();

  /// Records one finished request. Lock-free; never blocks.
  void record(int status, std::chrono::steady_clock::duration latency,
              const std::chrono::steady_clock::duration* integration_latency) noexcept;

  const std::string& api() const noexcept { return api_; }
  const std::string& route() const noexcept { return route_; }

  struct Histogram {
    std::array<std::uint64_t, kLatencyBuckets.size() + 1> buckets{};  // last = +Inf
    std::uint64_t count = 0;
    double sum_seconds = 0;
  };
  /// Sums over shards (for a scrape).
  std::map<int, std::uint64_t> status_counts() const;
  Histogram latency() const;
  Histogram integration_latency() const;

 private:
  struct Shard;
  Shard* shard(unsigned index) noexcept;

  std::string api_;
  std::string route_;
  unsigned shard_count_;
  std::unique_ptr<std::atomic<Shard*>[]> shards_;
};

}  // namespace gh::pipeline
