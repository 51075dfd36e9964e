#include "plugins/http_proxy/proxy_request.hpp"

#include <algorithm>
#include <array>
#include <boost/container/small_vector.hpp>
#include <boost/url/authority_view.hpp>
#include <boost/url/parse.hpp>
#include <charconv>

#include "gateway/util/ascii.hpp"
#include "gateway/util/encoding.hpp"
#include "gateway/util/ids.hpp"

namespace gh::plugins::http_proxy {

using namespace std::string_view_literals;  // appended without a strlen each

namespace {

constexpr std::string_view kStageVariablePrefix = "${stageVariables.";

bool placeholder_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == '+';
}

void add_literal(std::vector<Piece>& pieces, std::string_view text) {
  if (text.empty()) return;
  if (!pieces.empty() && !pieces.back().placeholder) {
    pieces.back().text.append(text);
  } else {
    pieces.push_back({false, std::string(text)});
  }
}

// Splits `text` into literals and `{name}` placeholders.
bool tokenize(std::string_view text, bool allow_placeholders, std::vector<Piece>& out,
              std::string& error) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t open = text.find_first_of("{}", pos);
    if (open == std::string_view::npos) {
      add_literal(out, text.substr(pos));
      break;
    }
    if (text[open] == '}') {
      error = "unexpected '}'";
      return false;
    }
    std::size_t close = text.find('}', open);
    if (close == std::string_view::npos) {
      error = "unterminated '{'";
      return false;
    }
    std::string_view name = text.substr(open + 1, close - open - 1);
    if (name.empty() || !std::all_of(name.begin(), name.end(), placeholder_char)) {
      error = "invalid placeholder '{" + std::string(name) + "}'";
      return false;
    }
    if (!allow_placeholders) {
      error = "placeholders such as '{" + std::string(name) +
              "}' are not allowed here; put them in the route's 'path'";
      return false;
    }
    add_literal(out, text.substr(pos, open - pos));
    out.push_back({true, std::string(name)});
    pos = close + 1;
  }
  return true;
}

std::string pieces_text(const std::vector<Piece>& pieces) {
  std::string out;
  for (const auto& p : pieces) {
    if (p.placeholder) {
      out += '{';
      out += p.text;
      out += '}';
    } else {
      out += p.text;
    }
  }
  return out;
}

bool is_root(const std::vector<Piece>& path) {
  return path.empty() || (path.size() == 1 && !path[0].placeholder && path[0].text == "/");
}

// Parses "[/path][?query]" into `t.path` / `t.query`, checking that the text (with each
// placeholder standing for one character) is a valid origin-form request-target.
bool parse_path_query(std::string_view tail, bool allow_placeholders, TargetTemplate& t,
                      std::string& error) {
  if (tail.find('#') != std::string_view::npos) {
    error = "a fragment ('#') is not allowed";
    return false;
  }
  std::size_t q = tail.find('?');
  std::string_view path = tail.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : tail.substr(q + 1);
  std::vector<Piece> path_pieces, query_pieces;
  if (!tokenize(path, allow_placeholders, path_pieces, error) ||
      !tokenize(query, allow_placeholders, query_pieces, error)) {
    return false;
  }
  std::string probe;
  for (const auto& p : path_pieces) probe += p.placeholder ? std::string("x") : p.text;
  if (probe.empty()) probe = "/";
  if (q != std::string_view::npos) {
    probe += '?';
    for (const auto& p : query_pieces) probe += p.placeholder ? std::string("x") : p.text;
  }
  if (!boost::urls::parse_origin_form(probe)) {
    error = "invalid characters in the path or query";
    return false;
  }
  t.path = std::move(path_pieces);
  t.query = std::move(query_pieces);
  t.path_is_root = is_root(t.path);
  return true;
}

