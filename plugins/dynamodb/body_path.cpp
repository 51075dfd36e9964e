#include "plugins/dynamodb/body_path.hpp"

#include <boost/json/object.hpp>

namespace gh::plugins::dynamodb {

namespace json = boost::json;

namespace {

constexpr std::string_view kPlain = "$request.body";
constexpr std::string_view kBraced = "${request.body";

}  // namespace

bool BodyPath::is_body_reference(std::string_view text) noexcept {
  std::string_view rest;
  if (text.starts_with(kPlain)) {
    rest = text.substr(kPlain.size());
  } else if (text.starts_with(kBraced)) {
    rest = text.substr(kBraced.size());
  } else {
    return false;
  }
  return rest.empty() || rest[0] == '.' || rest[0] == '[' || rest[0] == '}';
}

std::optional<BodyPath> BodyPath::compile(std::string_view text, std::string& error) {
  BodyPath path;
  path.text_ = std::string(text);
  std::string_view rest;
  if (text.starts_with(kBraced)) {
    if (!text.ends_with('}')) {
      error = "'" + std::string(text) + "' has no closing '}'";
      return std::nullopt;
    }
    rest = text.substr(kBraced.size(), text.size() - kBraced.size() - 1);
  } else {
    rest = text.substr(kPlain.size());
  }
  auto fail = [&](std::string_view why) {
    error = "invalid body path '" + std::string(text) + "': " + std::string(why) +
            " (write $request.body.name, $request.body.a[0].b or $request.body['key'])";
    return std::nullopt;
  };
  while (!rest.empty()) {
    if (rest[0] == '.') {
      rest.remove_prefix(1);
      std::size_t end = 0;
      while (end < rest.size() && rest[end] != '.' && rest[end] != '[') ++end;
      std::string_view name = rest.substr(0, end);
      if (name.empty()) return fail("an empty name");
      for (char c : name) {
        if (c == ']' || c == '\'' || c == '"' || c == '*' || c == ' ' || c == '}') {
          return fail("'" + std::string(1, c) + "' in a name needs the ['name'] form");
        }
      }
      path.steps_.emplace_back(std::string(name));
      rest.remove_prefix(end);
    } else if (rest[0] == '[') {
      if (rest.size() > 1 && (rest[1] == '\'' || rest[1] == '"')) {
        char quote = rest[1];
        std::size_t close = rest.find(quote, 2);
        if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ']') {
          return fail("an unterminated ['name']");
        }
        path.steps_.emplace_back(std::string(rest.substr(2, close - 2)));
        rest.remove_prefix(close + 2);
      } else {
        std::size_t close = rest.find(']');
        if (close == std::string_view::npos || close == 1) return fail("an unterminated [index]");
        std::size_t index = 0;
        for (char c : rest.substr(1, close - 1)) {
          if (c < '0' || c > '9' || index > 100'000'000)
            return fail("an index that is not a number");
          index = index * 10 + static_cast<std::size_t>(c - '0');
        }
        path.steps_.emplace_back(index);
        rest.remove_prefix(close + 1);
      }
    } else {
      return fail("expected '.' or '['");
    }
  }
  return path;
}

const json::value* BodyPath::find(const json::value& body) const {
  const json::value* at = &body;
  for (const auto& step : steps_) {
    const json::object* av = at->if_object();
    if (!av) return nullptr;
    if (const auto* name = std::get_if<std::string>(&step)) {
      const json::value* m = av->if_contains("M");
      if (!m || !m->is_object()) return nullptr;
      at = m->get_object().if_contains(*name);
    } else {
      const json::value* l = av->if_contains("L");
      std::size_t index = std::get<std::size_t>(step);
      if (!l || !l->is_array() || index >= l->get_array().size()) return nullptr;
      at = &l->get_array()[index];
    }
    if (!at) return nullptr;
  }
  return at;
}

}  // namespace gh::plugins::dynamodb
