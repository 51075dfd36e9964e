#include "plugins/s3/route_integration.hpp"

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "gateway/core/binary_media_types.hpp"
#include "gateway/core/error_response.hpp"
#include "gateway/core/header_map.hpp"
#include "gateway/util/encoding.hpp"
#include "gateway/util/utf8.hpp"
#include "plugins/s3/names.hpp"
#include "plugins/s3/s3_xml.hpp"

namespace gh::plugins::s3 {

namespace {

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && core::iequals(text.substr(0, prefix.size()), prefix);
}

/// Request headers S3 is sent (an allow-list: x-amz-copy-source and the like would turn a
/// PutObject into another operation, on another bucket).
bool forwarded_request_header(std::string_view name, std::string_view value) {
  static constexpr std::array<std::string_view, 12> kNames = {"Content-Type",
                                                              "Content-MD5",
                                                              "Content-Language",
                                                              "Cache-Control",
                                                              "Expires",
                                                              "Content-Disposition",
                                                              "Range",
                                                              "If-Match",
                                                              "If-None-Match",
                                                              "If-Modified-Since",
                                                              "If-Unmodified-Since",
                                                              "Content-Encoding"};
  if (starts_with_ci(name, "x-amz-meta-")) return true;
  for (std::string_view n : kNames) {
    if (!core::iequals(name, n)) continue;
    // aws-chunked is S3's upload framing, not a property of the object: never passed on.
    return !core::iequals(n, "Content-Encoding") ||
           value.find("aws-chunked") == std::string_view::npos;
  }
  return false;
}

/// Response headers the client gets from S3's answer (S3's ids and Server stay behind).
bool forwarded_response_header(std::string_view name) {
  static constexpr std::array<std::string_view, 11> kNames = {
      "Content-Type",     "ETag",          "Last-Modified",       "Content-Range",
      "Accept-Ranges",    "Cache-Control", "Content-Disposition", "Content-Encoding",
      "Content-Language", "Expires",       "x-amz-version-id"};
  if (starts_with_ci(name, "x-amz-meta-")) return true;
  for (std::string_view n : kNames) {
    if (core::iequals(name, n)) return true;
  }
  return false;
}

/// A key S3 may store whose `.`/`..` segments no server or proxy between here and the bucket
/// could resolve: such keys, and keys S3 refuses, are a client error.
bool acceptable_key(std::string_view key) {
  if (validate_key(key) != S3Error::kNone) return false;
  std::size_t start = 0;
  while (start <= key.size()) {
    std::size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view segment = key.substr(start, end - start);
    if (segment == "." || segment == "..") return false;
    start = end + 1;
  }
  return true;
}

/// S3's ListBucketResult (ListObjectsV2) as {"objects": [{key, size, lastModified, etag}],
/// "prefixes": […], "count": n, "nextToken": …}; nullopt if it is not one.
std::optional<std::string> listing_json(std::string_view xml) {
  auto root = parse_xml(xml);
  if (!root || root->name != "ListBucketResult") return std::nullopt;
  std::string objects, prefixes;
  std::size_t count = 0;
  for (const XmlNode& n : root->children) {
    if (n.name == "Contents") {
      std::string size = n.child_text("Size");
      if (size.empty() || size.find_first_not_of("0123456789") != std::string::npos) size = "0";
      if (!objects.empty()) objects += ',';
      objects += "{\"key\":" + util::json_quote(n.child_raw("Key")) + ",\"size\":" + size +
                 ",\"lastModified\":" + util::json_quote(n.child_text("LastModified")) +
                 ",\"etag\":" + util::json_quote(n.child_text("ETag")) + "}";
      ++count;
    } else if (n.name == "CommonPrefixes") {
      if (!prefixes.empty()) prefixes += ',';
      prefixes += util::json_quote(n.child_raw("Prefix"));
      ++count;
    }
  }
  std::string out = "{\"objects\":[" + objects + "],\"prefixes\":[" + prefixes +
                    "],\"count\":" + std::to_string(count);
  if (root->child_text("IsTruncated") == "true") {
    out += ",\"nextToken\":" + util::json_quote(root->child_text("NextContinuationToken"));
  }
  out += '}';
  return out;
}

/// Client query parameters a listing passes on: S3's own names, and the JSON answer's.
struct ListParam {
  std::string_view s3_name;
  std::string_view alias;
};
constexpr std::array<ListParam, 4> kListParams = {{{"delimiter", "delimiter"},
                                                   {"max-keys", "maxKeys"},
                                                   {"continuation-token", "nextToken"},
                                                   {"start-after", "startAfter"}}};

/// Path parameters percent-decoded while the templates render (keys are decoded names, as an
/// S3 client means them: AWS puts a REST API's raw value into the S3 URI, which S3 decodes),
/// restored afterwards: the access log and later hooks see them as dispatch left them. HTTP
/// APIs' parameters were decoded by dispatch already (RequestContext::path_decoded()): they
/// are used as they are, not decoded a second time.
class DecodedPathParams {
 public:
  explicit DecodedPathParams(core::RequestContext& ctx) : ctx_(ctx) {
    if (ctx.path_decoded()) return;
    raw_ = ctx.path_params;
    restore_ = true;
    for (auto& p : ctx_.path_params) p.value = util::percent_decode(p.value);
  }
  ~DecodedPathParams() {
    if (restore_) ctx_.path_params = std::move(raw_);
  }
  DecodedPathParams(const DecodedPathParams&) = delete;
  DecodedPathParams& operator=(const DecodedPathParams&) = delete;

