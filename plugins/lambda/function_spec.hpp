#pragma once
/// Functions as configured in the top-level `functions:` section, parsed and checked once per
/// config compile. A FunctionSpec is immutable and shared by the pool that runs it; a reload
/// that changes anything in it (its fingerprint) recycles the function's instances.
///
///   functions:
///     orders:
///       runtime: nodejs            # nodejs[20.x] | python[3.x] | provided[.al2023] | command
///       handler: index.handler     # file.export (nodejs), module.function (python)
///       codeUri: ./functions/orders  # relative to the config file; default "."
///       command: [./server, --fast]  # runtime: command — the argv to start
///       environment: {TABLE: orders}
///       timeout: 3                 # seconds, 1–900 (AWS default 3)
///       memorySize: 128            # MB, 128–10240: the instance's data-segment limit
///       reservedConcurrency: 10    # most instances at once (default 10)
///       minInstances: 0            # kept warm, started when the config is installed
///       idleTimeout: 300           # seconds before an idle instance above minInstances exits
///       maxQueueLength: 100        # invocations waiting for an instance; beyond → throttled
///       watch: true                # recycle instances when a file under codeUri changes

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gateway/config/diagnostics.hpp"
#include "gateway/core/compile_scope.hpp"

namespace gh::plugins::lambda {

enum class RuntimeKind { kNodejs, kPython, kProvided, kCommand };

struct FunctionSpec {
  std::string name;
  RuntimeKind runtime = RuntimeKind::kProvided;
  std::string runtime_name;  // as written, e.g. "nodejs20.x" (for AWS_EXECUTION_ENV)
  std::string handler;
  std::string code_dir;              // absolute
  std::vector<std::string> command;  // runtime: command
  std::vector<std::pair<std::string, std::string>> environment;
  std::chrono::milliseconds timeout{3000};
  unsigned memory_mb = 128;
  unsigned max_instances = 10;
  unsigned min_instances = 0;
  std::chrono::seconds idle_timeout{300};
  std::size_t max_queue = 100;
  bool watch = true;
  std::string region;
  std::string account_id;
  std::string arn;   // arn:aws:lambda:{region}:{account}:function:{name}
  std::string role;  // execution role ARN ("" = none: the gateway's own credentials, or "test")

  /// Everything that needs new instances when it changes.
  std::string fingerprint() const;
};

/// The parsed `functions:` section of one config.
struct FunctionTable {
  std::map<std::string, std::shared_ptr<const FunctionSpec>, std::less<>> functions;
  bool parsed = false;

  const FunctionSpec* find(std::string_view name) const;
};

/// Parses `functions:` into scope.state<FunctionTable>() (once per compile; later calls return
/// the same table). Problems go to `diags` with path and line:col.
const FunctionTable& parse_functions(core::CompileScope& scope, config::Diagnostics& diags);

}  // namespace gh::plugins::lambda
