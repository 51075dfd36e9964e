#include "plugins/http_proxy/http_proxy_integration.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gateway/core/services.hpp"
#include "gateway/net/http_client.hpp"
#include "plugins/http_proxy/proxy_request.hpp"

namespace gh::plugins::http_proxy {

namespace {

constexpr std::array<std::string_view, 8> kMethods = {"ANY",   "GET",    "POST", "PUT",
                                                      "PATCH", "DELETE", "HEAD", "OPTIONS"};

// AWS answers the failures of an HTTP_PROXY call itself (docs/aws-notes-core.md §1): a timeout
// is INTEGRATION_TIMEOUT (504), a dead or closed backend and garbage from it are
// INTEGRATION_FAILURE (504 "Network error communicating with endpoint"), and what AWS treats as
// its own configuration problem (TLS trust, name resolution, a backend payload over 10 MB) is a
// 500 "Internal server error".
//
// HTTP APIs have no such distinction: any backend they cannot get an answer from is 503
// "Service Unavailable" (docs/aws-notes-core.md §2), so there DNS and TLS failures are
// integration failures too; a backend payload over the limit stays a 500.
core::ErrorKind error_kind(net::SendErrorKind kind, core::ApiProtocol protocol) {
  bool http_api = protocol != core::ApiProtocol::kRest;
  switch (kind) {
    case net::SendErrorKind::kTimeout:
      return core::ErrorKind::kIntegrationTimeout;
    case net::SendErrorKind::kConnect:
      return core::ErrorKind::kIntegrationFailure;
    case net::SendErrorKind::kProtocol:
      return core::ErrorKind::kIntegrationFailure;
    case net::SendErrorKind::kDns:
    case net::SendErrorKind::kTls:
      return http_api ? core::ErrorKind::kIntegrationFailure
                      : core::ErrorKind::kApiConfigurationError;
    case net::SendErrorKind::kTooLarge:
    case net::SendErrorKind::kLocal:  // (no sink nor body file here)
      return core::ErrorKind::kApiConfigurationError;
  }
  return core::ErrorKind::kIntegrationFailure;
}

class HttpProxyIntegration final : public core::Integration {
 public:
  HttpProxyIntegration(TargetTemplate target, std::string method, std::chrono::milliseconds timeout,
                       std::shared_ptr<const net::HttpClient> client)
      : target_(std::move(target)),
        method_(std::move(method)),
        timeout_(timeout),
        client_(std::move(client)),
        authority_(target_.origin.authority()),
        endpoint_(target_.origin.to_string()) {}

  boost::asio::awaitable<core::IntegrationResult> invoke(core::RequestContext& ctx) const override {
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    // The request and the response (about 1.3 KiB with their headers' inline storage) live in
    // one heap block, not in this coroutine's frame: Asio recycles frames of up to 1,020 bytes
    // per thread, and allocating a larger one also evicts a cached frame, so a 2 KiB frame here
    // cost three aligned allocations per request (this one and two it evicted) instead of one.
    struct Exchange {
      net::OutboundRequest request;
      core::Response response;
    };
    const auto exchange = std::make_unique<Exchange>();
    net::OutboundRequest& request = exchange->request;
    // AWS integrationHttpMethod: ANY passes the client's method through. WebSocket events have
    // none (a message is not a request; $connect's GET is the upgrade's): they are POSTed, the
    // message as the body, unless httpMethod names another method.
    if (method_ != "ANY") {
      request.method = method_;
    } else {
      request.method = ctx.websocket ? std::string("POST") : ctx.request.method;
    }
    request.target = render_target(target_, ctx);
    request.fields.reserve(384);
    append_upstream_fields(request.fields, ctx, authority_);
    request.body = ctx.request.body;

    core::Response& response = exchange->response;
    std::optional<net::SendError> failed =
        co_await client_->send_into(target_.origin, request, deadline, response);
    if (!failed) {
      ctx.integration_status = response.status;
      co_return std::move(response);
    }
    const net::SendError& error = *failed;
    ctx.integration_error = std::string(net::to_string(error.kind)) + ": " + error.message;
    spdlog::warn("request {}: http_proxy {} {} failed: {}", ctx.request_id, request.method,
                 endpoint_, ctx.integration_error);
    co_return core::GatewayError::of(
        error_kind(error.kind, ctx.api ? ctx.api->protocol : core::ApiProtocol::kHttp));
  }

  std::string describe() const override {
    return "http_proxy " + method_ + " " + target_.text + " (" + std::to_string(timeout_.count()) +
           " ms)";
  }

