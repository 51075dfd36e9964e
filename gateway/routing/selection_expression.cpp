#include "gateway/routing/selection_expression.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>

namespace gh::routing {

namespace {

constexpr std::string_view kPrefix = "request.body";

bool path_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
         c == '[' || c == ']';
}

// "request.body.a.b[2]" -> keys a, b and index 2. `text` starts after '$' (or "${").
bool parse_path(std::string_view text, std::vector<std::variant<std::string, std::size_t>>& out,
                std::string& error) {
  if (text.substr(0, kPrefix.size()) != kPrefix) {
    error = "a selection expression reads $request.body (got '$" + std::string(text) + "')";
    return false;
  }
  text.remove_prefix(kPrefix.size());
  while (!text.empty()) {
    if (text.front() == '.') {
      text.remove_prefix(1);
      std::size_t end = 0;
      while (end < text.size() && text[end] != '.' && text[end] != '[') ++end;
      if (end == 0) {
        error = "an empty key in the selection expression";
        return false;
      }
      out.emplace_back(std::string(text.substr(0, end)));
      text.remove_prefix(end);
    } else if (text.front() == '[') {
      auto close = text.find(']');
      if (close == std::string_view::npos || close == 1) {
        error = "an unclosed or empty [index] in the selection expression";
        return false;
      }
      std::string_view inner = text.substr(1, close - 1);
      if (inner.size() >= 2 && (inner.front() == '\'' || inner.front() == '"') &&
          inner.back() == inner.front()) {
        out.emplace_back(std::string(inner.substr(1, inner.size() - 2)));
      } else {
        std::size_t n = 0;
        for (char c : inner) {
          if (!std::isdigit(static_cast<unsigned char>(c))) {
            error = "an [index] is a number or a quoted key";
            return false;
          }
          n = n * 10 + static_cast<std::size_t>(c - '0');
        }
        out.emplace_back(n);
      }
      text.remove_prefix(close + 1);
    } else {
      error = "unexpected '" + std::string(1, text.front()) + "' in the selection expression";
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<SelectionExpression> SelectionExpression::compile(std::string_view text,
                                                                std::string& error) {
  SelectionExpression expr;
  std::string literal;
  bool any_variable = false;
  for (std::size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == '\\' && i + 1 < text.size() && text[i + 1] == '$') {
      literal += '$';
      i += 2;
      continue;
    }
    if (c != '$') {
      literal += c;
      ++i;
      continue;
    }
    std::string_view path;
    if (i + 1 < text.size() && text[i + 1] == '{') {
      auto close = text.find('}', i + 2);
      if (close == std::string_view::npos) {
        error = "an unclosed ${ in the selection expression";
        return std::nullopt;
      }
      path = text.substr(i + 2, close - i - 2);
      i = close + 1;
    } else {
      std::size_t end = i + 1;
      while (end < text.size() && path_char(text[end])) ++end;
      path = text.substr(i + 1, end - i - 1);
      i = end;
    }
    Variable v;
    if (!parse_path(path, v.path, error)) return std::nullopt;
    if (!literal.empty()) expr.parts_.emplace_back(std::move(literal));
    literal.clear();
    expr.parts_.emplace_back(std::move(v));
    any_variable = true;
  }
  if (!literal.empty()) expr.parts_.emplace_back(std::move(literal));
  if (!any_variable) {
    error = "a selection expression reads the message, e.g. $request.body.action";
    return std::nullopt;
  }
  return expr;
}

std::optional<std::string> SelectionExpression::evaluate(std::string_view body) const {
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(body, ec);
  if (ec) return std::nullopt;
  std::string out;
  for (const auto& part : parts_) {
    if (const auto* text = std::get_if<std::string>(&part)) {
      out += *text;
      continue;
    }
    const boost::json::value* at = &doc;
    for (const auto& step : std::get<Variable>(part).path) {
      if (!at) break;
      if (const auto* key = std::get_if<std::string>(&step)) {
        const auto* obj = at->if_object();
        at = obj ? obj->if_contains(*key) : nullptr;
      } else {
        const auto* arr = at->if_array();
        std::size_t index = std::get<std::size_t>(step);
        at = arr && index < arr->size() ? &(*arr)[index] : nullptr;
      }
    }
    if (!at || at->is_null()) continue;  // unresolved: "" (AWS: "join-" for a missing part)
    if (at->is_string()) {
      out += std::string_view(at->as_string());
    } else {
      out += boost::json::serialize(*at);
    }
  }
  return out;
}

}  // namespace gh::routing
