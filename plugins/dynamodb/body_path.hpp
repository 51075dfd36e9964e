#pragma once
/// `$request.body` paths of route integration values: `$request.body` (the whole body),
/// `$request.body.name`, `$request.body.a.b[0]`, `$request.body['odd key'].c` — the subset of
/// JSONPath API Gateway's HTTP API parameter mapping accepts (names and indexes; no `..`, `*`
/// or filters). Compiled once at config load; looked up per request in the body as
/// plain_json.hpp marshalled it (objects are M, arrays L).

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gh::plugins::dynamodb {

class BodyPath {
 public:
  /// Whether `text` is meant as a body path: it starts with `$request.body` (or
  /// `${request.body`) followed by nothing, `.`, `[` (or `}`).
  static bool is_body_reference(std::string_view text) noexcept;
  /// Compiles a body reference (see is_body_reference); nullopt and `error` set if malformed.
  static std::optional<BodyPath> compile(std::string_view text, std::string& error);

  /// The AttributeValue the path leads to in `body` (an AttributeValue), or nullptr.
  const boost::json::value* find(const boost::json::value& body) const;

  const std::string& text() const noexcept { return text_; }

 private:
  std::string text_;
  std::vector<std::variant<std::string, std::size_t>> steps_;  // map keys, list indexes
};

}  // namespace gh::plugins::dynamodb