 private:
  core::RequestContext& ctx_;
  std::vector<core::PathParam> raw_;
  bool restore_ = false;
};

class RouteIntegration final : public core::Integration {
 public:
  RouteIntegration(RouteSpec spec, std::shared_ptr<const S3Backend> backend)
      : spec_(std::move(spec)), backend_(std::move(backend)) {
    for (const auto& p : kListParams) {
      std::string error;
      list_params_.push_back({*core::ValueTemplate::compile(
                                  "$request.querystring." + std::string(p.s3_name), {}, error),
                              *core::ValueTemplate::compile(
                                  "$request.querystring." + std::string(p.alias), {}, error)});
    }
  }

  boost::asio::awaitable<core::IntegrationResult> invoke(core::RequestContext& ctx) const override {
    RouteAction action = spec_.action;
    if (action == RouteAction::kByMethod) {
      const std::string& m = ctx.request.method;
      if (m == "GET") {
        action = spec_.key ? RouteAction::kGetObject : RouteAction::kListObjectsV2;
      } else if (m == "HEAD" && spec_.key) {
        action = RouteAction::kHeadObject;
      } else if (m == "PUT" && spec_.key) {
        action = RouteAction::kPutObject;
      } else if (m == "DELETE" && spec_.key) {
        action = RouteAction::kDeleteObject;
      } else {
        core::Response r = core::json_message(405, "Method Not Allowed");
        r.headers.add("Allow", spec_.key ? "GET, HEAD, PUT, DELETE" : "GET");
        co_return r;
      }
    }

    S3Request req;
    {
      DecodedPathParams decoded(ctx);
      if (!spec_.bucket.render(ctx, req.bucket) || !is_valid_bucket_name(req.bucket)) {
        ctx.integration_error = "s3: the bucket '" + spec_.bucket.source_text() + "' renders as '" +
                                req.bucket + "', not a bucket name";
        co_return core::GatewayError::of(core::ErrorKind::kApiConfigurationError,
                                         ctx.integration_error);
      }
      if (action == RouteAction::kListObjectsV2) {
        std::string prefix;
        if (spec_.prefix) spec_.prefix->render(ctx, prefix);  // a missing value lists everything
        req.query = "list-type=2";
        if (!prefix.empty()) req.query += "&prefix=" + util::percent_encode(prefix);
        for (std::size_t i = 0; i < kListParams.size(); ++i) {
          std::string value;
          if (!list_params_[i].first.render(ctx, value)) {
            list_params_[i].second.render(ctx, value);
          }
          if (!value.empty()) {
            req.query +=
                "&" + std::string(kListParams[i].s3_name) + "=" + util::percent_encode(value);
          }
        }
      } else if (!spec_.key->render(ctx, req.key) || req.key.empty()) {
        ctx.integration_error =
            "the request has no value for the key (" + spec_.key->source_text() + ")";
        co_return core::json_message(400, ctx.integration_error);
      } else if (!acceptable_key(req.key)) {
        ctx.integration_error = "invalid object key";
        co_return core::json_message(400, "Invalid object key");
      }
    }

    const bool rest = ctx.api && ctx.api->protocol == core::ApiProtocol::kRest;
    const std::vector<std::string> no_types;
    const auto& binary_types = ctx.api ? ctx.api->binary_media_types : no_types;
    switch (action) {
      case RouteAction::kGetObject:
      case RouteAction::kListObjectsV2:
        req.method = "GET";
        break;
      case RouteAction::kHeadObject:
        req.method = "HEAD";
        break;
      case RouteAction::kDeleteObject:
        req.method = "DELETE";
        break;
      default:
        req.method = "PUT";
        req.body = ctx.request.body;
        // REST APIs pass a body untouched only when its Content-Type is binary; HTTP APIs
        // (which AWS gives no S3 integration) pass every body as it is. Text is what API
        // Gateway makes of other payloads: what is not UTF-8 becomes U+FFFD [DOC
        // api-gateway-payload-encodings-workflow: text payloads are "UTF8-encoded string"s].
        if (rest && !core::matches_binary_media_type(ctx.request.headers.get("Content-Type"),
                                                     binary_types)) {
          req.body = util::replace_invalid_utf8(req.body);
        }
        break;
    }
    if (action != RouteAction::kListObjectsV2) {
      for (const auto& f : ctx.request.headers) {
        if (forwarded_request_header(f.name, f.value)) req.headers.add(f.name, f.value);
      }
    }

    core::Response answer = co_await backend_->call(std::move(req));
    ctx.integration_status = answer.status;
    if (answer.status >= 300 && answer.status != 304)
      co_return failure(ctx, action, std::move(answer));

    core::Response out;
    out.status = answer.status;
    for (const auto& f : answer.headers) {
      if (forwarded_response_header(f.name)) out.headers.add(f.name, f.value);
    }
    if (action == RouteAction::kHeadObject) {
      // The length a GET would have (HEAD answers carry no body).
      if (const std::string* length = answer.headers.find("Content-Length")) {
        out.headers.add("Content-Length", *length);
      }
    }
    if (action == RouteAction::kListObjectsV2 && spec_.format == RouteFormat::kJson) {
      if (auto json = listing_json(answer.body))
        co_return core::json_response(200, std::move(*json));
      ctx.integration_error = "s3: ListObjectsV2 answered something other than a listing";
      co_return core::GatewayError::of(core::ErrorKind::kIntegrationResponseError,
                                       ctx.integration_error);
    }
    out.body = std::move(answer.body);
    out.body_source = std::move(answer.body_source);
    // REST: the answer is binary only when the client accepts a binary media type; otherwise
    // API Gateway hands it over as text (Accept vs binaryMediaTypes, first type only).
    if (rest && !out.body.empty() &&
        !core::matches_binary_media_type(ctx.request.headers.get("Accept"), binary_types)) {
      out.body = util::replace_invalid_utf8(out.body);
    }
    co_return out;
  }

