#include "gateway/pipeline/metrics.hpp"

#include <algorithm>
#include <sstream>

namespace gh::pipeline {

namespace {
thread_local unsigned t_worker_index = 0;

// Status codes counted in fixed slots; any other code goes to a small locked map (rare).
constexpr std::array<int, 24> kCommonStatuses = {200, 201, 202, 204, 206, 301, 302, 304,
                                                 400, 401, 403, 404, 405, 408, 409, 413,
                                                 415, 429, 431, 500, 501, 502, 503, 504};

int status_slot(int status) {
  auto it = std::lower_bound(kCommonStatuses.begin(), kCommonStatuses.end(), status);
  if (it != kCommonStatuses.end() && *it == status) return int(it - kCommonStatuses.begin());
  return -1;
}

/// Adds `n` to a counter. A worker's own shard has one writer, so it needs no atomic
/// read-modify-write (a locked instruction each, seven per request): a relaxed load and store
/// suffice, and a scrape's relaxed loads still see whole values. Shard 0 (threads the server did
/// not start) may have several writers and adds atomically.
inline void bump(std::atomic<std::uint64_t>& counter, std::uint64_t n, bool exclusive) noexcept {
  if (exclusive) {
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  } else {
    counter.fetch_add(n, std::memory_order_relaxed);
  }
}

struct AtomicHistogram {
  std::array<std::atomic<std::uint64_t>, kLatencyBuckets.size() + 1> buckets{};
  std::atomic<std::uint64_t> count{0};
  std::atomic<std::uint64_t> sum_micros{0};

  void observe(std::chrono::steady_clock::duration d, bool exclusive) noexcept {
    double seconds = std::chrono::duration<double>(d).count();
    std::size_t i = 0;
    while (i < kLatencyBuckets.size() && seconds > kLatencyBuckets[i]) ++i;
    bump(buckets[i], 1, exclusive);
    bump(count, 1, exclusive);
    bump(sum_micros,
         static_cast<std::uint64_t>(
             std::chrono::duration_cast<std::chrono::microseconds>(d).count()),
         exclusive);
  }

