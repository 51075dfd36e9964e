#include "gateway/routing/route_key.hpp"

#include <algorithm>
#include <array>

namespace gh::routing {

namespace {

constexpr std::array<std::string_view, 8> kMethods = {"GET",   "POST", "PUT",     "DELETE",
                                                      "PATCH", "HEAD", "OPTIONS", "ANY"};

bool valid_param_name(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

bool valid_literal(std::string_view text) {
  return std::none_of(text.begin(), text.end(), [](char c) {
    return c == '{' || c == '}' || c == ' ' || c == '\t' || c == '?' || c == '#' ||
           static_cast<unsigned char>(c) < 0x20;
  });
}

}  // namespace

bool is_route_method(std::string_view method) noexcept {
  return std::find(kMethods.begin(), kMethods.end(), method) != kMethods.end();
}

std::string RouteKey::to_string() const {
  if (is_default) return "$default";
  return method + " " + path;
}

RouteKeyResult parse_route_path(std::string_view path) {
  RouteKeyResult result;
  if (path.empty() || path.front() != '/') {
    result.error = "the path must start with '/'";
    return result;
  }
  RouteKey key;
  std::size_t pos = 1;
  while (pos <= path.size()) {
    std::size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    std::string_view seg = path.substr(pos, next - pos);
    pos = next + 1;
    if (seg.empty()) {
      if (next == path.size()) break;  // trailing slash
      result.error = "empty path segment ('//') in '" + std::string(path) + "'";
      return result;
    }
    if (!key.segments.empty() && key.segments.back().kind == PathSegment::Kind::kGreedy) {
      result.error =
          "a greedy path parameter {" + key.segments.back().text + "+} must be the last segment";
      return result;
    }
    PathSegment s;
    if (seg.front() == '{' || seg.back() == '}') {
      if (seg.size() < 3 || seg.front() != '{' || seg.back() != '}') {
        result.error = "path parameter '" + std::string(seg) +
                       "' must be a whole segment written {name} or {name+}";
        return result;
      }
      std::string_view name = seg.substr(1, seg.size() - 2);
      s.kind = PathSegment::Kind::kParam;
      if (name.back() == '+') {
        s.kind = PathSegment::Kind::kGreedy;
        name.remove_suffix(1);
      }
      if (!valid_param_name(name)) {
        result.error = "invalid path parameter name '" + std::string(name) +
                       "' (letters, digits, '_', '-', '.')";
        return result;
      }
      for (const auto& other : key.segments) {
        if (other.kind != PathSegment::Kind::kLiteral && other.text == name) {
          result.error = "path parameter '" + std::string(name) + "' appears twice";
          return result;
        }
      }
      s.text = std::string(name);
    } else {
      if (!valid_literal(seg)) {
        result.error = "invalid character in path segment '" + std::string(seg) + "'";
        return result;
      }
      s.text = std::string(seg);
    }
    key.segments.push_back(std::move(s));
  }
  key.path.clear();
  for (const auto& s : key.segments) {
    key.path += '/';
    if (s.kind == PathSegment::Kind::kLiteral) {
      key.path += s.text;
    } else {
      key.path += '{';
      key.path += s.text;
      key.path += s.kind == PathSegment::Kind::kGreedy ? "+}" : "}";
    }
  }
  if (key.path.empty()) key.path = "/";
  result.key = std::move(key);
  return result;
}

RouteKeyResult parse_route_key(std::string_view text) {
  RouteKeyResult result;
  if (text == "$default") {
    RouteKey key;
    key.is_default = true;
    result.key = std::move(key);
    return result;
  }
  auto space = text.find(' ');
  if (space == std::string_view::npos) {
    result.error = "a route key is \"METHOD /path\" (e.g. \"GET /pets/{id}\") or \"$default\"";
    return result;
  }
  std::string_view method = text.substr(0, space);
  std::string_view path = text.substr(space + 1);
  if (!is_route_method(method)) {
    result.error = "unknown method '" + std::string(method) +
                   "' (GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS or ANY)";
    return result;
  }
  if (path.find(' ') != std::string_view::npos) {
    result.error = "a route key has exactly one space, between method and path";
    return result;
  }
  result = parse_route_path(path);
  if (result.key) result.key->method = std::string(method);
  return result;
}

}  // namespace gh::routing
