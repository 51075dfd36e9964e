#include "plugins/lambda/proxy_event.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <utility>

#include "gateway/core/binary_media_types.hpp"
#include "gateway/core/header_map.hpp"
#include "gateway/pipeline/response_headers.hpp"
#include "gateway/util/encoding.hpp"
#include "gateway/util/time_format.hpp"
#include "gateway/util/utf8.hpp"

// Sources for the rules below (aws-behaviour.md §1.2/§1.3 names them in full):
//  [LS-AWS] LocalStack snapshots recorded against AWS (test_apigateway_lambda.snapshot.json).
//  [REAL]   events captured from AWS and published in public repositories: REST events of
//           2020-07 and 2022-12 (CloudFront edge), HTTP API payload 1.0 events of 2021-09,
//           2022-02, 2023-07 and 2024-08, payload 2.0 events of 2020-04 (aws-lambda-go
//           testdata), 2021-01 and 2022-02.
//  [DOC]    http-api-develop-integrations-lambda.md (payload format examples).

namespace gh::plugins::lambda {

namespace {

using core::iequals;

// ---------------------------------------------------------------------------------------------
// JSON output

// `text` as a JSON string. API Gateway decodes request bytes as UTF-8 and puts U+FFFD where they
// are malformed (the familiar EF BF BD corruption of binary uploads sent without a matching
// binaryMediaTypes entry); doing the same keeps the event valid JSON for every runtime.
void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  std::size_t run = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t n = util::utf8_sequence_length(text, i);
    if (n > 0) {
      i += n;
      continue;
    }
    util::append_json_escaped(out, text.substr(run, i - run));
    out.append("\xEF\xBF\xBD");
    run = ++i;
  }
  util::append_json_escaped(out, text.substr(run));
  out.push_back('"');
}

// Compact JSON in the order fields are written; AWS's key order is part of what we emulate.
class JsonWriter {
 public:
  std::string take() { return std::move(out_); }

  void begin_object() {
    before_value();
    out_.push_back('{');
    first_.push_back(true);
  }
  void end_object() {
    out_.push_back('}');
    first_.pop_back();
  }
  void begin_array() {
    before_value();
    out_.push_back('[');
    first_.push_back(true);
  }
  void end_array() {
    out_.push_back(']');
    first_.pop_back();
  }
  void key(std::string_view k) {
    separator();
    append_json_string(out_, k);
    out_.push_back(':');
    after_key_ = true;
  }
  void str(std::string_view v) {
    before_value();
    append_json_string(out_, v);
  }
  void null() {
    before_value();
    out_.append("null");
  }
  void boolean(bool b) {
    before_value();
    out_.append(b ? "true" : "false");
  }
  void number(std::int64_t n) {
    before_value();
    out_.append(std::to_string(n));
  }
  void field(std::string_view k, std::string_view v) {
    key(k);
    str(v);
  }
  // AWS's nulls: an empty value is written as null.
  void field_or_null(std::string_view k, std::string_view v) {
    key(k);
    if (v.empty()) {
      null();
    } else {
      str(v);
    }
  }

 private:
  void separator() {
    if (first_.empty()) return;
    if (!first_.back()) out_.push_back(',');
    first_.back() = false;
  }
  void before_value() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    separator();
  }

  std::string out_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

// ---------------------------------------------------------------------------------------------
// Headers

enum class Style { kRest, kHttpV1, kHttpV2 };

/// A header or query parameter with every value it came with, in order.
struct MultiValue {
  std::string name;
  std::vector<std::string> values;
};
using EventHeader = MultiValue;

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iless(std::string_view a, std::string_view b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return ascii_lower(x) < ascii_lower(y);
  });
}

// Without surrounding spaces and tabs (HTTP's optional whitespace).
std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Not in REST events: hop-by-hop and framing (Content-Length is absent [LS-AWS]) plus the headers
// LocalStack's AWS-validated REST pipeline strips before any integration (§1.2).
bool rest_drops(std::string_view name) {
  static constexpr std::array<std::string_view, 5> kRestDropped = {
      "Content-MD5", "Expect", "Max-Forwards", "Server", "WWW-Authenticate"};
  return pipeline::is_hop_by_hop(name) ||
         std::any_of(kRestDropped.begin(), kRestDropped.end(),
                     [&](std::string_view d) { return iequals(d, name); });
}

