#pragma once
/// ValueTemplate: text with API Gateway variables, compiled once and rendered per request.
/// Understands `$context.<var>` (the `$context` map AWS documents for access logs and mappings),
/// `$request.path.<name>`, `$request.querystring.<name>`, `$request.header.<name>`,
/// `$request.path` (the path without stage), `$stageVariables.<name>`, and the braced forms
/// `${context.requestId}` / `${request.path.id}` for variables next to other text. Anything else,
/// including a `$` that starts no variable, is literal text.
///
/// Used by the mock integration, access logs, and (later) parameter mapping. Rendering is
/// thread-safe and allocation-light: it appends to a caller's buffer.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/request_context.hpp"

namespace gh::core {

class ValueTemplate {
 public:
  enum class Source : unsigned char {
    kLiteral,
    kContext,
    kPathParam,
    kQuery,
    kHeader,
    kRequestPath,
    kStageVariable,
  };

  /// Which kinds of variables a use allows (access logs take only $context).
  struct Allowed {
    bool request = true;
    bool stage_variables = true;
  };

  /// Compiles `text`; on an unknown `$context` variable returns nullopt and sets `error`.
  static std::optional<ValueTemplate> compile(std::string_view text, Allowed allowed,
                                              std::string& error);

  /// Appends the rendered text to `out`. Unset values render as `missing` (AWS access logs
  /// print "-"; mappings print nothing). With `json_escape`, values are escaped for the inside
  /// of a JSON string. Returns false if a variable had no value (DynamoDB integrations leave
  /// such values out).
  bool render(const RequestContext& ctx, std::string& out, std::string_view missing = {},
              bool json_escape = false) const;

  bool is_constant() const noexcept;
  const std::string& source_text() const noexcept { return text_; }

 private:
  struct Part {
    Source source = Source::kLiteral;
    int context_var = -1;
    std::string text;  // literal text, or the variable's argument (parameter/header name)
  };
  std::string text_;
  std::vector<Part> parts_;
};

/// Appends the value of `$context.<name>` to `out`; false if `name` is unknown or the value is
/// null for this request (nothing appended).
bool append_context_variable(const RequestContext& ctx, std::string_view name, std::string& out);

}  // namespace gh::core
