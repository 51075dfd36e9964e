// parse_route_spec(): a `type: s3` route's YAML, checked at config load as far as it can be
// without a request: the action (given, or implied by the route's method), the templates of
// bucket, key and prefix and the path parameters they name, and a bucket fixed by the config.
#include "plugins/s3/route_config.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "gateway/core/request_context.hpp"
#include "plugins/s3/names.hpp"

namespace gh::plugins::s3 {

namespace {

constexpr std::array kActions = {RouteAction::kGetObject, RouteAction::kHeadObject,
                                 RouteAction::kPutObject, RouteAction::kDeleteObject,
                                 RouteAction::kListObjectsV2};

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

/// The path parameters of a resource path ("/files/{dir}/{key+}" → dir, key).
std::vector<std::string> route_params(std::string_view path) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while ((i = path.find('{', i)) != std::string_view::npos) {
    std::size_t end = path.find('}', i);
    if (end == std::string_view::npos) break;
    std::string name(path.substr(i + 1, end - i - 1));
    if (!name.empty() && name.back() == '+') name.pop_back();
    out.push_back(std::move(name));
    i = end + 1;
  }
  return out;
}

/// `{name}` / `{name+}` (AWS's S3 URI placeholders) written as `${request.path.name}`; `${…}`
/// forms are left alone.
std::string expand_placeholders(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '{' && (i == 0 || text[i - 1] != '$')) {
      std::size_t j = i + 1;
      while (j < text.size() && name_char(text[j])) ++j;
      std::size_t name_end = j;
      if (j < text.size() && text[j] == '+') ++j;
      if (name_end > i + 1 && j < text.size() && text[j] == '}') {
        out += "${request.path.";
        out.append(text.substr(i + 1, name_end - i - 1));
        out += '}';
        i = j + 1;
        continue;
      }
    }
    out += c;
    ++i;
  }
  return out;
}

/// The path parameters a template reads (`$request.path.x`, `${request.path.x}`).
std::vector<std::string> referenced_params(std::string_view text) {
  std::vector<std::string> out;
  constexpr std::string_view kMarker = "request.path.";
  std::size_t i = 0;
  while ((i = text.find(kMarker, i)) != std::string_view::npos) {
    bool variable = (i >= 1 && text[i - 1] == '$') || (i >= 2 && text.substr(i - 2, 2) == "${");
    std::size_t j = i + kMarker.size();
    std::size_t start = j;
    while (j < text.size() && name_char(text[j])) ++j;
    if (variable && j > start) out.emplace_back(text.substr(start, j - start));
    i = j;
  }
  return out;
}

/// Compiles one template key; reports bad `$context` variables and unknown path parameters.
std::optional<core::ValueTemplate> read_template(config::MapReader& r, std::string_view key,
                                                 const std::string& text,
                                                 const core::RouteInfo& route,
                                                 config::Diagnostics& diags) {
  config::Node at = r.get(key);
  std::string expanded = expand_placeholders(text);
  std::string error;
  auto t = core::ValueTemplate::compile(expanded, {}, error);
  if (!t) {
    diags.error(at.location(), at.path(), error);
    return std::nullopt;
  }
  std::vector<std::string> params = route_params(route.path);
  for (const auto& name : referenced_params(expanded)) {
    if (std::find(params.begin(), params.end(), name) != params.end()) continue;
    std::string msg = "the route " + route.route_key + " has no path parameter '" + name + "'";
    if (auto near = config::did_you_mean(name, params)) msg += "; did you mean '" + *near + "'?";
    diags.error(at.location(), at.path(), msg);
    return std::nullopt;
  }
  return t;
}

}  // namespace

std::string_view action_name(RouteAction a) noexcept {
  switch (a) {
    case RouteAction::kGetObject:
      return "GetObject";
    case RouteAction::kHeadObject:
      return "HeadObject";
    case RouteAction::kPutObject:
      return "PutObject";
    case RouteAction::kDeleteObject:
      return "DeleteObject";
    case RouteAction::kListObjectsV2:
      return "ListObjectsV2";
    case RouteAction::kByMethod:
      break;
  }
  return "GET/HEAD/PUT/DELETE";
}