// HTTP APIs drop hop-by-hop headers (a Postman "Connection: keep-alive" never shows [REAL]) and
// replace Content-Length with their own.
bool http_drops(std::string_view name) {
  return pipeline::is_hop_by_hop(name) || iequals(name, "Expect");
}

// REST: names keep the client's casing except Authorization and User-Agent, which CloudFront
// title-cases ("aUThorization" arrives as "Authorization") [LS-AWS].
std::string rest_header_name(std::string_view name) {
  if (iequals(name, "Authorization")) return "Authorization";
  if (iequals(name, "User-Agent")) return "User-Agent";
  return std::string(name);
}

// The header names of the HTTP/2 HPACK static table (RFC 7541 appendix A) other than those
// title-cased below.
// clang-format off
constexpr std::array<std::string_view, 43> kHpackStaticNames = {
    "accept-charset", "accept-encoding", "accept-language", "accept-ranges", "accept",
    "access-control-allow-origin", "age", "allow", "authorization", "cache-control",
    "content-disposition", "content-encoding", "content-language", "content-location",
    "content-range", "cookie", "date", "etag", "expect", "expires", "from", "if-match",
    "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "last-modified",
    "link", "location", "max-forwards", "proxy-authenticate", "proxy-authorization", "range",
    "referer", "refresh", "retry-after", "server", "set-cookie", "strict-transport-security",
    "transfer-encoding", "vary", "via", "www-authenticate"};
// clang-format on

// HTTP API payload 1.0 names, as every captured event shows them [REAL]: Content-Length,
// Content-Type, Host and User-Agent title-cased; the well-known names of the HTTP/2 HPACK
// static table (RFC 7541 appendix A: accept, accept-encoding, authorization, cache-control, via
// …) lower-cased even when an HTTP/1.1 client sent "Accept" or "Cache-Control" (curl, Postman,
// Go); every other name as the client sent it ("Postman-Token", "X-Razorpay-Signature").
std::string http_v1_header_name(std::string_view name) {
  static constexpr std::array<std::string_view, 4> kTitleCased = {"Content-Length", "Content-Type",
                                                                  "Host", "User-Agent"};
  for (std::string_view t : kTitleCased) {
    if (iequals(t, name)) return std::string(t);
  }
  for (std::string_view h : kHpackStaticNames) {
    if (iequals(h, name)) return std::string(h);
  }
  return std::string(name);
}

std::string header_name(Style style, std::string_view name) {
  switch (style) {
    case Style::kRest:
      return rest_header_name(name);
    case Style::kHttpV1:
      return http_v1_header_name(name);
    case Style::kHttpV2:
      break;
  }
  return core::to_lower(name);  // payload 2.0 names are lower-case [DOC]
}

void add_header(std::vector<EventHeader>& headers, std::string name, std::string value) {
  // One entry per name, case-insensitively; the first casing seen is kept.
  for (auto& h : headers) {
    if (iequals(h.name, name)) {
      h.values.push_back(std::move(value));
      return;
    }
  }
  headers.push_back({std::move(name), {std::move(value)}});
}

