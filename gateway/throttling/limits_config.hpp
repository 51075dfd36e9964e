#pragma once
/// Reading throttle settings from the config, shared by the stage/route throttles
/// (plugins/throttle) and usage plans (plugins/api_key).

#include <optional>
#include <string>
#include <string_view>

#include "gateway/config/yaml_reader.hpp"
#include "gateway/throttling/token_bucket.hpp"

namespace gh::throttling {

/// AWS's account-level defaults per Region (aws-behaviour.md §5.1).
inline constexpr Limits kAccountDefaults{10000, 5000};

/// A mapping with `rate_key` (a number ≥ 0) and `burst_key` (an integer ≥ 0); a missing half
/// takes its value from `defaults` (AWS shows rateLimit 10000.0 when only the burst was set).
/// nullopt (reported) when malformed.
std::optional<Limits> read_limits(const config::Node& node, std::string_view rate_key,
                                  std::string_view burst_key, Limits defaults,
                                  config::Diagnostics& diags);

/// A route named in a throttle map: a route key ("GET /items", "ANY /{proxy+}") or AWS's
/// method-settings form ("/items/GET", "items/GET"). Returns the normalised route key
/// ("GET /items"), or nullopt when it is neither.
std::optional<std::string> throttle_route_key(std::string_view text);

}  // namespace gh::throttling
