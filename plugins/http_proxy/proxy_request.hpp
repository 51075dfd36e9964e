#pragma once
/// The pure parts of the http_proxy integration: parsing an integration URI into an origin plus a
/// path/query template, rendering the upstream request-target for one request, and building the
/// headers sent upstream (AWS HTTP_PROXY rules, docs/aws-notes-core.md §6).
///
/// Parsing runs while a snapshot is compiled; rendering and header building run per request on
/// the connection's executor. Everything here is a plain function of its arguments: no I/O, no
/// blocking, no shared state.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/api_info.hpp"
#include "gateway/core/header_map.hpp"
#include "gateway/core/request_context.hpp"
#include "gateway/net/http_client.hpp"

namespace gh::plugins::http_proxy {

/// A literal run of text or a `{name}` placeholder filled from a path parameter.
struct Piece {
  bool placeholder = false;
  std::string text;  // literal text, or the parameter name (without braces)
};

/// Where an integration sends requests: the origin and a template for the request-target.
struct TargetTemplate {
  net::Origin origin;
  std::vector<Piece> path;   // always starts with '/' when not empty
  std::vector<Piece> query;  // without '?'
  /// The URI named no path (or only "/"): an HTTP API `$default` route appends the request path.
  bool path_is_root = true;
  /// The URI as configured (after stage variables), for describe() and logs.
  std::string text;

  /// Every placeholder name, in order of appearance (path, then query).
  std::vector<std::string> placeholders() const;
};

/// Replaces `${stageVariables.name}` with the stage's values. Undefined names are appended to
/// `undefined` (each once) and replaced by nothing.
std::string substitute_stage_variables(std::string_view text, const core::StageInfo& stage,
                                       std::vector<std::string>& undefined);

/// Parses "http[s]://host[:port][/path][?query]", where path and query may hold `{name}`
/// placeholders (`allow_placeholders`). On failure returns nullopt and sets `error` to the reason
/// (without the URL itself).
std::optional<TargetTemplate> parse_target(std::string_view url, bool allow_placeholders,
                                           std::string& error);

/// Appends a path template (the `path` of a named-upstream integration, starting with '/') to
/// `base`, whose own path acts as a prefix. False and `error` when `path` is malformed.
bool append_path(TargetTemplate& base, std::string_view path, std::string& error);

/// Path-parameter names of a route path template ("/pets/{id}/{proxy+}" → id, proxy).
std::vector<std::string> route_path_parameters(std::string_view route_path);

/// Joins two raw query strings with '&', skipping empty ones.
std::string merge_query(std::string_view first, std::string_view second);

/// The origin-form request-target for this request: placeholders filled with the path parameter
/// values (REST: raw, as received; HTTP APIs: decoded values escaped again; a greedy `{proxy}`
/// keeps its slashes), the request path appended for an HTTP API `$default` route whose URI has
/// no path, and the client's raw query string merged after the URI's own query.
std::string render_target(const TargetTemplate& target, const core::RequestContext& ctx);

/// The headers sent upstream. Hop-by-hop headers, Expect, Content-Length and Host are dropped and
/// Host is set to `upstream_authority`. REST APIs add X-Amzn-Apigateway-Api-Id, X-Amzn-Trace-Id
/// and X-Forwarded-For/-Proto/-Port and drop Content-Encoding; HTTP APIs fold X-Forwarded-* into
/// `Forwarded` and add Via and X-Amzn-Trace-Id. `ctx.api` may be null (treated as an HTTP API).
core::HeaderMap build_upstream_headers(const core::RequestContext& ctx,
                                       std::string_view upstream_authority);
/// The same headers appended to `out` as "Name: value\r\n" lines, Host first: the form
/// net::OutboundRequest::fields takes (the proxy's per-request path builds no HeaderMap).
void append_upstream_fields(std::string& out, const core::RequestContext& ctx,
                            std::string_view upstream_authority);

/// A value for a `Forwarded` parameter (RFC 7239 §4): a token as is, otherwise a quoted-string;
/// with `node`, an IPv6 address is put in brackets first (RFC 7239 §6).
std::string forwarded_value(std::string_view value, bool node);
/// The same, appended to `out`.
void append_forwarded_value(std::string& out, std::string_view value, bool node);

}  // namespace gh::plugins::http_proxy