// The request headers as the event shows them: filtered, renamed, with the headers API Gateway
// adds for every endpoint type (X-Amzn-Trace-Id, X-Forwarded-For/-Port/-Proto; HTTP APIs also
// their own Content-Length, present even on a GET: "content-length": "0" [REAL]) and sorted as
// AWS sorts them: REST case-insensitively, HTTP APIs by byte value (upper case first) [REAL].
std::vector<EventHeader> event_headers(const core::RequestContext& ctx, Style style) {
  const core::Request& req = ctx.request;
  std::vector<EventHeader> headers;
  headers.reserve(req.headers.size() + 5);
  std::string forwarded_for;
  for (const auto& f : req.headers) {
    if (style == Style::kRest ? rest_drops(f.name) : http_drops(f.name)) continue;
    // API Gateway replaces these with its own; the trace id is added below.
    if (iequals(f.name, "X-Forwarded-Proto") || iequals(f.name, "X-Forwarded-Port") ||
        iequals(f.name, "X-Amzn-Trace-Id")) {
      continue;
    }
    if (iequals(f.name, "X-Forwarded-For")) {
      // The client's chain is kept and the caller's address appended ("1.2.3.4, 52.1.2.3").
      if (!forwarded_for.empty()) forwarded_for += ", ";
      forwarded_for += f.value;
      continue;
    }
    if (style == Style::kHttpV2 && iequals(f.name, "Cookie")) continue;  // → "cookies" [DOC]
    add_header(headers, header_name(style, f.name), f.value);
  }

  const bool v2 = style == Style::kHttpV2;
  if (style != Style::kRest) {
    add_header(headers, v2 ? "content-length" : "Content-Length", std::to_string(req.body.size()));
  }
  add_header(headers, v2 ? "x-amzn-trace-id" : "X-Amzn-Trace-Id", proxy_trace_id(ctx));
  const std::string& client_ip = req.connection.source_ip;
  if (!client_ip.empty()) {
    if (!forwarded_for.empty()) forwarded_for += ", ";
    forwarded_for += client_ip;
  }
  if (!forwarded_for.empty()) {
    add_header(headers, v2 ? "x-forwarded-for" : "X-Forwarded-For", std::move(forwarded_for));
  }
  add_header(headers, v2 ? "x-forwarded-port" : "X-Forwarded-Port",
             std::to_string(req.connection.local_port));
  add_header(headers, v2 ? "x-forwarded-proto" : "X-Forwarded-Proto",
             req.connection.secure ? "https" : "http");

  if (style == Style::kRest) {
    std::stable_sort(
        headers.begin(), headers.end(),
        [](const EventHeader& a, const EventHeader& b) { return iless(a.name, b.name); });
  } else {
    std::stable_sort(headers.begin(), headers.end(),
                     [](const EventHeader& a, const EventHeader& b) { return a.name < b.name; });
  }
  return headers;
}

// REST and HTTP v1 events give headers and query parameters twice: `single` with the last
// value of each name, `multi` with all of them [DOC]; both null when there are none.
void write_v1_pair(JsonWriter& w, std::string_view single, std::string_view multi,
                   const std::vector<MultiValue>& entries) {
  w.key(single);
  if (entries.empty()) {
    w.null();
  } else {
    w.begin_object();
    for (const auto& e : entries) w.field(e.name, e.values.back());
    w.end_object();
  }
  w.key(multi);
  if (entries.empty()) {
    w.null();
  } else {
    w.begin_object();
    for (const auto& e : entries) {
      w.key(e.name);
      w.begin_array();
      for (const auto& v : e.values) w.str(v);
      w.end_array();
    }
    w.end_object();
  }
}

void write_v1_headers(JsonWriter& w, const std::vector<EventHeader>& headers) {
  write_v1_pair(w, "headers", "multiValueHeaders", headers);
}

// ---------------------------------------------------------------------------------------------
// Query string, path parameters, stage variables

using QueryParam = MultiValue;

// Names and values URL-decoded ('+' is a space), in order of first appearance; "flag" without
// '=' has the value "" [LS-AWS]. The fragment never reaches here (Request::set_target).
std::vector<QueryParam> parse_query(std::string_view query) {
  std::vector<QueryParam> params;
  std::size_t pos = 0;
  while (pos <= query.size()) {
    std::size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view pair = query.substr(pos, amp - pos);
    pos = amp + 1;
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    std::string name = util::percent_decode(pair.substr(0, eq), true);
    std::string value = eq == std::string_view::npos
                            ? std::string()
                            : util::percent_decode(pair.substr(eq + 1), true);
    auto it = std::find_if(params.begin(), params.end(),
                           [&](const QueryParam& p) { return p.name == name; });
    if (it == params.end()) {
      params.push_back({std::move(name), {std::move(value)}});
    } else {
      it->values.push_back(std::move(value));
    }
  }
  return params;
}

// Last value wins in queryStringParameters [LS-AWS].
void write_v1_query(JsonWriter& w, const std::vector<QueryParam>& params) {
  write_v1_pair(w, "queryStringParameters", "multiValueQueryStringParameters", params);
}

// Raw (still percent-encoded) values; a greedy {proxy+} value as routing captured it [LS-AWS].
void write_path_parameters(JsonWriter& w, const core::RequestContext& ctx) {
  w.begin_object();
  for (const auto& p : ctx.path_params) w.field(p.name, p.value);
  w.end_object();
}

void write_stage_variables(JsonWriter& w, const core::StageInfo& stage) {
  w.begin_object();
  for (const auto& [k, v] : stage.variables) w.field(k, v);
  w.end_object();
}

