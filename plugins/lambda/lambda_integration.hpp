#pragma once
/// `type: lambda` (AWS_PROXY to a Lambda function) and the `functions:` section.
///
///   functions:                # see function_spec.hpp for every key
///     hello: {runtime: nodejs, handler: index.handler, codeUri: ./functions/hello}
///   ...
///   integration:
///     type: lambda
///     function: hello
///     payloadFormatVersion: "2.0"   # HTTP APIs: "2.0" (default) or "1.0"; REST APIs: "1.0"
///     timeoutInMillis: 29000        # default 29000 (REST) / 30000 (HTTP API)
///
/// The plugin also serves the Lambda Invoke API on the services endpoint (invoke_api.hpp),
/// for every configured function whether or not a route uses it. The factory only parses; the
/// functions start when the config is installed (LambdaService::apply).

#include <memory>

#include "gateway/core/integration.hpp"

namespace gh::plugins::lambda {

std::unique_ptr<core::IntegrationFactory> make_factory();

}  // namespace gh::plugins::lambda
