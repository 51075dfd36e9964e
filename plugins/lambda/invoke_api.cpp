#include "plugins/lambda/invoke_api.hpp"

#include <boost/json/parse.hpp>
#include <optional>

#include "gateway/core/error_response.hpp"
#include "gateway/core/service_authorizer.hpp"
#include "gateway/util/encoding.hpp"
#include "gateway/util/ids.hpp"
#include "plugins/lambda/lambda_service.hpp"

namespace gh::plugins::lambda {

namespace {

constexpr std::string_view kPrefix = "/2015-03-31/functions/";
constexpr std::string_view kSuffix = "/invocations";
// Invoke payload quotas: 6 MB synchronous, 1 MB asynchronous (API_Invoke, 2025).
constexpr std::size_t kSyncLimit = 6291456;
constexpr std::size_t kAsyncLimit = 1048576;

core::Response service_error(const core::RequestContext& ctx, int status, std::string_view type,
                             std::string body) {
  core::Response r = core::json_response(status, std::move(body));
  r.headers.add("x-amzn-RequestId", ctx.request_id);
  // SDKs read the error code from this header (botocore and SDK v3 cut at ':' and '#').
  r.headers.add("x-amzn-ErrorType", std::string(type));
  return r;
}

core::Response user_error(const core::RequestContext& ctx, int status, std::string_view type,
                          std::string_view message) {
  return service_error(ctx, status, type,
                       "{\"Type\":\"User\",\"message\":" + util::json_quote(message) + "}");
}

/// An IAM refusal as Lambda words it: AccessDeniedException in Lambda's {"Type":"User",…} body
/// with IAM's reason, the signature errors as the AWS front door sends them.
core::Response refusal(const core::RequestContext& ctx, const core::GatewayError& error) {
  core::Response r = core::render_error(error, core::ApiProtocol::kRest);
  r.headers.set("x-amzn-RequestId", ctx.request_id);
  if (error.kind == core::ErrorKind::kUnrecognizedClient) {
    // API Gateway calls an unknown key AccessDenied; the other services, Lambda among them,
    // UnrecognizedClientException.
    r.headers.set("x-amzn-ErrorType", "UnrecognizedClientException");
    r.body = "{\"message\":\"The security token included in the request is invalid.\"}";
  }
  if (error.kind == core::ErrorKind::kAccessDenied && !error.message.empty()) {
    r.body =
        "{\"Type\":\"User\",\"message\":" +
        util::json_quote(core::service_denial_message(error.message, "lambda:InvokeFunction")) +
        "}";
  }
  return r;
}

/// FunctionName as the Invoke API accepts it: name, name:qualifier, the full ARN
/// (arn:aws:lambda:region:account:function:name[:qualifier]) or the partial ARN
/// (account:function:name[:qualifier]).
struct FunctionRef {
  std::string name;
  std::string qualifier;
};

std::optional<FunctionRef> parse_function_name(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    auto colon = text.find(':', start);
    parts.push_back(text.substr(start, colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  FunctionRef ref;
  if (parts.size() >= 6 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function") {
    if (parts.size() < 7 || parts.size() > 8) return std::nullopt;
    ref.name = parts[6];
    if (parts.size() == 8) ref.qualifier = parts[7];
  } else if (parts.size() >= 3 && parts[1] == "function") {
    if (parts.size() > 4) return std::nullopt;
    ref.name = parts[2];
    if (parts.size() == 4) ref.qualifier = parts[3];
  } else if (parts.size() <= 2) {
    ref.name = parts[0];
    if (parts.size() == 2) ref.qualifier = parts[1];
  } else {
    return std::nullopt;
  }
  if (ref.name.empty()) return std::nullopt;
  return ref;
}

std::string query_param(std::string_view query, std::string_view key) {
  std::size_t start = 0;
  while (start <= query.size()) {
    auto amp = query.find('&', start);
    std::string_view pair = query.substr(start, amp - start);
    auto eq = pair.find('=');
    if (util::percent_decode(pair.substr(0, eq), true) == key) {
      return eq == std::string_view::npos ? std::string()
                                          : util::percent_decode(pair.substr(eq + 1), true);
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return {};
}

class InvokeApi final : public core::ServiceApi {
 public:
  InvokeApi(LambdaService& service, const FunctionTable& functions, const config::AwsConfig& aws)
      : service_(service), functions_(functions), aws_(aws) {}

  std::string_view name() const override { return "lambda"; }

  bool claims(const core::Request& request) const override {
    return request.path.rfind(kPrefix, 0) == 0;
  }

  boost::asio::awaitable<void> handle(core::RequestContext& ctx,
                                      core::Response& out) const override {
    const core::Request& req = ctx.request;
    std::string_view path = req.path;
    path.remove_prefix(kPrefix.size());
    if (path.size() <= kSuffix.size() || !path.ends_with(kSuffix) || req.method != "POST") {
      out = user_error(ctx, 404, "UnknownOperationException",
                       "Gatehouse serves the Lambda Invoke operation only");
      co_return;
    }
    std::string raw_name = util::percent_decode(path.substr(0, path.size() - kSuffix.size()));
    auto ref = parse_function_name(raw_name);
    std::string qualifier = query_param(req.query, "Qualifier");
    if (!ref) {
      out = user_error(ctx, 400, "ValidationException",
                       "1 validation error detected: Value '" + raw_name +
                           "' at 'functionName' failed to satisfy constraint: Member must "
                           "satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)"
                           "?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?"
                           "([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
      co_return;
    }
    if (!qualifier.empty() && !ref->qualifier.empty() && qualifier != ref->qualifier) {
      out = user_error(ctx, 400, "InvalidParameterValueException",
                       "The derived qualifier from the function name does not match the "
                       "specified qualifier.");
      co_return;
    }
    if (qualifier.empty()) qualifier = ref->qualifier;
    std::string arn =
        "arn:aws:lambda:" + aws_.region + ":" + aws_.account_id + ":function:" + ref->name;
    if (ctx.service_authorizer) {
      // iam.enforce: lambda:InvokeFunction on the function's ARN (with its qualifier), checked
      // before the function is looked up, as AWS does.
      core::ServiceAccess access{"lambda", "lambda:InvokeFunction",
                                 qualifier.empty() ? arn : arn + ":" + qualifier};
      if (auto refused = ctx.service_authorizer->check(ctx, access)) {
        out = refusal(ctx, *refused);
        co_return;
      }
    }
    // Only $LATEST exists locally: there are no published versions or aliases.
    if (!functions_.find(ref->name) || (!qualifier.empty() && qualifier != "$LATEST")) {
      std::string shown = qualifier.empty() ? arn : arn + ":" + qualifier;
      out = service_error(ctx, 404, "ResourceNotFoundException",
                          "{\"Message\":" + util::json_quote("Function not found: " + shown) +
                              ",\"Type\":\"User\"}");
      co_return;
    }

    std::string type(req.headers.get("X-Amz-Invocation-Type"));
    if (type.empty()) type = "RequestResponse";
    if (type != "RequestResponse" && type != "Event" && type != "DryRun") {
      out = user_error(ctx, 400, "ValidationException",
                       "1 validation error detected: Value '" + type +
                           "' at 'invocationType' failed to satisfy constraint: Member must "
                           "satisfy enum value set: [Event, RequestResponse, DryRun]");
      co_return;
    }
    std::size_t limit = type == "Event" ? kAsyncLimit : kSyncLimit;
    if (req.body.size() > limit) {
      out = user_error(ctx, 413, "RequestEntityTooLargeException",
                       std::to_string(req.body.size()) + " byte payload is too large for the " +
                           type + " invocation type (limit " + std::to_string(limit) + " bytes)");
      co_return;
    }
    InvokeRequest invoke;
    // An Invoke without a payload delivers "{}" to the function (boto3 and the SDKs omit the
    // body when no Payload is given). INFERRED: matches LocalStack and SAM.
    invoke.payload = req.body.empty() ? "{}" : req.body;
    if (!req.body.empty()) {
      boost::system::error_code ec;
      boost::json::parse(req.body, ec);
      if (ec) {
        out = user_error(ctx, 400, "InvalidRequestContentException",
                         "Could not parse request body into json: Could not parse payload "
                         "into json: " +
                             ec.message());
        co_return;
      }
    }
    if (std::string cc(req.headers.get("X-Amz-Client-Context")); !cc.empty()) {
      auto decoded = util::base64_decode(cc);
      boost::system::error_code ec;
      if (decoded) boost::json::parse(*decoded, ec);
      if (!decoded || ec || decoded->size() > 3583) {
        out = user_error(ctx, 400, "InvalidRequestContentException",
                         "Client context must be a valid Base64-encoded JSON object.");
        co_return;
      }
      invoke.client_context = *decoded;
    }
    if (type == "DryRun") {
      out.status = 204;
      out.headers.add("x-amzn-RequestId", ctx.request_id);
      co_return;
    }
    invoke.request_id = ctx.request_id;
    // context.invokedFunctionArn is "the ARN used to invoke the function": with the qualifier
    // when the caller gave one (name:$LATEST, Qualifier=$LATEST).
    if (!qualifier.empty()) invoke.invoked_arn = arn + ":" + qualifier;
    invoke.trace_id = runtime_trace_id(req.headers.get("X-Amzn-Trace-Id"));
    if (type == "Event") {
      std::string trace_header = invoke.trace_id;
      service_.invoke_async(ref->name, std::move(invoke));
      out.status = 202;
      out.headers.add("x-amzn-RequestId", ctx.request_id);
      out.headers.add("X-Amzn-Trace-Id", trace_header);  // as on a 202 from AWS (notes §3.2)
      co_return;
    }
    invoke.tail_log = req.headers.get("X-Amz-Log-Type") == "Tail";
    std::string trace_header = invoke.trace_id;
    InvokeResult result = co_await service_.invoke(ref->name, std::move(invoke));
    switch (result.status) {
      case InvokeResult::Status::kThrottled:
        out = service_error(ctx, 429, "TooManyRequestsException",
                            "{\"Reason\":\"ReservedFunctionConcurrentInvocationLimitExceeded\","
                            "\"Type\":\"User\",\"message\":\"Rate Exceeded.\"}");
        co_return;
      case InvokeResult::Status::kNoSuchFunction:
      case InvokeResult::Status::kTimedOutWaiting:
        out = service_error(ctx, 404, "ResourceNotFoundException",
                            "{\"Message\":" + util::json_quote("Function not found: " + arn) +
                                ",\"Type\":\"User\"}");
        co_return;
      case InvokeResult::Status::kOk:
        break;
    }
    out.status = 200;
    out.headers.add("Content-Type", "application/json");
    out.headers.add("x-amzn-RequestId", ctx.request_id);
    out.headers.add("X-Amz-Executed-Version", "$LATEST");
    if (!result.function_error.empty()) {
      out.headers.add("X-Amz-Function-Error", result.function_error);
    }
    if (!result.log_tail.empty()) out.headers.add("X-Amz-Log-Result", result.log_tail);
    out.headers.add("X-Amzn-Trace-Id", trace_header);
    out.body = std::move(result.payload);
  }

 private:
  LambdaService& service_;
  FunctionTable functions_;
  config::AwsConfig aws_;
};

}  // namespace

std::shared_ptr<const core::ServiceApi> make_invoke_api(LambdaService& service,
                                                        const FunctionTable& functions,
                                                        const config::AwsConfig& aws) {
  return std::make_shared<InvokeApi>(service, functions, aws);
}

}  // namespace gh::plugins::lambda