std::string origin_text(const net::Origin& origin) {
  return (origin.https ? "https://" : "http://") + origin.authority();
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls fn(token) for each element of a comma-separated header list, trimmed, skipping empties.
template <typename Fn>
void for_each_list_item(std::string_view value, Fn&& fn) {
  std::size_t pos = 0;
  while (pos <= value.size()) {
    std::size_t comma = value.find(',', pos);
    if (comma == std::string_view::npos) comma = value.size();
    std::string_view item = trim(value.substr(pos, comma - pos));
    if (!item.empty()) fn(item);
    pos = comma + 1;
  }
}

// What an incoming field is to the proxy (emit_upstream_headers() applies the rules).
enum class Incoming : unsigned char {
  kPlain,            // goes upstream as it came
  kNever,            // never forwarded by either API type
  kXForwardedFor,    // folded into the gateway's chain (REST) or Forwarded (HTTP APIs)
  kTraceId,          // X-Amzn-Trace-Id: passed on, or made
  kXForwardedProto,  // the gateway's own (REST), or folded into Forwarded (HTTP APIs)
  kXForwardedPort,
  kXForwardedHost,  // dropped by HTTP APIs
  kForwarded,       // HTTP APIs: leads the gateway's own Forwarded
  kVia,             // HTTP APIs: leads the gateway's own Via
  kApiId,           // X-Amzn-Apigateway-Api-Id: REST sets its own
  kRestDropped,     // dropped by REST HTTP_PROXY
};

struct IncomingName {
  std::string_view name;
  Incoming kind;
};

// Every name that is not kPlain, in one place.
// - kNever: hop-by-hop headers (RFC 9110 §7.6.1), Expect (this client sends the body at once),
//   Content-Length (recomputed for the body actually sent) and Host (the upstream's own,
//   docs/aws-notes-core.md §6).
// - kRestDropped: REST HTTP_PROXY also drops these (LocalStack snapshots recorded against AWS,
//   docs/aws-notes-core.md §6); Content-Encoding in particular does not reach the backend.
constexpr std::array<IncomingName, 25> kIncomingNames = {{
    {"Connection", Incoming::kNever},
    {"Keep-Alive", Incoming::kNever},
    {"Proxy-Connection", Incoming::kNever},
    {"TE", Incoming::kNever},
    {"Trailer", Incoming::kNever},
    {"Transfer-Encoding", Incoming::kNever},
    {"Upgrade", Incoming::kNever},
    {"Proxy-Authenticate", Incoming::kNever},
    {"Proxy-Authorization", Incoming::kNever},
    {"Expect", Incoming::kNever},
    {"Content-Length", Incoming::kNever},
    {"Host", Incoming::kNever},
    {"X-Forwarded-For", Incoming::kXForwardedFor},
    {"X-Amzn-Trace-Id", Incoming::kTraceId},
    {"X-Forwarded-Proto", Incoming::kXForwardedProto},
    {"X-Forwarded-Port", Incoming::kXForwardedPort},
    {"X-Forwarded-Host", Incoming::kXForwardedHost},
    {"Forwarded", Incoming::kForwarded},
    {"Via", Incoming::kVia},
    {"X-Amzn-Apigateway-Api-Id", Incoming::kApiId},
    {"Content-Encoding", Incoming::kRestDropped},
    {"Content-MD5", Incoming::kRestDropped},
    {"Max-Forwards", Incoming::kRestDropped},
    {"Server", Incoming::kRestDropped},
    {"WWW-Authenticate", Incoming::kRestDropped},
}};

// One pass over the table, comparing lengths first: most fields are kPlain, and few names
// share a length.
Incoming classify(std::string_view name) {
  for (const auto& known : kIncomingNames) {
    if (known.name.size() == name.size() && util::iequals_ascii(known.name, name)) {
      return known.kind;
    }
  }
  return Incoming::kPlain;
}

}  // namespace

std::vector<std::string> TargetTemplate::placeholders() const {
  std::vector<std::string> out;
  for (const auto* pieces : {&path, &query}) {
    for (const auto& p : *pieces) {
      if (p.placeholder) out.push_back(p.text);
    }
  }
  return out;
}

std::string substitute_stage_variables(std::string_view text, const core::StageInfo& stage,
                                       std::vector<std::string>& undefined) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    std::size_t start = text.find(kStageVariablePrefix, pos);
    if (start == std::string_view::npos) break;
    std::size_t close = text.find('}', start);
    if (close == std::string_view::npos) break;
    out.append(text.substr(pos, start - pos));
    std::string name(text.substr(start + kStageVariablePrefix.size(),
                                 close - start - kStageVariablePrefix.size()));
    if (const std::string* value = stage.variable(name)) {
      out.append(*value);
    } else if (std::find(undefined.begin(), undefined.end(), name) == undefined.end()) {
      undefined.push_back(std::move(name));
    }
    pos = close + 1;
  }
  out.append(text.substr(pos));
  return out;
}

