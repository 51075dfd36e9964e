#pragma once
/// How an instance's process is started: program, arguments and the environment a Lambda
/// runtime expects (aws-behaviour.md §7.2): reserved AWS_* / LAMBDA_* variables, AWS's
/// unreserved defaults, then the function's own `environment`.

#include <cstdint>
#include <string>

#include "plugins/lambda/child_process.hpp"
#include "plugins/lambda/function_pool.hpp"
#include "plugins/lambda/function_spec.hpp"

namespace gh::plugins::lambda {

struct RuntimeLaunch {
  SpawnSpec spawn;
  std::string error;  // non-empty: cannot start (interpreter or bootstrap missing)
};

/// The RLIMIT_DATA an instance gets: twice memorySize plus 256 MB, a ceiling against runaway
/// allocation only (memorySize itself is checked on resident memory).
std::uint64_t data_limit_bytes(unsigned memory_mb);

/// `port` is the instance's Runtime API port; `provisioned` marks a minInstances instance
/// (AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency).
RuntimeLaunch runtime_launch(const FunctionSpec& spec, const PoolEnv& env, std::uint16_t port,
                             const std::string& log_stream, bool provisioned);

}  // namespace gh::plugins::lambda
