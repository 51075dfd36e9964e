#include "plugins/lambda/runtime_env.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "gateway/iam/role_sessions.hpp"

namespace gh::plugins::lambda {

namespace fs = std::filesystem;

namespace {

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

}  // namespace

std::uint64_t data_limit_bytes(unsigned memory_mb) {
  return (2ULL * memory_mb + 256) * 1024 * 1024;
}

RuntimeLaunch runtime_launch(const FunctionSpec& spec, const PoolEnv& env, std::uint16_t port,
                             const std::string& log_stream, bool provisioned) {
  RuntimeLaunch launch;
  SpawnSpec& s = launch.spawn;
  s.cwd = spec.code_dir;
  // memorySize is enforced on resident memory, as AWS's cgroup does (Instance::check_memory).
  // RLIMIT_DATA counts address space, which runtimes reserve well beyond what they use (a Node
  // instance at 90 MB resident holds 130 MB of it), so it is only a ceiling against runaways.
  s.data_limit_bytes = data_limit_bytes(spec.memory_mb);
  std::string runtime_dir;

  switch (spec.runtime) {
    case RuntimeKind::kNodejs: {
      s.program = find_program("node");
      if (s.program.empty()) {
        launch.error = "runtime " + spec.runtime_name + " needs 'node' on PATH";
        return launch;
      }
      // AWS's Node bootstrap sizes V8's heap from the memory setting so that the heap limit,
      // not the sandbox, stops a runaway function: a tenth for the young generation, the rest
      // old space.
      unsigned semi = std::max(1U, spec.memory_mb / 20);
      unsigned old_space = spec.memory_mb - spec.memory_mb / 10;
      s.argv = {s.program, "--max-semi-space-size=" + std::to_string(semi),
                "--max-old-space-size=" + std::to_string(old_space), env.node_bootstrap};
      runtime_dir = fs::path(env.node_bootstrap).parent_path().string();
      break;
    }
    case RuntimeKind::kPython:
      s.program = find_program("python3");
      if (s.program.empty()) {
        launch.error = "runtime " + spec.runtime_name + " needs 'python3' on PATH";
        return launch;
      }
      s.argv = {s.program, env.python_bootstrap};
      runtime_dir = fs::path(env.python_bootstrap).parent_path().string();
      break;
    case RuntimeKind::kProvided:
      s.program = (fs::path(spec.code_dir) / "bootstrap").string();
      if (::access(s.program.c_str(), X_OK) != 0) {
        // AWS: Runtime.InvalidEntrypoint when bootstrap is missing or not executable.
        launch.error = "Runtime.InvalidEntrypoint: " + s.program + " is missing or not executable";
        return launch;
      }
      s.argv = {s.program};
      runtime_dir = spec.code_dir;
      break;
    case RuntimeKind::kCommand: {
      std::string program = spec.command.front();
      if (program.find('/') != std::string::npos && fs::path(program).is_relative()) {
        program = (fs::path(spec.code_dir) / program).lexically_normal().string();
      }
      s.program = find_program(program);
      if (s.program.empty() || ::access(s.program.c_str(), X_OK) != 0) {
        launch.error = "command '" + spec.command.front() + "' not found or not executable";
        return launch;
      }
      s.argv = spec.command;
      runtime_dir = spec.code_dir;
      break;
    }
  }

  auto& e = s.env;
  // Unreserved defaults (AWS sets these; a function may override them).
  e.push_back("PATH=" + env_or("PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin"));
  e.push_back("LANG=en_US.UTF-8");
  e.push_back("TZ=:UTC");
  e.push_back("AWS_XRAY_CONTEXT_MISSING=LOG_ERROR");
  if (spec.runtime == RuntimeKind::kPython) {
    e.push_back("PYTHONUNBUFFERED=1");
    e.push_back("PYTHONPATH=" + runtime_dir);
  }
  if (spec.runtime == RuntimeKind::kNodejs) {
    e.push_back("NODE_PATH=" + spec.code_dir + "/node_modules");
  }
  if (!env.endpoint_url.empty()) {
    // SDKs in the function (AWS SDK for JavaScript v3, boto3 ≥ 1.28) then call this gateway's
    // services endpoint, as LocalStack arranges for its functions.
    e.push_back("AWS_ENDPOINT_URL=" + env.endpoint_url);
    // The service-specific form, which wins over the general one in the SDKs: the embedded
    // DynamoDB store is on the same endpoint.
    e.push_back("AWS_ENDPOINT_URL_DYNAMODB=" + env.endpoint_url);
    e.push_back("AWS_ENDPOINT_URL_S3=" + env.endpoint_url);  // and the local S3 buckets
  }
  for (const auto& [k, v] : spec.environment) {
    // The function's own variables replace unreserved defaults of the same name.
    std::string prefix = k + "=";
    std::erase_if(e, [&](const std::string& x) { return x.rfind(prefix, 0) == 0; });
    e.push_back(k + "=" + v);
  }
  // Reserved: Lambda sets these and a function cannot (function_spec.cpp rejects them).
  e.push_back("_HANDLER=" + spec.handler);
  e.push_back("LAMBDA_TASK_ROOT=" + spec.code_dir);
  e.push_back("LAMBDA_RUNTIME_DIR=" + runtime_dir);
  e.push_back("AWS_LAMBDA_RUNTIME_API=127.0.0.1:" + std::to_string(port));
  e.push_back("AWS_LAMBDA_FUNCTION_NAME=" + spec.name);
  e.push_back("AWS_LAMBDA_FUNCTION_VERSION=$LATEST");
  e.push_back("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + std::to_string(spec.memory_mb));
  e.push_back("AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + spec.name);
  e.push_back("AWS_LAMBDA_LOG_STREAM_NAME=" + log_stream);
  e.push_back(std::string("AWS_LAMBDA_INITIALIZATION_TYPE=") +
              (provisioned ? "provisioned-concurrency" : "on-demand"));
  e.push_back("AWS_REGION=" + spec.region);
  e.push_back("AWS_DEFAULT_REGION=" + spec.region);
  if (spec.runtime == RuntimeKind::kNodejs || spec.runtime == RuntimeKind::kPython) {
    // Not set for custom runtimes (provided*), as on AWS.
    std::string name = spec.runtime_name;
    if (name == "nodejs") name = "nodejs20.x";
    if (name == "python") name = "python3.11";
    e.push_back("AWS_EXECUTION_ENV=AWS_Lambda_" + name);
  }
  if (!spec.role.empty()) {
    // The execution role's session credentials, which the gateway accepts as that role's
    // session (iam/role_sessions.hpp).
    sigv4::Credentials c = iam::role_session_credentials(spec.role, spec.name);
    e.push_back("AWS_ACCESS_KEY_ID=" + c.access_key_id);
    e.push_back("AWS_ACCESS_KEY=" + c.access_key_id);
    e.push_back("AWS_SECRET_ACCESS_KEY=" + c.secret_access_key);
    e.push_back("AWS_SESSION_TOKEN=" + c.session_token);
    return launch;
  }
  // Without a role: the gateway's own credentials when it has some (so a function can reach
  // real AWS), else the placeholder LocalStack and DynamoDB Local accept.
  std::string key = env_or("AWS_ACCESS_KEY_ID", "test");
  e.push_back("AWS_ACCESS_KEY_ID=" + key);
  e.push_back("AWS_ACCESS_KEY=" + key);
  e.push_back("AWS_SECRET_ACCESS_KEY=" + env_or("AWS_SECRET_ACCESS_KEY", "test"));
  if (const char* token = std::getenv("AWS_SESSION_TOKEN"); token && *token) {
    e.push_back(std::string("AWS_SESSION_TOKEN=") + token);
  }
  return launch;
}

}  // namespace gh::plugins::lambda
