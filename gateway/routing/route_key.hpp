#pragma once
/// Route keys as AWS writes them: "GET /pets/{petId}", "ANY /{proxy+}", "$default".
/// Parsing and validation only; matching is route_table.hpp.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gh::routing {

struct PathSegment {
  enum class Kind { kLiteral, kParam, kGreedy };
  Kind kind = Kind::kLiteral;
  std::string text;  // literal text, or the parameter name without braces and '+'
};

struct RouteKey {
  bool is_default = false;  // "$default"
  std::string method;       // "GET" … or "ANY"; empty for $default
  std::vector<PathSegment> segments;
  std::string path;  // normalised template: "/pets/{petId}", "/" for the root

  /// "GET /pets/{petId}" / "$default"
  std::string to_string() const;
};

struct RouteKeyResult {
  std::optional<RouteKey> key;
  std::string error;  // why it is not a valid route key, when key is empty
};

/// Methods a route key may name (AWS: the seven HTTP methods plus ANY).
bool is_route_method(std::string_view method) noexcept;

/// Parses and validates a route key. Trailing slashes are dropped ("/pets/" is "/pets"), as AWS
/// routing ignores them. Path parameters must be whole segments; a greedy parameter `{name+}`
/// only the last one; parameter names are unique within a path.
RouteKeyResult parse_route_key(std::string_view text);

/// Parses a resource path template alone ("/pets/{id}"); used by REST-style config too.
RouteKeyResult parse_route_path(std::string_view path);

}  // namespace gh::routing