bool has_stage_variables(const core::RequestContext& ctx) {
  return ctx.stage && !ctx.stage->variables.empty();
}

// ---------------------------------------------------------------------------------------------
// Body

struct EventBody {
  bool base64 = false;
  std::string encoded;   // the base64 text when `base64`
  std::string_view raw;  // the request body otherwise (owned by the request)
  std::string_view text() const { return base64 ? std::string_view(encoded) : raw; }
};

// HTTP APIs have no binaryMediaTypes: a body is text only for text/*, application/json,
// application/xml and application/javascript; anything else, a missing Content-Type included,
// is base64 [OBS ministack PR #766, verified on AWS]. A content-coded body is bytes whatever its
// type: a gzip-encoded application/json upload arrives base64 [REAL 2021-01 event].
bool http_api_text_body(const core::HeaderMap& headers) {
  std::string_view encoding = headers.get("Content-Encoding");
  if (!encoding.empty() && !iequals(encoding, "identity")) return false;
  std::string_view type = headers.get("Content-Type");
  type = trim_ows(type.substr(0, type.find(';')));
  if (type.size() >= 5 && iequals(type.substr(0, 5), "text/")) return true;
  return iequals(type, "application/json") || iequals(type, "application/xml") ||
         iequals(type, "application/javascript");
}

EventBody event_body(const core::RequestContext& ctx, Style style) {
  EventBody body;
  const std::string& raw = ctx.request.body;
  if (raw.empty()) return body;  // null / omitted, and never base64 [REAL]
  if (style == Style::kRest) {
    // REST: base64 only when Content-Type matches binaryMediaTypes [DOC, OBS ministack PR #767].
    static const std::vector<std::string> kNone;
    body.base64 = core::matches_binary_media_type(ctx.request.headers.get("Content-Type"),
                                                  ctx.api ? ctx.api->binary_media_types : kNone);
  } else {
    body.base64 = !http_api_text_body(ctx.request.headers);
  }
  if (body.base64) {
    body.encoded = util::base64_encode(raw);
  } else {
    body.raw = raw;
  }
  return body;
}

// ---------------------------------------------------------------------------------------------
// requestContext pieces

std::string_view domain_prefix(std::string_view domain) {
  return domain.substr(0, domain.find('.'));
}

std::string_view route_key(const core::RequestContext& ctx) {
  return ctx.route ? std::string_view(ctx.route->route_key) : std::string_view();
}

// HTTP APIs: "$default" stands in for the resource of the $default route [REAL 2023-07 event].
std::string_view http_resource_path(const core::RequestContext& ctx) {
  if (!ctx.route) return {};
  return ctx.route->path.empty() ? std::string_view(ctx.route->route_key)
                                 : std::string_view(ctx.route->path);
}

std::string_view stage_name(const core::RequestContext& ctx) {
  return ctx.stage ? std::string_view(ctx.stage->name) : std::string_view();
}

// REST reports HTTP/1.1 whatever the client spoke (§1.2); HTTP APIs report the client's version.
std::string_view http_api_protocol(const core::Request& req) {
  return req.version == 10 ? "HTTP/1.0" : "HTTP/1.1";
}

std::string source_ip(const core::RequestContext& ctx) {
  return ctx.identity.source_ip.empty() ? ctx.request.connection.source_ip : ctx.identity.source_ip;
}

std::string user_agent(const core::RequestContext& ctx) {
  return ctx.identity.user_agent.empty() ? std::string(ctx.request.headers.get("User-Agent"))
                                         : ctx.identity.user_agent;
}

// `identity` for payload 1.0, keys emitted in the order of `order`; empty values are null.
template <std::size_t N>
void write_identity(JsonWriter& w, const core::RequestContext& ctx,
                    const std::array<std::string_view, N>& order) {
  const core::Identity& id = ctx.identity;
  const std::string ip = source_ip(ctx);
  const std::string agent = user_agent(ctx);
  // Cognito identity fields are never filled here: no Cognito Identity credentials exist locally.
  const std::array<std::pair<std::string_view, std::string_view>, 10> values = {{
      {"accessKey", id.access_key},
      {"accountId", id.account_id},
      {"apiKey", id.api_key},
      {"apiKeyId", id.api_key_id},
      {"caller", id.caller},
      {"principalOrgId", id.principal_org_id},
      {"sourceIp", ip},
      {"user", id.user},
      {"userAgent", agent},
      {"userArn", id.user_arn},
  }};
  w.key("identity");
  w.begin_object();
  for (std::string_view key : order) {
    std::string_view value;
    for (const auto& [k, v] : values) {
      if (k == key) value = v;
    }
    w.field_or_null(key, value);
  }
  w.end_object();
}