  void add_to(RouteMetrics::Histogram& h) const {
    for (std::size_t i = 0; i < buckets.size(); ++i) {
      h.buckets[i] += buckets[i].load(std::memory_order_relaxed);
    }
    h.count += count.load(std::memory_order_relaxed);
    h.sum_seconds += double(sum_micros.load(std::memory_order_relaxed)) / 1e6;
  }
};

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string format_double(double v) {
  std::ostringstream s;
  s.precision(9);
  s << v;
  return s.str();
}

}  // namespace

unsigned worker_index() noexcept { return t_worker_index; }
void set_worker_index(unsigned index) noexcept { t_worker_index = index; }

struct alignas(64) RouteMetrics::Shard {
  std::array<std::atomic<std::uint64_t>, kCommonStatuses.size()> statuses{};
  AtomicHistogram latency;
  AtomicHistogram integration;
  std::mutex other_mutex;
  std::map<int, std::uint64_t> other_statuses;
};

RouteMetrics::RouteMetrics(std::string api, std::string route, unsigned shards)
    : api_(std::move(api)),
      route_(std::move(route)),
      shard_count_(shards),
      shards_(new std::atomic<Shard*>[shards]) {
  for (unsigned i = 0; i < shards; ++i) shards_[i].store(nullptr);
}

RouteMetrics::~RouteMetrics() {
  for (unsigned i = 0; i < shard_count_; ++i) delete shards_[i].load();
}

RouteMetrics::Shard* RouteMetrics::shard(unsigned index) noexcept {
  auto& slot = shards_[index];
  Shard* s = slot.load(std::memory_order_acquire);
  if (s) return s;
  // First request on this thread for this route: allocate lazily, so 10,000 configured routes
  // cost memory only when used. Two threads never share a slot except thread 0's.
  auto* fresh = new Shard();
  if (slot.compare_exchange_strong(s, fresh, std::memory_order_acq_rel)) return fresh;
  delete fresh;
  return s;
}

void RouteMetrics::record(int status, std::chrono::steady_clock::duration latency,
                          const std::chrono::steady_clock::duration* integration_latency) noexcept {
  // Workers 1..shards-1 own a shard each and are its only writer; every other thread shares
  // shard 0 and adds atomically there.
  unsigned index = worker_index();
  if (index >= shard_count_) index = 0;
  const bool exclusive = index != 0;
  Shard* s = shard(index);
  int slot = status_slot(status);
  if (slot >= 0) {
    bump(s->statuses[static_cast<std::size_t>(slot)], 1, exclusive);
  } else {
    std::lock_guard lock(s->other_mutex);
    ++s->other_statuses[status];
  }
  s->latency.observe(latency, exclusive);
  if (integration_latency) s->integration.observe(*integration_latency, exclusive);
}

std::map<int, std::uint64_t> RouteMetrics::status_counts() const {
  std::map<int, std::uint64_t> out;
  for (unsigned i = 0; i < shard_count_; ++i) {
    Shard* s = shards_[i].load(std::memory_order_acquire);
    if (!s) continue;
    for (std::size_t k = 0; k < kCommonStatuses.size(); ++k) {
      auto n = s->statuses[k].load(std::memory_order_relaxed);
      if (n) out[kCommonStatuses[k]] += n;
    }
    std::lock_guard lock(s->other_mutex);
    for (const auto& [code, n] : s->other_statuses) out[code] += n;
  }
  return out;
}

RouteMetrics::Histogram RouteMetrics::latency() const {
  Histogram h;
  for (unsigned i = 0; i < shard_count_; ++i) {
    if (Shard* s = shards_[i].load(std::memory_order_acquire)) s->latency.add_to(h);
  }
  return h;
}

RouteMetrics::Histogram RouteMetrics::integration_latency() const {
  Histogram h;
  for (unsigned i = 0; i < shard_count_; ++i) {
    if (Shard* s = shards_[i].load(std::memory_order_acquire)) s->integration.add_to(h);
  }
  return h;
}

Metrics::Metrics(unsigned shards) : shards_(std::max(1u, shards)) {}
Metrics::~Metrics() = default;

RouteMetrics& Metrics::route(const std::string& api, const std::string& route) {
  std::lock_guard lock(mutex_);
  auto& cell = cells_[{api, route}];
  if (!cell) cell = std::make_unique<RouteMetrics>(api, route, shards_);
  return *cell;
}

std::string Metrics::render_prometheus() const {
  std::ostringstream out;
  std::lock_guard lock(mutex_);
  out << "# HELP gatehouse_requests_total Requests answered, by API, route and status.\n"
      << "# TYPE gatehouse_requests_total counter\n";
  for (const auto& [key, cell] : cells_) {
    std::string labels =
        "api=\"" + escape_label(key.first) + "\",route=\"" + escape_label(key.second) + "\"";
    for (const auto& [status, n] : cell->status_counts()) {
      out << "gatehouse_requests_total{" << labels << ",status=\"" << status << "\"} " << n << "\n";
    }
  }
  auto histogram = [&](const char* name, const char* help, bool integration) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " histogram\n";
    for (const auto& [key, cell] : cells_) {
      RouteMetrics::Histogram h = integration ? cell->integration_latency() : cell->latency();
      if (h.count == 0) continue;
      std::string labels =
          "api=\"" + escape_label(key.first) + "\",route=\"" + escape_label(key.second) + "\"";
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
        cumulative += h.buckets[i];
        out << name << "_bucket{" << labels << ",le=\"" << format_double(kLatencyBuckets[i])
            << "\"} " << cumulative << "\n";
      }
      cumulative += h.buckets[kLatencyBuckets.size()];
      out << name << "_bucket{" << labels << ",le=\"+Inf\"} " << cumulative << "\n";
      out << name << "_sum{" << labels << "} " << format_double(h.sum_seconds) << "\n";
      out << name << "_count{" << labels << "} " << h.count << "\n";
    }
  };
  histogram("gatehouse_request_duration_seconds",
            "Time from the end of the request headers to the response, by API and route.", false);
  histogram("gatehouse_integration_duration_seconds",
            "Time spent in the integration, by API and route.", true);
  out << "# HELP gatehouse_open_connections Client connections currently open.\n"
      << "# TYPE gatehouse_open_connections gauge\n"
      << "gatehouse_open_connections " << open_connections() << "\n";
  return out.str();
}

}  // namespace gh::pipeline