std::optional<RouteSpec> parse_route_spec(const config::Node& node, const core::RouteInfo& route,
                                          const core::StageInfo& stage,
                                          config::Diagnostics& diags) {
  config::MapReader r(node, diags);
  if (!r.ok()) return std::nullopt;
  r.allow("type");
  std::size_t errors = diags.error_count();
  RouteSpec s;

  // The key: as written, or the route's last path parameter ("GET /files/{key+}"). A GET route
  // without action that gives a prefix but no key is a listing ("GET /folders/{folder}" with
  // prefix "{folder}/"): its path parameters feed the prefix, so none becomes a key.
  std::optional<std::string> key_text = r.string("key");
  const bool lists_by_prefix =
      !key_text && !r.has("action") && route.method == "GET" && r.has("prefix");
  if (!key_text && !lists_by_prefix) {
    std::vector<std::string> params = route_params(route.path);
    if (!params.empty() && route.path.ends_with("}")) {
      key_text = "${request.path." + params.back() + "}";
    }
  }

  std::optional<std::string> action_text = r.string("action");
  if (action_text) {
    auto action = config::one_of(
        *action_text, kActions, action_name, r.get("action"), "action",
        "an s3 route does GetObject, HeadObject, PutObject, DeleteObject or ListObjectsV2", diags);
    if (!action) return std::nullopt;
    s.action = *action;
  } else {
    // AWS's S3 proxy sends the method it is given: GET/HEAD/PUT/DELETE name an operation.
    const std::string& m = route.method;
    if (m == "GET") {
      s.action = key_text ? RouteAction::kGetObject : RouteAction::kListObjectsV2;
    } else if (m == "HEAD") {
      s.action = RouteAction::kHeadObject;
    } else if (m == "PUT") {
      s.action = RouteAction::kPutObject;
    } else if (m == "DELETE") {
      s.action = RouteAction::kDeleteObject;
    } else if (m == "ANY" || m.empty()) {
      s.action = RouteAction::kByMethod;
    } else {
      diags.error(node.location(), node.path(),
                  m + " implies no S3 action: set action (GetObject, HeadObject, PutObject, "
                      "DeleteObject or ListObjectsV2)");
      return std::nullopt;
    }
  }

  bool lists = s.action == RouteAction::kListObjectsV2;
  bool objects = s.action != RouteAction::kListObjectsV2 && s.action != RouteAction::kByMethod;
  if (lists && r.has("key")) {
    config::Node at = r.get("key");
    diags.error(at.location(), at.path(),
                "'key' does not apply to ListObjectsV2 (it takes bucket, prefix and response)");
  } else if (key_text && !lists) {
    s.key = read_template(r, "key", *key_text, route, diags);
  } else if (objects) {
    diags.error(node.location(), node.path(),
                std::string(action_name(s.action)) +
                    " needs a key: key: $request.path.key, or a route ending in {key+}");
  }
  if (auto prefix = r.string("prefix")) {
    if (objects) {
      config::Node at = r.get("prefix");
      diags.error(at.location(), at.path(),
                  "'prefix' does not apply to " + std::string(action_name(s.action)) +
                      " (it takes bucket and key)");
    } else {
      s.prefix = read_template(r, "prefix", *prefix, route, diags);
    }
  } else if (!objects) {
    std::string error;
    s.prefix = core::ValueTemplate::compile("$request.querystring.prefix", {}, error);
  }

  if (auto bucket = r.string("bucket", config::Need::kRequired)) {
    if (auto t = read_template(r, "bucket", *bucket, route, diags)) {
      s.bucket = std::move(*t);
      // A bucket fixed by the config (or by stage variables) is checked now.
      core::RequestContext probe;
      probe.stage = &stage;
      std::string rendered;
      if (s.bucket.render(probe, rendered) && !rendered.empty() &&
          rendered.find("${") == std::string::npos) {
        if (!is_valid_bucket_name(rendered)) {
          config::Node at = r.get("bucket");
          diags.error(at.location(), at.path(),
                      "'" + rendered +
                          "' is not a valid S3 bucket name (3-63 characters: a-z, "
                          "0-9, '.' and '-')");
        }
        s.static_bucket = std::move(rendered);
      }
    }
  }

  if (auto format = r.string("response")) {
    if (*format == "xml") {
      s.format = RouteFormat::kXml;
    } else if (*format != "json") {
      config::Node at = r.get("response");
      diags.error(at.location(), at.path(),
                  "response is json (listings and errors as JSON, the default) or xml (S3's "
                  "own documents)");
    }
  }
  r.finish();
  if (diags.error_count() != errors) return std::nullopt;
  return s;
}

}  // namespace gh::plugins::s3