// REST payload 1.0 serialises `$context` from a java.util.HashMap: captured events (2020-07,
// 2022-12 [REAL]) list keys in that map's iteration order, which is fixed for a given key set.
// The orders below are those observations (HashMap bucket order at capacity 16 for the 12
// identity keys, 32 for 13+ keys and for requestContext).
constexpr std::array<std::string_view, 12> kRestIdentityOrder = {"cognitoIdentityPoolId",
                                                                 "accountId",
                                                                 "cognitoIdentityId",
                                                                 "caller",
                                                                 "sourceIp",
                                                                 "principalOrgId",
                                                                 "accessKey",
                                                                 "cognitoAuthenticationType",
                                                                 "cognitoAuthenticationProvider",
                                                                 "userArn",
                                                                 "userAgent",
                                                                 "user"};
// With a validated API key the map holds apiKey and apiKeyId too and is resized [REAL 2022-12].
constexpr std::array<std::string_view, 14> kRestIdentityWithApiKeyOrder = {
    "cognitoIdentityPoolId",
    "cognitoIdentityId",
    "apiKey",
    "principalOrgId",
    "cognitoAuthenticationType",
    "userArn",
    "apiKeyId",
    "userAgent",
    "accountId",
    "caller",
    "sourceIp",
    "accessKey",
    "cognitoAuthenticationProvider",
    "user"};
// HTTP API payload 1.0: alphabetical, with cognitoAmr [REAL, DOC].
constexpr std::array<std::string_view, 13> kHttpIdentityOrder = {"accessKey",
                                                                 "accountId",
                                                                 "caller",
                                                                 "cognitoAmr",
                                                                 "cognitoAuthenticationProvider",
                                                                 "cognitoAuthenticationType",
                                                                 "cognitoIdentityId",
                                                                 "cognitoIdentityPoolId",
                                                                 "principalOrgId",
                                                                 "sourceIp",
                                                                 "user",
                                                                 "userAgent",
                                                                 "userArn"};

// deploymentId is left out: there are no deployments here, and events before 2024 lacked it.
void write_rest_request_context(JsonWriter& w, const core::RequestContext& ctx) {
  const core::ApiInfo* api = ctx.api;
  w.key("requestContext");
  w.begin_object();
  w.field("resourceId", ctx.route ? std::string_view(ctx.route->resource_id) : "");
  w.field("resourcePath", ctx.route ? std::string_view(ctx.route->path) : "");
  w.field("httpMethod", ctx.request.method);
  w.field("extendedRequestId", ctx.extended_request_id);
  w.field("requestTime", util::clf_time(ctx.request_time));
  w.field("path", ctx.request.path);  // raw, with the stage [LS-AWS]
  w.field("accountId", api ? std::string_view(api->account_id) : "");
  w.field("protocol", "HTTP/1.1");
  w.field("stage", stage_name(ctx));
  w.field("domainPrefix", domain_prefix(ctx.domain_name));
  w.key("requestTimeEpoch");
  w.number(util::epoch_millis(ctx.request_time));
  w.field("requestId", ctx.request_id);
  if (ctx.identity.api_key.empty()) {
    write_identity(w, ctx, kRestIdentityOrder);
  } else {
    write_identity(w, ctx, kRestIdentityWithApiKeyOrder);
  }
  w.field("domainName", ctx.domain_name);
  w.field("apiId", api ? std::string_view(api->id) : "");
  w.end_object();
}

