// Metrics: per-route counters and histograms, summed over shards, rendered as Prometheus text.
#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <string>
#include <thread>

#include "gateway/pipeline/metrics.hpp"

namespace {

using namespace std::chrono_literals;
using gh::pipeline::Metrics;

const char* const kLe[] = {"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
                           "0.25",  "0.5",    "1",     "2.5",  "10",    "30",   "+Inf"};

// The bucket, sum and count lines of one histogram series, from its expected cumulative counts.
std::string series(const std::string& name, const std::string& labels,
                   const std::array<int, 14>& cumulative, const std::string& sum, int count) {
  std::string out;
  for (std::size_t i = 0; i < cumulative.size(); ++i) {
    out += name + "_bucket{" + labels + ",le=\"" + kLe[i] + "\"} " + std::to_string(cumulative[i]) +
           "\n";
  }
  out += name + "_sum{" + labels + "} " + sum + "\n";
  out += name + "_count{" + labels + "} " + std::to_string(count) + "\n";
  return out;
}

}  // namespace

TEST_CASE("metrics: bucket bounds") {
  REQUIRE(gh::pipeline::kLatencyBuckets.size() == 13);
  CHECK(gh::pipeline::kLatencyBuckets.front() == 0.001);
  CHECK(gh::pipeline::kLatencyBuckets.back() == 30.0);
}

TEST_CASE("metrics: a route's counts and histograms") {
  Metrics m(2);
  CHECK(m.shards() == 2);
  auto& r = m.route("petstore", "GET /pets");
  CHECK(&m.route("petstore", "GET /pets") == &r);  // one cell per key
  CHECK(&m.route("petstore", "POST /pets") != &r);
  CHECK(r.api() == "petstore");
  CHECK(r.route() == "GET /pets");

  CHECK(r.status_counts().empty());
  CHECK(r.latency().count == 0);

  const auto one_ms = std::chrono::steady_clock::duration(1ms);
  r.record(200, 1ms, &one_ms);  // exactly on a bound: counted in that bucket (le)
  r.record(200, 3ms, nullptr);
  r.record(404, 2s, nullptr);
  r.record(418, 31s, nullptr);  // an uncommon status, beyond the last bound
  r.record(599, 0ms, nullptr);

  auto counts = r.status_counts();
  CHECK(counts == std::map<int, std::uint64_t>{{200, 2}, {404, 1}, {418, 1}, {599, 1}});

  auto lat = r.latency();
  CHECK(lat.count == 5);
  CHECK(lat.sum_seconds == doctest::Approx(33.004));
  const std::array<std::uint64_t, 14> expected{2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1};
  CHECK(lat.buckets == expected);

  auto integ = r.integration_latency();
  CHECK(integ.count == 1);
  CHECK(integ.buckets[0] == 1);
  CHECK(integ.sum_seconds == doctest::Approx(0.001));
}

TEST_CASE("metrics: shards are summed") {
  Metrics m(3);
  auto& r = m.route("api", "GET /");
  r.record(200, 1ms, nullptr);            // this thread: worker 0
  for (unsigned worker : {1u, 2u, 4u}) {  // 4 % 3 shares worker 1's shard
    std::thread t([&] {
      gh::pipeline::set_worker_index(worker);
      CHECK(gh::pipeline::worker_index() == worker);
      r.record(200, 1ms, nullptr);
      r.record(500, 1ms, nullptr);
    });
    t.join();
  }
  CHECK(gh::pipeline::worker_index() == 0);
  CHECK(r.status_counts() == std::map<int, std::uint64_t>{{200, 4}, {500, 3}});
  CHECK(r.latency().count == 7);
  CHECK(r.latency().buckets[0] == 7);

  Metrics zero(0);  // at least one shard
  CHECK(zero.shards() == 1);
  zero.route("a", "b").record(201, 1ms, nullptr);
  CHECK(zero.route("a", "b").status_counts() == std::map<int, std::uint64_t>{{201, 1}});
}

TEST_CASE("metrics: Prometheus text") {
  Metrics m(2);
  auto& pets = m.route("petstore", "GET /pets");
  m.route("petstore", "");  // a cell with no requests: no series
  auto& odd = m.route("a\"b", "GET /x\\y\nz");
  const auto one_ms = std::chrono::steady_clock::duration(1ms);
  const auto thirty_s = std::chrono::steady_clock::duration(30s);
  pets.record(200, 3ms, &one_ms);
  pets.record(200, 20ms, nullptr);
  pets.record(404, 2s, nullptr);
  pets.record(418, 31s, nullptr);
  odd.record(503, 1ms, &thirty_s);
  m.connection_opened();
  m.connection_opened();
  m.connection_opened();
  m.connection_closed();
  CHECK(m.open_connections() == 2);

  const std::string odd_labels = R"(api="a\"b",route="GET /x\\y\nz")";
  const std::string pets_labels = R"(api="petstore",route="GET /pets")";
  const std::string req = "gatehouse_request_duration_seconds";
  const std::string integ = "gatehouse_integration_duration_seconds";
  std::string expected =
      "# HELP gatehouse_requests_total Requests answered, by API, route and status.\n"
      "# TYPE gatehouse_requests_total counter\n"
      "gatehouse_requests_total{" +
      odd_labels +
      ",status=\"503\"} 1\n"
      "gatehouse_requests_total{" +
      pets_labels +
      ",status=\"200\"} 2\n"
      "gatehouse_requests_total{" +
      pets_labels +
      ",status=\"404\"} 1\n"
      "gatehouse_requests_total{" +
      pets_labels +
      ",status=\"418\"} 1\n"
      "# HELP gatehouse_request_duration_seconds Time from the end of the request headers to the "
      "response, by API and route.\n"
      "# TYPE gatehouse_request_duration_seconds histogram\n";
  expected += series(req, odd_labels, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, "0.001", 1);
  expected += series(req, pets_labels, {0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 4}, "33.023", 4);
  expected +=
      "# HELP gatehouse_integration_duration_seconds Time spent in the integration, by API and "
      "route.\n"
      "# TYPE gatehouse_integration_duration_seconds histogram\n";
  expected += series(integ, odd_labels, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1}, "30", 1);
  expected += series(integ, pets_labels, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, "0.001", 1);
  expected +=
      "# HELP gatehouse_open_connections Client connections currently open.\n"
      "# TYPE gatehouse_open_connections gauge\n"
      "gatehouse_open_connections 2\n";
  CHECK(m.render_prometheus() == expected);
}

TEST_CASE("metrics: an empty registry still renders every family") {
  Metrics m(1);
  CHECK(m.render_prometheus() ==
        "# HELP gatehouse_requests_total Requests answered, by API, route and status.\n"
        "# TYPE gatehouse_requests_total counter\n"
        "# HELP gatehouse_request_duration_seconds Time from the end of the request headers to "
        "the response, by API and route.\n"
        "# TYPE gatehouse_request_duration_seconds histogram\n"
        "# HELP gatehouse_integration_duration_seconds Time spent in the integration, by API and "
        "route.\n"
        "# TYPE gatehouse_integration_duration_seconds histogram\n"
        "# HELP gatehouse_open_connections Client connections currently open.\n"
        "# TYPE gatehouse_open_connections gauge\n"
        "gatehouse_open_connections 0\n");
}
