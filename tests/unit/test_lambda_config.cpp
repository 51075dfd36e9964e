// The lambda plugin's compile-time side: the `functions:` section and `type: lambda` routes
// (diagnostics with line:col), the environment an instance gets, and the CloudWatch-style log
// lines. Nothing here starts a process: functions start only when a snapshot is installed.
#include <doctest/doctest.h>

#include <filesystem>
#include <regex>
#include <string>

#include "gateway/util/encoding.hpp"
#include "plugins/lambda/function_spec.hpp"
#include "plugins/lambda/invocation_log.hpp"
#include "plugins/lambda/runtime_env.hpp"
#include "tests/unit/compile_fixture.hpp"

namespace {

using gh::testing::Compile;
using gh::testing::compile_errors;
namespace lambda = gh::plugins::lambda;

std::string fixtures() {
  return (std::filesystem::path(__FILE__).parent_path().parent_path() / "fixtures" / "lambda")
      .lexically_normal()
      .string();
}

std::string config_with(const std::string& functions,
                        const std::string& integration = "{type: lambda, function: hello}") {
  return "version: 1\nfunctions:\n" + functions +
         "apis:\n  - id: api\n    protocol: HTTP\n    routes:\n      \"GET /hello\":\n"
         "        integration: " +
         integration + "\n";
}

std::string node_function(const std::string& extra = "") {
  return "  hello:\n    runtime: nodejs\n    handler: index.hello\n    codeUri: " + fixtures() +
         "/node\n" + extra;
}

}  // namespace

TEST_CASE("a valid functions section compiles and the route describes its function") {
  Compile c(config_with(node_function("    timeout: 5\n    memorySize: 256\n"),
                        "{type: lambda, function: hello, payloadFormatVersion: \"1.0\"}"));
  INFO(c.diags.format());
  REQUIRE(c.snapshot != nullptr);
  const auto& binding = c.snapshot->apis().front()->stages.front().bindings.front();
  CHECK(binding.integration->describe() == "lambda hello (payload 1.0)");
  // The Invoke API is published on the services endpoint even though nothing started yet.
  // (DynamoDB's API is published beside it.)
  bool lambda = false;
  for (const auto& api : c.snapshot->service_apis()) lambda = lambda || api->name() == "lambda";
  CHECK(lambda);
}

TEST_CASE("function settings are checked with line:col") {
  std::string errors = compile_errors(
      "version: 1\nfunctions:\n"
      "  bad name:\n    runtime: nodejs\n    handler: index.hello\n    codeUri: " +
      fixtures() +
      "/node\n"
      "  py:\n    runtime: ruby3.2\n    handler: app.handler\n    codeUri: " +
      fixtures() +
      "/python\n"
      "  nohandler:\n    runtime: python\n    handler: app\n    codeUri: " +
      fixtures() +
      "/python\n"
      "  missing:\n    runtime: nodejs\n    handler: index.hello\n    codeUri: ./no/such/dir\n"
      "  env:\n    runtime: nodejs\n    handler: index.hello\n    codeUri: " +
      fixtures() +
      "/node\n    environment: {AWS_REGION: eu-west-1, 1BAD: x}\n    reservedConcurency: 2\n"
      "  warm:\n    runtime: provided\n    codeUri: " +
      fixtures() +
      "/provided\n    reservedConcurrency: 1\n    minInstances: 2\n    timeout: 901\n"
      "apis:\n  - id: api\n    routes:\n      \"GET /\": {integration: {type: mock}}\n");
  CHECK(errors.find("snap.yaml:3:3: error: functions[\"bad name\"]: function names are 1–64") !=
        std::string::npos);
  CHECK(errors.find("snap.yaml:8:14: error: functions.py.runtime: unknown runtime 'ruby3.2'") !=
        std::string::npos);
  CHECK(errors.find("functions.nohandler.handler: a handler is written file.function") !=
        std::string::npos);
  CHECK(errors.find("functions.missing.codeUri: codeUri './no/such/dir' is not a directory") !=
        std::string::npos);
  CHECK(errors.find("functions.env.environment.AWS_REGION: 'AWS_REGION' is reserved") !=
        std::string::npos);
  CHECK(errors.find("functions.env.environment.1BAD: environment variable names") !=
        std::string::npos);
  CHECK(errors.find("unknown key 'reservedConcurency'; did you mean 'reservedConcurrency'?") !=
        std::string::npos);
  CHECK(errors.find("functions.warm.minInstances: minInstances (2) is more than "
                    "reservedConcurrency (1)") != std::string::npos);
  CHECK(errors.find("functions.warm.timeout: must be between 1 and 900, got 901") !=
        std::string::npos);
  CHECK(errors.find("bootstrap' in codeUri") == std::string::npos);  // no follow-on error
}