// HTTP API payload 1.0: alphabetical; requestId is the short id (= extendedRequestId), resourceId
// the route key, path the path with the stage [REAL], decoded as the route saw it (see
// http_v1_event).
void write_http_v1_request_context(JsonWriter& w, const core::RequestContext& ctx) {
  const core::ApiInfo* api = ctx.api;
  w.key("requestContext");
  w.begin_object();
  w.field("accountId", api ? std::string_view(api->account_id) : "");
  w.field("apiId", api ? std::string_view(api->id) : "");
  w.field("domainName", ctx.domain_name);
  w.field("domainPrefix", domain_prefix(ctx.domain_name));
  w.field("extendedRequestId", ctx.extended_request_id);
  w.field("httpMethod", ctx.request.method);
  write_identity(w, ctx, kHttpIdentityOrder);
  w.field("path", ctx.request_path());
  w.field("protocol", http_api_protocol(ctx.request));
  w.field("requestId", ctx.request_id);
  w.field("requestTime", util::clf_time(ctx.request_time));
  w.key("requestTimeEpoch");
  w.number(util::epoch_millis(ctx.request_time));
  w.field("resourceId", route_key(ctx));
  w.field("resourcePath", http_resource_path(ctx));
  w.field("stage", stage_name(ctx));
  w.end_object();
}

// Payload 2.0 `authorizer.iam`, present for IAM-authorised routes only [DOC http-api-access-
// control-iam]: callerId/userId are $context.identity.caller/user; cognitoIdentity is null
// unless Cognito Identity credentials signed the request (never, locally).
void write_v2_authorizer(JsonWriter& w, const core::Identity& id) {
  if (id.access_key.empty()) return;
  w.key("authorizer");
  w.begin_object();
  w.key("iam");
  w.begin_object();
  w.field_or_null("accessKey", id.access_key);
  w.field_or_null("accountId", id.account_id);
  w.field_or_null("callerId", id.caller);
  w.key("cognitoIdentity");
  w.null();
  w.field_or_null("principalOrgId", id.principal_org_id);
  w.field_or_null("userArn", id.user_arn);
  w.field_or_null("userId", id.user);
  w.end_object();
  w.end_object();
}

void write_v2_request_context(JsonWriter& w, const core::RequestContext& ctx) {
  const core::ApiInfo* api = ctx.api;
  w.key("requestContext");
  w.begin_object();
  w.field("accountId", api ? std::string_view(api->account_id) : "");
  w.field("apiId", api ? std::string_view(api->id) : "");
  write_v2_authorizer(w, ctx.identity);
  w.field("domainName", ctx.domain_name);
  w.field("domainPrefix", domain_prefix(ctx.domain_name));
  w.key("http");
  w.begin_object();
  w.field("method", ctx.request.method);
  w.field("path", ctx.request_path());  // decoded, like rawPath [REAL hotsock/voker]
  w.field("protocol", http_api_protocol(ctx.request));
  w.field("sourceIp", source_ip(ctx));
  w.field("userAgent", user_agent(ctx));
  w.end_object();
  w.field("requestId", ctx.request_id);
  w.field("routeKey", route_key(ctx));
  w.field("stage", stage_name(ctx));
  w.field("time", util::clf_time(ctx.request_time));
  w.key("timeEpoch");
  w.number(util::epoch_millis(ctx.request_time));
  w.end_object();
}

// ---------------------------------------------------------------------------------------------
// The three event shapes

void write_v1_body(JsonWriter& w, const EventBody& body) {
  w.key("body");
  if (body.text().empty()) {
    w.null();
  } else {
    w.str(body.text());
  }
  w.key("isBase64Encoded");
  w.boolean(body.base64);
}

// REST payload 1.0, top-level keys in AWS's order [DOC, REAL].
std::string rest_v1_event(const core::RequestContext& ctx) {
  JsonWriter w;
  w.begin_object();
  w.field("resource", ctx.route ? std::string_view(ctx.route->path) : "");
  // Without the stage, and raw as sent, like pathParameters: REST APIs do not decode the path
  // ("/capture/space%20value", proxy "capture/space%20value") [LS-AWS; REAL hotsock/voker
  // vokerhttp/testdata/apigwv1-request.json].
  w.field("path", ctx.path);
  w.field("httpMethod", ctx.request.method);
  write_v1_headers(w, event_headers(ctx, Style::kRest));
  write_v1_query(w, parse_query(ctx.request.query));
  w.key("pathParameters");
  if (ctx.path_params.empty()) {
    w.null();
  } else {
    write_path_parameters(w, ctx);
  }
  w.key("stageVariables");
  if (has_stage_variables(ctx)) {
    write_stage_variables(w, *ctx.stage);
  } else {
    w.null();
  }
  write_rest_request_context(w, ctx);
  write_v1_body(w, event_body(ctx, Style::kRest));
  w.end_object();
  return w.take();
}