 private:
  TargetTemplate target_;
  std::string method_;
  std::chrono::milliseconds timeout_;
  std::shared_ptr<const net::HttpClient> client_;
  std::string authority_;  // the Host header sent upstream
  std::string endpoint_;   // scheme://host:port, for logs
};

struct Upstream {
  std::string name;
  config::Node node;
  std::optional<TargetTemplate> target;
  net::ClientOptions options;
  bool ok = true;
};

// True when a typed read of a present key failed (the reader has reported it).
template <typename T>
bool failed(const config::Node& node, const std::optional<T>& value) {
  return !node.is_null() && !value;
}

// The top-level `upstreams` section (small, so parsed again by each factory call).
std::vector<Upstream> parse_upstreams(const config::Node& root, config::Diagnostics& diags) {
  std::vector<Upstream> out;
  config::Node section = root.child("upstreams");
  if (section.is_null()) return out;
  config::MapReader sr(section, diags);
  if (!sr.ok()) return out;
  for (const auto& [key, value] : section.entries()) {
    sr.allow(key.scalar());
    Upstream u;
    u.name = key.scalar();
    u.node = value;
    config::MapReader r(value, diags);
    if (!r.ok() || value.is_null()) {
      if (value.is_null()) {
        diags.error(value.location(), value.path(), "expected a mapping with 'url', got null");
      }
      u.ok = false;
      r.allow_all_remaining();
      out.push_back(std::move(u));
      continue;
    }
    config::Node url_node = r.get("url");
    auto url = r.string("url", config::Need::kRequired);
    if (url) {
      std::string error;
      u.target = parse_target(*url, false, error);
      if (!u.target) {
        diags.error(url_node.location(), url_node.path(), "invalid URL '" + *url + "': " + error);
      }
    }
    if (!u.target) u.ok = false;

    config::Node tls_node = r.get("tls");
    config::MapReader tr(tls_node, diags);
    if (!tr.ok()) u.ok = false;
    auto verify = tr.boolean("verify");
    if (failed(tls_node.child("verify"), verify)) u.ok = false;
    if (verify) u.options.tls_verify = *verify;
    auto ca_file = tr.string("caFile");
    if (failed(tls_node.child("caFile"), ca_file)) u.ok = false;
    if (ca_file) u.options.ca_file = *ca_file;
    tr.finish();

    auto max_idle = r.integer("maxIdleConnections", 0, 100000);
    if (failed(value.child("maxIdleConnections"), max_idle)) u.ok = false;
    if (max_idle) u.options.max_idle_per_origin = static_cast<std::size_t>(*max_idle);
    auto idle_ms = r.integer("idleTimeoutMillis", 1, 86400000);
    if (failed(value.child("idleTimeoutMillis"), idle_ms)) u.ok = false;
    if (idle_ms) u.options.idle_timeout = std::chrono::milliseconds(*idle_ms);
    r.finish();
    out.push_back(std::move(u));
  }
  sr.finish();
  return out;
}

class HttpProxyFactory final : public core::IntegrationFactory {
 public:
  std::string_view type() const override { return "http_proxy"; }
  std::vector<std::string> top_level_keys() const override { return {"upstreams"}; }