std::optional<TargetTemplate> parse_target(std::string_view url, bool allow_placeholders,
                                           std::string& error) {
  TargetTemplate t;
  t.text = std::string(url);
  std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    error = "expected scheme://host[:port][/path]";
    return std::nullopt;
  }
  std::string scheme = core::to_lower(url.substr(0, sep));
  if (scheme != "http" && scheme != "https") {
    error = "the scheme must be http or https";
    return std::nullopt;
  }
  t.origin.https = scheme == "https";
  std::string_view rest = url.substr(sep + 3);
  std::size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (authority.find_first_of("{}") != std::string_view::npos) {
    error = "the host and port cannot hold placeholders";
    return std::nullopt;
  }
  auto parsed = boost::urls::parse_authority(authority);
  if (!parsed) {
    error = "invalid host or port";
    return std::nullopt;
  }
  if (parsed->has_userinfo()) {
    error = "user information (user:password@) is not supported";
    return std::nullopt;
  }
  switch (parsed->host_type()) {
    case boost::urls::host_type::ipv6:
      t.origin.host = parsed->host_ipv6_address().to_string();
      break;
    case boost::urls::host_type::ipv4:
    case boost::urls::host_type::name:
      t.origin.host = parsed->host_address();
      break;
    default:
      break;
  }
  if (t.origin.host.empty()) {
    error = "missing host";
    return std::nullopt;
  }
  t.origin.port = t.origin.https ? 443 : 80;
  if (parsed->has_port() && !parsed->port().empty()) {
    std::string_view port(parsed->port().data(), parsed->port().size());
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || ptr != port.data() + port.size() || value == 0 || value > 65535) {
      error = "invalid port '" + std::string(port) + "'";
      return std::nullopt;
    }
    t.origin.port = static_cast<std::uint16_t>(value);
  }
  if (!parse_path_query(tail, allow_placeholders, t, error)) return std::nullopt;
  return t;
}

bool append_path(TargetTemplate& base, std::string_view path, std::string& error) {
  if (path.empty() || path.front() != '/') {
    error = "must start with '/'";
    return false;
  }
  TargetTemplate extra;
  if (!parse_path_query(path, true, extra, error)) return false;
  // The upstream URL's path is a prefix: "/api" or "/api/" + "/pets" → "/api/pets".
  std::vector<Piece> combined;
  std::string prefix = pieces_text(base.path);
  if (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  add_literal(combined, prefix);
  for (auto& p : extra.path) {
    if (p.placeholder) {
      combined.push_back(std::move(p));
    } else {
      add_literal(combined, p.text);
    }
  }
  std::vector<Piece> query = base.query;
  if (!query.empty() && !extra.query.empty()) add_literal(query, "&");
  for (auto& p : extra.query) {
    if (p.placeholder) {
      query.push_back(std::move(p));
    } else {
      add_literal(query, p.text);
    }
  }
  base.path = std::move(combined);
  base.query = std::move(query);
  base.path_is_root = is_root(base.path);
  base.text = origin_text(base.origin) + pieces_text(base.path);
  if (!base.query.empty()) base.text += "?" + pieces_text(base.query);
  return true;
}

std::vector<std::string> route_path_parameters(std::string_view route_path) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    std::size_t open = route_path.find('{', pos);
    if (open == std::string_view::npos) break;
    std::size_t close = route_path.find('}', open);
    if (close == std::string_view::npos) break;
    std::string_view name = route_path.substr(open + 1, close - open - 1);
    if (!name.empty() && name.back() == '+') name.remove_suffix(1);  // greedy {proxy+}
    if (!name.empty()) out.emplace_back(name);
    pos = close + 1;
  }
  return out;
}

std::string merge_query(std::string_view first, std::string_view second) {
  if (first.empty()) return std::string(second);
  if (second.empty()) return std::string(first);
  std::string out;
  out.reserve(first.size() + 1 + second.size());
  out.append(first);
  out += '&';
  out.append(second);
  return out;
}

std::string render_target(const TargetTemplate& target, const core::RequestContext& ctx) {
  // REST APIs pass path parameters on raw, as received. HTTP APIs decoded the path before
  // routing (routing/request_path.hpp), so the values go back on the wire escaped: in the path
  // only what cannot stand there as itself (space, '%', '?', '#', non-ASCII …; a greedy value
  // keeps its slashes, and a "%2F" the client sent is a '/' by now, as at AWS); in the query
  // everything but unreserved characters. How AWS re-encodes is not documented; this is the
  // least that keeps the URL valid and the upstream's decoded view equal to the route's.
  const bool decoded = ctx.path_decoded();
  std::string out;
  auto render = [&](const std::vector<Piece>& pieces, std::string& into, bool query) {
    for (const auto& p : pieces) {
      if (!p.placeholder) {
        into += p.text;
      } else if (const std::string* value = ctx.path_param(p.text)) {
        if (!decoded) {
          into += *value;
        } else if (query) {
          into += util::percent_encode(*value);
        } else {
          util::append_percent_encoded_path(into, *value);
        }
      }
    }
  };
  // HTTP APIs: a $default route whose URI names no path forwards the request path.
  if (ctx.route && ctx.route->route_key == "$default" && target.path_is_root) {
    if (ctx.path.empty()) {
      out = "/";
    } else if (decoded) {
      util::append_percent_encoded_path(out, ctx.path);
    } else {
      out = ctx.path;
    }
  } else {
    render(target.path, out, false);
    if (out.empty()) out = "/";
  }
  std::string query;
  render(target.query, query, true);
  std::string merged = merge_query(query, ctx.request.query);
  if (!merged.empty()) {
    out += '?';
    out += merged;
  }
  return out;
}