  std::string describe() const override {
    std::string out =
        "s3 " + std::string(action_name(spec_.action)) + " " +
        (spec_.static_bucket.empty() ? spec_.bucket.source_text() : spec_.static_bucket);
    if (spec_.key) {
      out += " key " + spec_.key->source_text();
    } else if (spec_.prefix) {
      out += " prefix " + spec_.prefix->source_text();
    }
    bool lists = spec_.action == RouteAction::kListObjectsV2 ||
                 (spec_.action == RouteAction::kByMethod && !spec_.key);
    out += " (";
    if (lists) out += spec_.format == RouteFormat::kXml ? "xml, " : "json, ";
    out += backend_->describe() + ")";
    return out;
  }

 private:
  /// S3's error: its own XML (`response: xml`), else JSON; a missing key is a plain 404.
  core::Response failure(core::RequestContext& ctx, RouteAction action,
                         core::Response answer) const {
    std::string code, text;
    if (auto doc = parse_xml(answer.body); doc && doc->name == "Error") {
      code = doc->child_text("Code");
      text = doc->child_text("Message");
    }
    if (code.empty() && answer.status == 404) code = "NoSuchKey";  // HEAD: S3 sends no body
    ctx.integration_error =
        "s3 " + std::to_string(answer.status) + " " + code + (text.empty() ? "" : ": " + text);
    if (spec_.format == RouteFormat::kXml) {
      core::Response out;
      out.status = answer.status;
      if (const std::string* type = answer.headers.find("Content-Type")) {
        out.headers.add("Content-Type", *type);
      }
      out.body = std::move(answer.body);
      return out;
    }
    core::Response out;
    if (code == "NoSuchKey") {
      out = core::json_message(404, "Not Found");
    } else {
      out = core::json_response(
          answer.status, "{\"message\":" + util::json_quote(text.empty() ? "S3 error" : text) +
                             ",\"code\":" + util::json_quote(code) + "}");
    }
    if (action == RouteAction::kHeadObject) out.body.clear();
    return out;
  }

  RouteSpec spec_;
  std::shared_ptr<const S3Backend> backend_;
  std::vector<std::pair<core::ValueTemplate, core::ValueTemplate>> list_params_;
};

}  // namespace

std::shared_ptr<const core::Integration> make_route_integration(
    RouteSpec spec, std::shared_ptr<const S3Backend> backend) {
  return std::make_shared<RouteIntegration>(std::move(spec), std::move(backend));
}

}  // namespace gh::plugins::s3
