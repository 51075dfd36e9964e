#pragma once
/// WebSocket route selection expressions (aws-behaviour.md §2.1): `$request.body.action`,
/// `${request.body.service}/${request.body.action}`, nested paths (`$request.body.a.b[0]`),
/// static text between variables, `\$` for a literal dollar. Evaluated once per message against
/// its JSON body: a path that does not resolve gives "", an object or array gives its JSON text,
/// and a body that is not JSON cannot be evaluated (the message then goes to $default).
///
/// Compiled once per config; evaluate() is pure and thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gh::routing {

class SelectionExpression {
 public:
  /// nullopt with `error` set when `text` is not an expression AWS would accept.
  static std::optional<SelectionExpression> compile(std::string_view text, std::string& error);

  /// The route key for a message body, or nullopt when the body is not JSON.
  std::optional<std::string> evaluate(std::string_view body) const;

 private:
  struct Variable {
    std::vector<std::variant<std::string, std::size_t>> path;  // keys and array indexes
  };
  std::vector<std::variant<std::string, Variable>> parts_;
};

}  // namespace gh::routing
