// Route matching cost vs route count and path depth: the trie should cost the same with 10 or
// 10,000 routes, and grow with the depth of the path. Not a test; prints ns per match.
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "gateway/routing/route_table.hpp"

using gh::routing::RouteTable;

static double ns_per_match(const RouteTable& table, const std::vector<std::string>& paths) {
  std::vector<gh::core::PathParam> params;
  std::size_t sink = 0;
  const int rounds = 2000000 / static_cast<int>(paths.size()) + 1;
  auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (const auto& p : paths) sink += table.match("GET", p, &params);
  }
  auto ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start);
  if (sink == 42) std::puts("");  // keep the loop
  return ns.count() / (double(rounds) * double(paths.size()));
}

static RouteTable build(int routes, int depth) {
  RouteTable table(RouteTable::SlashMode::kExact);
  for (int i = 0; i < routes; ++i) {
    std::string key = "GET /r" + std::to_string(i);
    for (int d = 1; d < depth; ++d) key += (d % 2) ? "/{p" + std::to_string(d) + "}" : "/items";
    table.add(*gh::routing::parse_route_key(key).key, static_cast<std::size_t>(i));
  }
  table.add(*gh::routing::parse_route_key("ANY /{proxy+}").key, static_cast<std::size_t>(routes));
  return table;
}

int main() {
  std::mt19937 rng(7);
  std::printf("%8s %6s %12s\n", "routes", "depth", "ns/match");
  for (int depth : {1, 3, 6}) {
    for (int routes : {10, 1000, 10000}) {
      RouteTable table = build(routes, depth);
      std::vector<std::string> paths;
      for (int k = 0; k < 1024; ++k) {
        std::string p = "/r" + std::to_string(rng() % routes);
        for (int d = 1; d < depth; ++d) p += (d % 2) ? "/v" + std::to_string(k) : "/items";
        paths.push_back(p);
      }
      std::printf("%8d %6d %12.1f\n", routes, depth, ns_per_match(table, paths));
    }
  }
}
