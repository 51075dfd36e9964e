#pragma once
/// The Lambda Invoke API on the services endpoint, as @aws-sdk/client-lambda and boto3 call it
/// with an endpoint override: POST /2015-03-31/functions/{FunctionName}/invocations with
/// X-Amz-Invocation-Type RequestResponse (200 + the function's output), Event (202, runs in
/// the background) or DryRun (204); X-Amz-Log-Type: Tail → X-Amz-Log-Result; function errors
/// flagged with X-Amz-Function-Error. Service errors carry x-amzn-ErrorType and AWS's JSON
/// bodies (docs/aws-notes-lambda.md §3). One instance per compiled config.

#include <memory>

#include "gateway/config/config.hpp"
#include "gateway/core/service_api.hpp"
#include "plugins/lambda/function_spec.hpp"

namespace gh::plugins::lambda {

class LambdaService;

std::shared_ptr<const core::ServiceApi> make_invoke_api(LambdaService& service,
                                                        const FunctionTable& functions,
                                                        const config::AwsConfig& aws);

}  // namespace gh::plugins::lambda
