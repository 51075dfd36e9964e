#include "plugins/lambda/lambda_integration.hpp"

#include <spdlog/spdlog.h>

#include "gateway/config/yaml_reader.hpp"
#include "gateway/core/services.hpp"
#include "gateway/util/encoding.hpp"
#include "gateway/util/ids.hpp"
#include "plugins/lambda/function_spec.hpp"
#include "plugins/lambda/invoke_api.hpp"
#include "plugins/lambda/lambda_service.hpp"
#include "plugins/lambda/proxy_event.hpp"
#include "plugins/lambda/proxy_result.hpp"

namespace gh::plugins::lambda {

namespace {

using core::ErrorKind;
using core::GatewayError;

LambdaService& lambda_service(core::Services& services) {
  bool created = false;
  auto& service = services.get_or_create<LambdaService>([&] {
    created = true;
    return new LambdaService();
  });
  if (created) services.on_shutdown([&service] { service.stop(); });
  return service;
}

class LambdaIntegration final : public core::Integration {
 public:
  LambdaIntegration(LambdaService& service, std::string function, PayloadFormat format,
                    std::chrono::milliseconds timeout)
      : service_(service), function_(std::move(function)), format_(format), timeout_(timeout) {}

  boost::asio::awaitable<core::IntegrationResult> invoke(core::RequestContext& ctx) const override {
    InvokeRequest request;
    request.payload = build_proxy_event(ctx, format_);
    request.request_id = util::uuid_v4();
    request.trace_id = runtime_trace_id(ctx.request.headers.get("X-Amzn-Trace-Id"));
    InvokeResult result = co_await service_.invoke(function_, std::move(request),
                                                   std::chrono::steady_clock::now() + timeout_);
    switch (result.status) {
      case InvokeResult::Status::kTimedOutWaiting:
        ctx.integration_error = "timeout";
        co_return GatewayError::of(ErrorKind::kIntegrationTimeout);
      case InvokeResult::Status::kThrottled:
        // Lambda answered 429; API Gateway turns an Invoke failure into 500 "Internal server
        // error" (Lambda guide "Handling errors"; docs/aws-notes-lambda.md §4), never 429.
        ctx.integration_status = 429;
        ctx.integration_error = "TooManyRequestsException";
        co_return GatewayError::of(ErrorKind::kApiConfigurationError);
      case InvokeResult::Status::kNoSuchFunction:
        ctx.integration_status = 404;
        ctx.integration_error = "ResourceNotFoundException";
        co_return GatewayError::of(ErrorKind::kApiConfigurationError);
      case InvokeResult::Status::kOk:
        break;
    }
    ctx.integration_status = 200;
    if (!result.function_error.empty()) {
      // A function error (handler threw, timed out, crashed): REST 502, HTTP API 500.
      ctx.integration_error = result.error_type;
      spdlog::debug("request {}: lambda {} failed: {}", ctx.request_id, function_, result.payload);
      co_return GatewayError::of(ErrorKind::kIntegrationResponseError);
    }
    if (ctx.websocket) co_return interpret_websocket_result(result.payload);
    auto interpreted = interpret_proxy_result(result.payload, *ctx.api, format_, ctx.request);
    if (auto* error = std::get_if<GatewayError>(&interpreted)) {
      ctx.integration_error = "malformed Lambda proxy response";
      spdlog::warn("request {}: lambda {} returned a malformed proxy response", ctx.request_id,
                   function_);
      co_return std::move(*error);
    }
    co_return std::move(std::get<core::Response>(interpreted));
  }

  std::string describe() const override {
    return "lambda " + function_ + " (payload " + (format_ == PayloadFormat::kV1 ? "1.0" : "2.0") +
           ")";
  }

 private:
  LambdaService& service_;
  std::string function_;
  PayloadFormat format_;
  std::chrono::milliseconds timeout_;
};

/// The services endpoint URL functions get as AWS_ENDPOINT_URL, when it is known up front.
std::string endpoint_url(const config::Config& config) {
  for (const auto& l : config.server.listeners) {
    if (l.role != config::ListenerRole::kServices || l.port == 0) continue;
    std::string host = l.host == "0.0.0.0" || l.host == "::" ? "127.0.0.1" : l.host;
    if (host.find(':') != std::string::npos) host = "[" + host + "]";
    return std::string(l.tls ? "https" : "http") + "://" + host + ":" + std::to_string(l.port);
  }
  return {};
}

class LambdaFactory final : public core::IntegrationFactory {
 public:
  std::string_view type() const override { return "lambda"; }
  std::vector<std::string> top_level_keys() const override { return {"functions"}; }

  void compile(core::CompileScope& scope, config::Diagnostics& diags) const override {
    const FunctionTable& table = parse_functions(scope, diags);
    LambdaService& service = lambda_service(scope.services());
    scope.add_service_api(make_invoke_api(service, table, scope.config().aws));
    std::string url = endpoint_url(scope.config());
    scope.on_install([&service, table, url] { service.apply(table, url); });
  }

  std::shared_ptr<const core::Integration> create(const core::IntegrationBuildContext& ctx,
                                                  config::Diagnostics& diags) const override {
    config::MapReader r(ctx.node, diags);
    r.allow("type");
    const FunctionTable& table = ctx.scope.state<FunctionTable>();
    bool ok = true;
    std::string function;
    if (auto name = r.string("function", config::Need::kRequired)) {
      function = *name;
      if (!table.find(function)) {
        config::Node at = r.get("function");
        std::vector<std::string> names;
        for (const auto& [n, spec] : table.functions) names.push_back(n);
        std::string msg = "no function '" + function + "' in the top-level 'functions' section";
        if (auto near = config::did_you_mean(function, names)) {
          msg += "; did you mean '" + *near + "'?";
        }
        diags.error(at.location(), at.path(), msg);
        ok = false;
      }
    } else {
      ok = false;
    }
    // REST and WebSocket APIs have one event shape each (format 1.0); HTTP APIs choose.
    bool rest = ctx.api.protocol != core::ApiProtocol::kHttp;
    PayloadFormat format = rest ? PayloadFormat::kV1 : PayloadFormat::kV2;
    if (auto version = r.string("payloadFormatVersion")) {
      config::Node at = r.get("payloadFormatVersion");
      if (*version == "1.0") {
        format = PayloadFormat::kV1;
      } else if (*version == "2.0" && !rest) {
        format = PayloadFormat::kV2;
      } else {
        diags.error(at.location(), at.path(),
                    rest ? std::string(core::to_string(ctx.api.protocol)) +
                               " APIs send Lambda payload format 1.0 only"
                         : std::string("payloadFormatVersion is \"1.0\" or \"2.0\""));
        ok = false;
      }
    }
    // AWS: 50 ms to 29 s (REST, raisable on request; WebSocket) or 30 s (HTTP APIs).
    std::int64_t max_timeout = rest ? 29000 : 30000;
    auto timeout = r.integer("timeoutInMillis", 50, max_timeout);
    if (r.has("timeoutInMillis") && !timeout) ok = false;
    r.finish();
    if (!ok) return nullptr;
    return std::make_shared<LambdaIntegration>(
        lambda_service(ctx.services), function, format,
        std::chrono::milliseconds(timeout.value_or(max_timeout)));
  }
};

}  // namespace

std::unique_ptr<core::IntegrationFactory> make_factory() {
  return std::make_unique<LambdaFactory>();
}

}  // namespace gh::plugins::lambda