void append_forwarded_value(std::string& out, std::string_view value, bool node) {
  // An IPv6 node is bracketed; a value that is not a token is quoted (RFC 7239 §4, §6).
  bool bracket = node && !value.empty() && value.front() != '[' &&
                 std::count(value.begin(), value.end(), ':') >= 2;
  bool token = !bracket && !value.empty() && util::all_tchar(value);
  if (token) {
    out.append(value);
    return;
  }
  out += '"';
  if (bracket) out += '[';
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  if (bracket) out += ']';
  out += '"';
}

std::string forwarded_value(std::string_view value, bool node) {
  std::string out;
  append_forwarded_value(out, value, node);
  return out;
}

namespace {

// Where emit_upstream_headers() puts the fields. begin() returns the string a field's value is
// appended to; end() closes the field.
struct MapSink {  // a HeaderMap
  core::HeaderMap& out;
  std::string name{};
  std::string value{};

  std::string& begin(std::string_view field) {
    name.assign(field);
    value.clear();
    return value;
  }
  void end() { out.add(std::move(name), std::move(value)); }
  void copy(std::string_view field, std::string_view text) { out.add_copy(field, text); }
};

struct WireSink {  // "Name: value\r\n" lines, appended straight to the request head
  std::string& out;

  std::string& begin(std::string_view field) {
    out += field;
    out += ": "sv;
    return out;
  }
  void end() { out += "\r\n"sv; }
  void copy(std::string_view field, std::string_view text) {
    begin(field) += text;
    end();
  }
};

// Calls fn(element) for every element of every `name` field, in order.
template <typename Fn>
void for_each_element(const core::HeaderMap& headers, std::string_view name, Fn&& fn) {
  for (const auto& f : headers) {
    if (core::iequals(f.name, name)) for_each_list_item(f.value, fn);
  }
}

// The AWS rules for what goes upstream, in one place for both sinks. Composite values
// (X-Forwarded-For, Forwarded, Via) are written as they are gathered: no list or string of
// their own.
template <typename Sink>
void emit_upstream_headers(const core::RequestContext& ctx, std::string_view upstream_authority,
                           Sink& sink) {
  const bool rest = ctx.api && ctx.api->protocol == core::ApiProtocol::kRest;
  const core::HeaderMap& in_headers = ctx.request.headers;

  // Names listed in Connection are hop-by-hop for this message too (RFC 9110 §7.6.1).
  boost::container::small_vector<std::string_view, 4> nominated;
  for_each_element(in_headers, "Connection",
                   [&](std::string_view item) { nominated.push_back(item); });

  auto is_nominated = [&](std::string_view name) {
    return std::any_of(nominated.begin(), nominated.end(),
                       [&](std::string_view n) { return core::iequals(n, name); });
  };

  sink.copy("Host", upstream_authority);
  bool has_xff = false;
  bool has_forwarded = false;  // Forwarded or Via fields came in
  const std::string* trace = nullptr;
  for (const auto& f : in_headers) {
    const std::string& name = f.name;
    const Incoming kind = classify(name);
    if (kind == Incoming::kNever) continue;
    // A WebSocket handshake's own fields describe the client's socket, not the backend call.
    if (ctx.websocket && name.size() >= 14 && core::iequals(name.substr(0, 14), "Sec-WebSocket-")) {
      continue;
    }
    if (is_nominated(name)) continue;
    switch (kind) {
      case Incoming::kXForwardedFor:  // folded into the chain below
        has_xff = true;
        continue;
      case Incoming::kTraceId:
        if (!trace) trace = &f.value;
        continue;
      // HTTP APIs translate X-Forwarded-* into one Forwarded header (AWS known issues);
      // incoming Forwarded and Via values lead the gateway's own (below). REST sets its own
      // X-Forwarded-Proto, -Port and API id.
      case Incoming::kXForwardedProto:
      case Incoming::kXForwardedPort:
        continue;
      case Incoming::kXForwardedHost:
        if (!rest) continue;
        break;
      case Incoming::kForwarded:
      case Incoming::kVia:
        if (!rest) {
          has_forwarded = true;
          continue;
        }
        break;
      case Incoming::kApiId:
      case Incoming::kRestDropped:
        if (rest) continue;
        break;
      case Incoming::kPlain:
      case Incoming::kNever:
        break;
    }
    sink.copy(f.name, f.value);
  }

  const std::string& client_ip = ctx.request.connection.source_ip;
  const std::string_view proto = ctx.request.connection.secure ? "https" : "http";
  auto emit_trace = [&] {
    std::string& value = sink.begin("X-Amzn-Trace-Id");
    if (trace) {
      value += *trace;
    } else {
      util::append_trace_id(value, ctx.request_time == std::chrono::system_clock::time_point{}
                                       ? std::chrono::system_clock::now()
                                       : ctx.request_time);
    }
    sink.end();
  };

  if (rest) {
    // REST adds X-Forwarded-* to the method request, and HTTP_PROXY forwards those (§6):
    // X-Forwarded-For is the incoming chain, then the client.
    std::string* chain = nullptr;
    auto link = [&](std::string_view item) {
      if (chain) {
        *chain += ", "sv;
      } else {
        chain = &sink.begin("X-Forwarded-For");
      }
      chain->append(item);
    };
    if (has_xff) for_each_element(in_headers, "X-Forwarded-For", link);
    if (!client_ip.empty()) link(client_ip);
    if (chain) sink.end();
    sink.copy("X-Forwarded-Proto", proto);
    char digits[8];
    auto end = std::to_chars(digits, digits + sizeof digits, ctx.request.connection.local_port).ptr;
    sink.copy("X-Forwarded-Port", std::string_view(digits, static_cast<std::size_t>(end - digits)));
    emit_trace();
    sink.copy("X-Amzn-Apigateway-Api-Id", ctx.api ? std::string_view(ctx.api->id) : "");
    return;
  }

  // HTTP APIs: Forwarded: [incoming elements, ]for=<xff…>, for=<client>;host=<host>;proto=<p>.
  std::string& value = sink.begin("Forwarded");
  bool first = true;
  auto separate = [&] {
    if (!first) value += ", "sv;
    first = false;
  };
  // (The incoming values as the main loop would have let them through: Connection may name
  // them, and an empty one adds nothing.)
  if (has_forwarded) {
    for (const auto& f : in_headers) {
      if (!core::iequals(f.name, "Forwarded") || f.value.empty() || is_nominated(f.name)) continue;
      separate();
      value += f.value;
    }
  }
  if (has_xff) {
    for_each_element(in_headers, "X-Forwarded-For", [&](std::string_view item) {
      separate();
      value += "for="sv;
      append_forwarded_value(value, item, true);
    });
  }
  std::string_view host = ctx.domain_name.empty() ? in_headers.get("Host") : ctx.domain_name;
  separate();
  value += "for="sv;
  if (client_ip.empty()) {
    value += "unknown"sv;
  } else {
    append_forwarded_value(value, client_ip, true);
  }
  if (!host.empty()) {
    value += ";host="sv;
    append_forwarded_value(value, host, false);
  }
  value += ";proto="sv;
  value += proto;
  sink.end();

  std::string& via = sink.begin("Via");
  if (has_forwarded) {
    for (const auto& f : in_headers) {
      if (!core::iequals(f.name, "Via") || f.value.empty() || is_nominated(f.name)) continue;
      via += f.value;
      via += ", "sv;
    }
  }
  via += "HTTP/1.1 AmazonAPIGateway"sv;
  sink.end();
  emit_trace();
}

}  // namespace

core::HeaderMap build_upstream_headers(const core::RequestContext& ctx,
                                       std::string_view upstream_authority) {
  core::HeaderMap out;
  out.reserve(ctx.request.headers.size() + 6);
  MapSink sink{out};
  emit_upstream_headers(ctx, upstream_authority, sink);
  return out;
}

void append_upstream_fields(std::string& out, const core::RequestContext& ctx,
                            std::string_view upstream_authority) {
  WireSink sink{out};
  emit_upstream_headers(ctx, upstream_authority, sink);
}

}  // namespace gh::plugins::http_proxy
