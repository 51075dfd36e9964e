#pragma once
/// One Lambda invocation as the pool sees it: what the caller asks (InvokeRequest) and what it
/// gets back (InvokeResult), shared by the API Gateway integration and the Invoke API.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace gh::plugins::lambda {

struct InvokeRequest {
  std::string payload;         // the event, raw bytes (JSON)
  std::string request_id;      // Lambda's request id (a UUID); the caller picks it
  std::string trace_id;        // Lambda-Runtime-Trace-Id ("Root=1-…;Parent=…;Sampled=0")
  std::string client_context;  // decoded X-Amz-Client-Context JSON ("" = none)
  std::string cognito_identity;  // JSON {"cognitoIdentityId":…} ("" = none)
  std::string invoked_arn;       // the ARN the caller used, qualifier included ("" = unqualified)
  bool tail_log = false;         // X-Amz-Log-Type: Tail
};

struct InvokeResult {
  enum class Status {
    kOk,             // the function answered (maybe with a function error)
    kThrottled,      // concurrency and queue full: TooManyRequestsException
    kNoSuchFunction, // the function is not configured (any more)
    kTimedOutWaiting,  // the caller's own deadline passed first (API Gateway's 29 s)
  };
  Status status = Status::kOk;
  std::string payload;         // the function's output, or the error object
  std::string function_error;  // "" = success; "Unhandled" for function errors
  std::string error_type;      // errorType for logs / metrics ("Sandbox.Timedout" …)
  std::string log_tail;        // last 4 KB of this invocation's log, when tail_log was asked
};

/// How a pool answers: called exactly once, on the Lambda service's thread.
using InvokeCallback = std::function<void(InvokeResult)>;

/// The X-Ray trace header Lambda hands the runtime (Lambda-Runtime-Trace-Id, _X_AMZN_TRACE_ID):
/// the caller's root when its X-Amzn-Trace-Id has one, else a new root, then a new parent
/// segment id, as AWS sends it: "Root=1-…;Parent=<16 hex>;Sampled=0".
std::string runtime_trace_id(std::string_view incoming_header);

}  // namespace gh::plugins::lambda