// HTTP API payload 1.0: "version" first, requestContext before pathParameters, and "path" is the
// request path with the stage ("/dev/api/core/services" for stage dev) [DOC, REAL]. Like 2.0's
// rawPath it is decoded, and so are pathParameters: HTTP APIs decode the path before routing,
// whatever the payload format ("API Gateway HTTP APIs deliver the request path url-decoded, for
// payload format 1.0 `path` and 2.0 `rawPath` alike", middleapi/standard-server#93).
std::string http_v1_event(const core::RequestContext& ctx) {
  JsonWriter w;
  w.begin_object();
  w.field("version", "1.0");
  w.field("resource", http_resource_path(ctx));
  w.field("path", ctx.request_path());
  w.field("httpMethod", ctx.request.method);
  write_v1_headers(w, event_headers(ctx, Style::kHttpV1));
  write_v1_query(w, parse_query(ctx.request.query));
  write_http_v1_request_context(w, ctx);
  w.key("pathParameters");
  if (ctx.path_params.empty()) {
    w.null();
  } else {
    write_path_parameters(w, ctx);
  }
  w.key("stageVariables");
  if (has_stage_variables(ctx)) {
    write_stage_variables(w, *ctx.stage);
  } else {
    w.null();
  }
  write_v1_body(w, event_body(ctx, Style::kHttpV1));
  w.end_object();
  return w.take();
}

// WebSocket events (aws-behaviour.md §2.2): CONNECT carries the upgrade request's headers and
// query, MESSAGE the frame's text, DISCONNECT the close code and reason; requestContext keys in
// the order AWS sends them [aws-lambda-go testdata apigw-websocket-request-*.json].
void write_websocket_request_context(JsonWriter& w, const core::RequestContext& ctx) {
  const core::WebSocketEvent& ws = *ctx.websocket;
  w.key("requestContext");
  w.begin_object();
  w.field("routeKey", ctx.route ? std::string_view(ctx.route->route_key) : "$default");
  if (ws.type == core::WebSocketEvent::Type::kMessage) w.field("messageId", ws.message_id);
  if (ws.type == core::WebSocketEvent::Type::kDisconnect) {
    w.key("disconnectStatusCode");
    w.number(ws.disconnect_status_code);
    w.field("disconnectReason", ws.disconnect_reason);
  }
  w.field("eventType", ws.type_name());
  w.field("extendedRequestId", ctx.extended_request_id);
  w.field("requestTime", util::clf_time(ctx.request_time));
  w.field("messageDirection", "IN");
  w.field("stage", stage_name(ctx));
  w.key("connectedAt");
  w.number(ws.connected_at);
  w.key("requestTimeEpoch");
  w.number(util::epoch_millis(ctx.request_time));
  w.key("identity");
  w.begin_object();
  const core::Identity& id = ctx.identity;
  if (!id.access_key.empty()) {  // AWS_IAM on $connect: the signer, on every event [DOC]
    w.field("accountId", id.account_id);
    w.field("accessKey", id.access_key);
    w.field("caller", id.caller);
    w.field("user", id.user);
    w.field("userArn", id.user_arn);
  }
  if (!id.api_key.empty()) {
    w.field("apiKey", id.api_key);
    w.field("apiKeyId", id.api_key_id);
  }
  w.field("userAgent", user_agent(ctx));
  w.field("sourceIp", source_ip(ctx));
  w.end_object();
  // requestId equals extendedRequestId on WebSocket events [OBS].
  w.field("requestId", ctx.extended_request_id);
  w.field("domainName", ctx.domain_name);
  w.field("connectionId", ws.connection_id);
  w.field("apiId", ctx.api ? std::string_view(ctx.api->id) : "");
  w.end_object();
}

std::string websocket_event(const core::RequestContext& ctx) {
  const core::WebSocketEvent& ws = *ctx.websocket;
  JsonWriter w;
  w.begin_object();
  if (ws.type != core::WebSocketEvent::Type::kMessage) {
    write_v1_headers(w, event_headers(ctx, Style::kRest));
  }
  if (ws.type == core::WebSocketEvent::Type::kConnect) {
    auto query = parse_query(ctx.request.query);
    if (!query.empty()) write_v1_query(w, query);
  }
  write_websocket_request_context(w, ctx);
  if (ws.type == core::WebSocketEvent::Type::kMessage) {
    w.field("body", ctx.request.body);
  }
  w.key("isBase64Encoded");
  w.boolean(false);
  w.end_object();
  return w.take();
}