TEST_CASE("a provided function needs an executable bootstrap in codeUri") {
  std::string errors = compile_errors(config_with(
      "  hello:\n    runtime: provided.al2023\n    codeUri: " + fixtures() + "/node\n"));
  CHECK(errors.find("runtime provided.al2023 runs an executable 'bootstrap' in codeUri") !=
        std::string::npos);
}

TEST_CASE("lambda routes name a configured function and a valid payload format") {
  std::string errors =
      compile_errors(config_with(node_function(), "{type: lambda, function: helo}"));
  CHECK(errors.find("apis[0].routes[\"GET /hello\"].integration.function: no function 'helo' in "
                    "the top-level 'functions' section; did you mean 'hello'?") !=
        std::string::npos);

  errors = compile_errors(config_with(
      node_function(), "{type: lambda, function: hello, payloadFormatVersion: \"3.0\"}"));
  CHECK(errors.find("payloadFormatVersion is \"1.0\" or \"2.0\"") != std::string::npos);

  std::string rest = "version: 1\nfunctions:\n" + node_function() +
                     "apis:\n  - id: api\n    protocol: REST\n    routes:\n      \"GET /hello\":\n"
                     "        integration: {type: lambda, function: hello, payloadFormatVersion: "
                     "\"2.0\", timeoutInMillis: 30000}\n";
  errors = compile_errors(rest);
  CHECK(errors.find("REST APIs send Lambda payload format 1.0 only") != std::string::npos);
  CHECK(errors.find("timeoutInMillis: must be between 50 and 29000") != std::string::npos);
}