  std::shared_ptr<const core::Integration> create(const core::IntegrationBuildContext& ctx,
                                                  config::Diagnostics& diags) const override {
    config::MapReader r(ctx.node, diags);
    if (!r.ok()) return nullptr;
    r.allow("type");
    bool ok = true;
    // Parsed by every http_proxy route, so that mistakes in the section surface even when the
    // routes use `uri:`; Diagnostics keeps one copy of each.
    std::vector<Upstream> upstreams = parse_upstreams(ctx.root, diags);

    config::Node uri_node = r.get("uri");
    config::Node upstream_node = r.get("upstream");
    config::Node path_node = r.get("path");
    auto uri = r.string("uri");
    auto upstream_name = r.string("upstream");
    auto path = r.string("path");
    if (failed(uri_node, uri) || failed(upstream_node, upstream_name) || failed(path_node, path)) {
      ok = false;
    }

    // Where placeholder errors point: the text that holds the placeholders.
    config::Node template_node = uri_node;
    std::optional<TargetTemplate> target;
    net::ClientOptions options;
    config::Node client_node = uri_node;  // where a TLS setup failure is reported

    auto substitute = [&](const config::Node& at, const std::string& text) {
      std::vector<std::string> undefined;
      std::string out = substitute_stage_variables(text, ctx.stage, undefined);
      for (const auto& name : undefined) {
        diags.error(
            at.location(), at.path(),
            "stage variable '" + name + "' is not defined in stage '" + ctx.stage.name + "'");
      }
      return undefined.empty() ? std::optional<std::string>(std::move(out)) : std::nullopt;
    };

    if (uri_node.is_null() && upstream_node.is_null()) {
      diags.error(ctx.node.location(), ctx.node.path(),
                  "set 'uri' (a full URL) or 'upstream' (a name from the top-level "
                  "'upstreams' section)");
      ok = false;
    } else if (!uri_node.is_null() && !upstream_node.is_null()) {
      diags.error(upstream_node.location(), upstream_node.path(),
                  "set either 'uri' or 'upstream', not both");
      ok = false;
    } else if (uri) {
      if (!path_node.is_null()) {
        diags.error(path_node.location(), path_node.path(),
                    "'path' goes with 'upstream'; with 'uri', write the path in the URI");
        ok = false;
      }
      if (auto text = substitute(uri_node, *uri)) {
        std::string error;
        target = parse_target(*text, true, error);
        if (!target) {
          diags.error(uri_node.location(), uri_node.path(),
                      "invalid URL '" + *text + "': " + error);
        }
      }
    } else if (upstream_name) {
      auto found = std::find_if(upstreams.begin(), upstreams.end(),
                                [&](const Upstream& u) { return u.name == *upstream_name; });
      if (found == upstreams.end()) {
        std::vector<std::string> names;
        for (const auto& u : upstreams) names.push_back(u.name);
        std::string msg = "unknown upstream '" + *upstream_name + "'";
        if (names.empty()) {
          msg += " (there is no top-level 'upstreams' section)";
        } else if (auto suggestion = config::did_you_mean(*upstream_name, names)) {
          msg += "; did you mean '" + *suggestion + "'?";
        }
        diags.error(upstream_node.location(), upstream_node.path(), msg);
      } else if (found->ok && found->target) {
        target = found->target;
        options = found->options;
        config::Node tls_node = found->node.child("tls");
        client_node = options.ca_file.empty() ? found->node.child("url") : tls_node.child("caFile");
        if (path) {
          template_node = path_node;
          if (auto text = substitute(path_node, *path)) {
            std::string error;
            if (!append_path(*target, *text, error)) {
              diags.error(path_node.location(), path_node.path(),
                          "invalid path '" + *text + "': " + error);
              target.reset();
            }
          } else {
            target.reset();
          }
        }
      }
    }
    if (!target) ok = false;

    // Every {name} must be a path parameter of this route, or it would render as nothing.
    if (target) {
      std::vector<std::string> params = route_path_parameters(ctx.route.path);
      for (const auto& name : target->placeholders()) {
        if (std::find(params.begin(), params.end(), name) != params.end()) continue;
        std::string msg =
            "'{" + name + "}' is not a path parameter of route \"" + ctx.route.route_key + "\"";
        if (auto suggestion = config::did_you_mean(name, params)) {
          msg += "; did you mean '{" + *suggestion + "}'?";
        }
        diags.error(template_node.location(), template_node.path(), msg);
        ok = false;
      }
    }

    config::Node method_node = r.get("httpMethod");
    std::string method = "ANY";
    if (auto m = r.string("httpMethod")) {
      if (std::find(kMethods.begin(), kMethods.end(), *m) == kMethods.end()) {
        diags.error(
            method_node.location(), method_node.path(),
            "expected one of ANY, GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, got '" + *m + "'");
        ok = false;
      } else {
        method = *m;
      }
    } else if (!method_node.is_null()) {
      ok = false;
    }

    // AWS: 50 ms to 29 s for REST, raisable for Regional and private REST APIs by a quota
    // request (up to 300 s here); 50 ms to 30 s for HTTP APIs and 29 s for WebSocket APIs, not
    // raisable (API Gateway quotas, limits.html; apigatewayv2 Integration.TimeoutInMillis). The
    // defaults are the standard maxima.
    const std::int64_t default_timeout =
        ctx.api.protocol == core::ApiProtocol::kHttp ? 30000 : 29000;
    const std::int64_t max_timeout = ctx.api.protocol == core::ApiProtocol::kRest   ? 300000
                                     : ctx.api.protocol == core::ApiProtocol::kHttp ? 30000
                                                                                    : 29000;
    auto timeout = r.integer("timeoutInMillis", 50, max_timeout);
    if (failed(ctx.node.child("timeoutInMillis"), timeout)) ok = false;
    r.finish();
    if (!ok) return nullptr;

    std::string error;
    auto& tls_cache =
        ctx.services.get_or_create<net::TlsContextCache>([] { return new net::TlsContextCache(); });
    auto client = net::HttpClient::create(options, error, &tls_cache, target->origin.https);
    if (!client) {
      diags.error(client_node.location(), client_node.path(), error);
      return nullptr;
    }
    return std::make_shared<HttpProxyIntegration>(
        std::move(*target), std::move(method),
        std::chrono::milliseconds(timeout.value_or(default_timeout)), std::move(client));
  }
};

}  // namespace

std::unique_ptr<core::IntegrationFactory> make_factory() {
  return std::make_unique<HttpProxyFactory>();
}

}  // namespace gh::plugins::http_proxy
