#include "gateway/throttling/limits_config.hpp"

#include "gateway/routing/route_key.hpp"

namespace gh::throttling {

std::optional<Limits> read_limits(const config::Node& node, std::string_view rate_key,
                                  std::string_view burst_key, Limits defaults,
                                  config::Diagnostics& diags) {
  if (!node.is_map()) {
    diags.error(node.location(), node.path(),
                "throttle settings are a mapping with " + std::string(rate_key) + " and " +
                    std::string(burst_key));
    return std::nullopt;
  }
  config::MapReader r(node, diags);
  std::size_t errors = diags.error_count();
  auto rate = r.number(rate_key, 0, 1e9);
  auto burst = r.integer(burst_key, 0, 1'000'000'000);
  r.finish();
  if (diags.error_count() != errors) return std::nullopt;
  return Limits{rate.value_or(defaults.rate), burst.value_or(defaults.burst)};
}

std::optional<std::string> throttle_route_key(std::string_view text) {
  auto parsed = routing::parse_route_key(text);
  if (parsed.key && !parsed.key->is_default) return parsed.key->to_string();
  // "/items/GET" (a resource path, then the method), as usage plans and methodSettings write it.
  auto slash = text.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string method(text.substr(slash + 1));
  std::string path(text.substr(0, slash));
  if (path.empty() || path.front() != '/') path.insert(path.begin(), '/');
  auto again = routing::parse_route_key(method + " " + path);
  if (again.key && !again.key->is_default) return again.key->to_string();
  return std::nullopt;
}

}  // namespace gh::throttling