// Every Cookie header split into its "name=value" pairs, in order [DOC].
std::vector<std::string_view> request_cookies(const core::HeaderMap& headers) {
  std::vector<std::string_view> cookies;
  for (std::string_view value : headers.values("Cookie")) {
    std::size_t pos = 0;
    while (pos <= value.size()) {
      std::size_t semi = value.find(';', pos);
      if (semi == std::string_view::npos) semi = value.size();
      std::string_view c = trim_ows(value.substr(pos, semi - pos));
      if (!c.empty()) cookies.push_back(c);
      pos = semi + 1;
    }
  }
  return cookies;
}

// Payload 2.0: optional keys are omitted rather than null; order as in the AWS docs' example.
std::string http_v2_event(const core::RequestContext& ctx) {
  JsonWriter w;
  w.begin_object();
  w.field("version", "2.0");
  w.field("routeKey", route_key(ctx));
  // Despite its name, decoded: HTTP APIs decode the path before routing (routing/
  // request_path.hpp); a live capture has "rawPath":"/capture/space value" for
  // /capture/space%20value [REAL hotsock/voker vokerhttp/testdata/apigwv2-request.json].
  w.field("rawPath", ctx.request_path());
  w.field("rawQueryString", ctx.request.query);
  std::vector<std::string_view> cookies = request_cookies(ctx.request.headers);
  if (!cookies.empty()) {
    w.key("cookies");
    w.begin_array();
    for (std::string_view c : cookies) w.str(c);
    w.end_array();
  }
  w.key("headers");
  w.begin_object();
  for (const auto& h : event_headers(ctx, Style::kHttpV2)) {
    std::string joined;  // duplicates joined with "," [DOC]
    for (const auto& v : h.values) {
      if (!joined.empty()) joined += ',';
      joined += v;
    }
    w.field(h.name, joined);
  }
  w.end_object();
  std::vector<QueryParam> query = parse_query(ctx.request.query);
  if (!query.empty()) {
    w.key("queryStringParameters");
    w.begin_object();
    for (const auto& p : query) {
      std::string joined;
      for (std::size_t i = 0; i < p.values.size(); ++i) {
        if (i > 0) joined += ',';
        joined += p.values[i];
      }
      w.field(p.name, joined);
    }
    w.end_object();
  }
  write_v2_request_context(w, ctx);
  EventBody body = event_body(ctx, Style::kHttpV2);
  if (!body.text().empty()) w.field("body", body.text());
  if (!ctx.path_params.empty()) {
    w.key("pathParameters");
    write_path_parameters(w, ctx);
  }
  w.key("isBase64Encoded");
  w.boolean(body.base64);
  if (has_stage_variables(ctx)) {
    w.key("stageVariables");
    write_stage_variables(w, *ctx.stage);
  }
  w.end_object();
  return w.take();
}

// FNV-1a, 64 bit, from a chosen offset basis.
std::uint64_t fnv1a(std::string_view text, std::uint64_t basis) {
  std::uint64_t h = basis;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ULL;
  return h;
}

}  // namespace

std::string proxy_trace_id(const core::RequestContext& ctx) {
  // A client-supplied trace header is continued, as X-Ray does for API Gateway.
  std::string_view sent = trim_ows(ctx.request.headers.get("X-Amzn-Trace-Id"));
  if (!sent.empty()) return std::string(sent);
  auto secs =
      std::chrono::duration_cast<std::chrono::seconds>(ctx.request_time.time_since_epoch()).count();
  std::uint64_t a = fnv1a(ctx.request_id, 14695981039346656037ULL);
  std::uint64_t b = fnv1a(ctx.request_id, 0x84222325cbf29ce4ULL);
  char buf[48];
  std::snprintf(buf, sizeof buf, "Root=1-%08llx-%016llx%08llx",
                static_cast<unsigned long long>(secs) & 0xffffffffULL,
                static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b & 0xffffffffULL));
  return buf;
}

std::string build_proxy_event(const core::RequestContext& ctx, PayloadFormat format) {
  if (ctx.websocket) return websocket_event(ctx);
  if (format == PayloadFormat::kV2) return http_v2_event(ctx);
  if (ctx.api && ctx.api->protocol == core::ApiProtocol::kRest) return rest_v1_event(ctx);
  return http_v1_event(ctx);
}

}  // namespace gh::plugins::lambda