TEST_CASE("an instance's environment: AWS's reserved variables win, defaults can be replaced") {
  Compile c(config_with(node_function("    environment: {TZ: Europe/Berlin, TABLE: orders}\n")));
  REQUIRE(c.snapshot != nullptr);
  lambda::FunctionSpec spec;
  spec.name = "hello";
  spec.runtime = lambda::RuntimeKind::kNodejs;
  spec.runtime_name = "nodejs20.x";
  spec.handler = "index.hello";
  spec.code_dir = fixtures() + "/node";
  spec.region = "eu-central-1";
  spec.memory_mb = 256;
  spec.environment = {{"TZ", "Europe/Berlin"}, {"TABLE", "orders"}};
  lambda::PoolEnv env;
  env.node_bootstrap = "/rt/node/bootstrap.mjs";
  env.endpoint_url = "http://127.0.0.1:4566";
  auto launch = lambda::runtime_launch(spec, env, 9001, "2026/11/25/[$LATEST]abc", false);
  REQUIRE(launch.error.empty());
  auto has = [&](const std::string& entry) {
    for (const auto& e : launch.spawn.env) {
      if (e == entry) return true;
    }
    return false;
  };
  CHECK(has("AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001"));
  CHECK(has("_HANDLER=index.hello"));
  CHECK(has("LAMBDA_TASK_ROOT=" + spec.code_dir));
  CHECK(has("AWS_LAMBDA_FUNCTION_NAME=hello"));
  CHECK(has("AWS_LAMBDA_FUNCTION_VERSION=$LATEST"));
  CHECK(has("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256"));
  CHECK(has("AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/hello"));
  CHECK(has("AWS_LAMBDA_LOG_STREAM_NAME=2026/11/25/[$LATEST]abc"));
  CHECK(has("AWS_LAMBDA_INITIALIZATION_TYPE=on-demand"));
  CHECK(has("AWS_REGION=eu-central-1"));
  CHECK(has("AWS_DEFAULT_REGION=eu-central-1"));
  CHECK(has("AWS_EXECUTION_ENV=AWS_Lambda_nodejs20.x"));
  CHECK(has("AWS_ENDPOINT_URL=http://127.0.0.1:4566"));
  CHECK(has("TZ=Europe/Berlin"));
  CHECK_FALSE(has("TZ=:UTC"));
  CHECK(has("TABLE=orders"));
  // V8's heap is sized from memorySize as AWS's Node bootstrap does: new space a tenth.
  REQUIRE(launch.spawn.argv.size() == 4);
  CHECK(launch.spawn.argv[1] == "--max-semi-space-size=12");
  CHECK(launch.spawn.argv[2] == "--max-old-space-size=231");
  CHECK(launch.spawn.argv[3] == "/rt/node/bootstrap.mjs");
  // memorySize (256) is checked on resident memory; the address-space limit is only a ceiling.
  CHECK(launch.spawn.data_limit_bytes == (2ULL * 256 + 256) * 1024 * 1024);

  spec.runtime = lambda::RuntimeKind::kProvided;
  spec.runtime_name = "provided.al2023";
  spec.code_dir = fixtures() + "/provided";
  launch = lambda::runtime_launch(spec, env, 9001, "s", true);
  REQUIRE(launch.error.empty());
  CHECK(launch.spawn.program == spec.code_dir + "/bootstrap");
  CHECK(has("AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency"));
  for (const auto& e : launch.spawn.env) CHECK(e.rfind("AWS_EXECUTION_ENV=", 0) != 0);
}

TEST_CASE("a new fingerprint only for settings that need new instances") {
  lambda::FunctionSpec a;
  a.name = "f";
  a.handler = "index.handler";
  lambda::FunctionSpec b = a;
  b.max_instances = 3;
  b.min_instances = 1;
  b.idle_timeout = std::chrono::seconds(5);
  CHECK(a.fingerprint() == b.fingerprint());
  b.environment = {{"A", "1"}};
  CHECK(a.fingerprint() != b.fingerprint());
  b = a;
  b.timeout = std::chrono::seconds(10);
  CHECK(a.fingerprint() != b.fingerprint());
}

TEST_CASE("REPORT lines, log streams and the 4 KB log tail look like CloudWatch's") {
  using namespace std::chrono;
  std::string line =
      lambda::report_line("abc", microseconds(13404), 128, 57 * 1024, microseconds(121800));
  CHECK(line ==
        "REPORT RequestId: abc\tDuration: 13.40 ms\tBilled Duration: 14 ms\tMemory Size: 128 "
        "MB\tMax Memory Used: 57 MB\tInit Duration: 121.80 ms\t");
  CHECK(lambda::report_line("abc", microseconds(200), 512, 1, std::nullopt) ==
        "REPORT RequestId: abc\tDuration: 0.20 ms\tBilled Duration: 1 ms\tMemory Size: 512 "
        "MB\tMax Memory Used: 1 MB\t");
  // A timeout bills the timeout, whatever the measured duration.
  CHECK(lambda::report_line("abc", microseconds(3004920), 128, 31 * 1024, std::nullopt,
                            milliseconds(3000)) ==
        "REPORT RequestId: abc\tDuration: 3004.92 ms\tBilled Duration: 3000 ms\tMemory Size: 128 "
        "MB\tMax Memory Used: 31 MB\t");
  CHECK(std::regex_match(lambda::log_stream_name(),
                         std::regex(R"(\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32})")));

  std::string log;
  for (int i = 0; i < 1000; ++i) lambda::append_log(log, "line " + std::to_string(i));
  auto tail = gh::util::base64_decode(lambda::log_tail(log));
  REQUIRE(tail);
  CHECK(tail->size() == 4096);
  CHECK(tail->ends_with("line 999\n"));
}
