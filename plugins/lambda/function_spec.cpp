#include "plugins/lambda/function_spec.hpp"

#include <filesystem>
#include <set>

#include "gateway/config/yaml_reader.hpp"
#include "gateway/iam/role_sessions.hpp"

namespace gh::plugins::lambda {

namespace fs = std::filesystem;
using config::MapReader;
using config::Need;

namespace {

// Environment variables Lambda sets itself and refuses in a function's configuration
// (Lambda guide, configuration-envvars "Defined runtime environment variables").
const std::set<std::string, std::less<>> kReservedVariables = {
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_DEFAULT_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_REGION",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "LAMBDA_RUNTIME_DIR",
    "LAMBDA_TASK_ROOT",
};

bool valid_function_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::optional<RuntimeKind> parse_runtime(std::string_view name) {
  auto starts = [&](std::string_view prefix) { return name.substr(0, prefix.size()) == prefix; };
  if (starts("nodejs")) return RuntimeKind::kNodejs;
  if (starts("python")) return RuntimeKind::kPython;
  if (starts("provided")) return RuntimeKind::kProvided;
  if (name == "command") return RuntimeKind::kCommand;
  return std::nullopt;
}

void read_environment(const config::Node& node, FunctionSpec& spec, config::Diagnostics& diags) {
  if (node.is_null()) return;
  if (!node.is_map()) {
    diags.error(node.location(), node.path(), "environment is a mapping of NAME: value");
    return;
  }
  for (const auto& [key, value] : node.entries()) {
    std::string name = key.scalar();
    if (kReservedVariables.count(name)) {
      diags.error(key.location(), value.path(),
                  "'" + name + "' is reserved: Lambda sets it for every function");
      continue;
    }
    bool valid = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
    for (char c : name) {
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '_')) {
        valid = false;
      }
    }
    if (!valid) {
      diags.error(key.location(), value.path(),
                  "environment variable names are letters, digits and '_' (AWS: "
                  "[a-zA-Z]([a-zA-Z0-9_])+)");
      continue;
    }
    if (!value.is_scalar()) {
      diags.error(value.location(), value.path(), "must be a string, got " + value.kind_name());
      continue;
    }
    spec.environment.emplace_back(name, config::expand_env(value.scalar(), value, diags));
  }
}

std::shared_ptr<const FunctionSpec> read_function(const config::Node& key, const config::Node& node,
                                                  core::CompileScope& scope,
                                                  config::Diagnostics& diags) {
  auto spec = std::make_shared<FunctionSpec>();
  spec->name = key.scalar();
  if (!valid_function_name(spec->name)) {
    diags.error(key.location(), node.path(),
                "function names are 1–64 letters, digits, '-' and '_' (as AWS Lambda's)");
  }
  MapReader r(node, diags);
  if (!r.ok()) return nullptr;
  spec->region = scope.config().aws.region;
  spec->account_id = scope.config().aws.account_id;
  spec->arn = "arn:aws:lambda:" + spec->region + ":" + spec->account_id + ":function:" + spec->name;

  bool runtime_known = false;
  if (auto runtime = r.string("runtime", Need::kRequired)) {
    if (auto kind = parse_runtime(*runtime)) {
      spec->runtime = *kind;
      spec->runtime_name = *runtime;
      runtime_known = true;
    } else {
      diags.error(r.get("runtime").location(), r.get("runtime").path(),
                  "unknown runtime '" + *runtime +
                      "'; use nodejs, python, provided (an executable 'bootstrap') or command");
    }
  }
  bool needs_handler =
      spec->runtime == RuntimeKind::kNodejs || spec->runtime == RuntimeKind::kPython;
  if (auto handler = r.string("handler", needs_handler ? Need::kRequired : Need::kOptional)) {
    spec->handler = *handler;
    auto dot = spec->handler.rfind('.');
    if (needs_handler && (dot == std::string::npos || dot == 0 || dot + 1 == handler->size())) {
      diags.error(r.get("handler").location(), r.get("handler").path(),
                  "a handler is written file.function, e.g. index.handler or app.lambda_handler");
    }
  }

  std::string code_uri = r.string("codeUri").value_or(".");
  fs::path code = code_uri;
  if (code.is_relative()) code = fs::path(scope.config_dir()) / code;
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(code, ec);
  spec->code_dir = (ec ? code : canonical).string();
  config::Node code_node = r.get("codeUri");
  if (!fs::is_directory(spec->code_dir, ec)) {
    diags.error(code_node.defined() ? code_node.location() : node.location(),
                code_node.defined() ? code_node.path() : node.path(),
                "codeUri '" + code_uri + "' is not a directory (looked at " + spec->code_dir + ")");
  } else if (runtime_known && spec->runtime == RuntimeKind::kProvided) {
    fs::path bootstrap = fs::path(spec->code_dir) / "bootstrap";
    if (!fs::exists(bootstrap, ec)) {
      diags.error(node.location(), node.path(),
                  "runtime " + spec->runtime_name + " runs an executable 'bootstrap' in codeUri; " +
                      bootstrap.string() + " does not exist");
    }
  }

  if (auto command = r.string_list("command")) {
    spec->command = *command;
    if (spec->runtime != RuntimeKind::kCommand) {
      diags.error(r.get("command").location(), r.get("command").path(),
                  "'command' is for runtime: command");
    } else if (spec->command.empty()) {
      diags.error(r.get("command").location(), r.get("command").path(),
                  "the command to start is at least a program name");
    }
  } else if (runtime_known && spec->runtime == RuntimeKind::kCommand) {
    r.require("command");
  }

  read_environment(r.get("environment"), *spec, diags);
  if (auto t = r.integer("timeout", 1, 900)) spec->timeout = std::chrono::seconds(*t);
  if (auto m = r.integer("memorySize", 128, 10240)) spec->memory_mb = static_cast<unsigned>(*m);
  if (auto c = r.integer("reservedConcurrency", 1, 1000)) {
    spec->max_instances = static_cast<unsigned>(*c);
  }
  if (auto m = r.integer("minInstances", 0, 1000)) {
    spec->min_instances = static_cast<unsigned>(*m);
    if (spec->min_instances > spec->max_instances) {
      diags.error(r.get("minInstances").location(), r.get("minInstances").path(),
                  "minInstances (" + std::to_string(spec->min_instances) +
                      ") is more than reservedConcurrency (" + std::to_string(spec->max_instances) +
                      ")");
    }
  }
  if (auto i = r.integer("idleTimeout", 1, 86400)) spec->idle_timeout = std::chrono::seconds(*i);
  if (auto q = r.integer("maxQueueLength", 0, 100000)) {
    spec->max_queue = static_cast<std::size_t>(*q);
  }
  if (auto w = r.boolean("watch")) spec->watch = *w;
  if (auto role = r.string("role")) {
    // The execution role: the function gets its session's credentials (iam/role_sessions.hpp);
    // the sigv4 plugin checks that iam.roles lists it.
    if (iam::assumed_role_arn(*role, spec->name).empty()) {
      diags.error(r.get("role").location(), r.get("role").path(),
                  "role is an IAM role's ARN, e.g. arn:aws:iam::123456789012:role/chat");
    } else {
      spec->role = *role;
    }
  }
  r.finish();
  return spec;
}

}  // namespace

std::string FunctionSpec::fingerprint() const {
  std::string f;
  auto add = [&](std::string_view v) {
    f += std::to_string(v.size());
    f += ':';
    f += v;
  };
  add(runtime_name);
  add(handler);
  add(code_dir);
  for (const auto& c : command) add(c);
  f += '|';
  for (const auto& [k, v] : environment) {
    add(k);
    add(v);
  }
  add(std::to_string(timeout.count()));
  add(std::to_string(memory_mb));
  add(region);
  add(account_id);
  add(role);
  return f;
}

const FunctionSpec* FunctionTable::find(std::string_view name) const {
  auto it = functions.find(name);
  return it == functions.end() ? nullptr : it->second.get();
}

const FunctionTable& parse_functions(core::CompileScope& scope, config::Diagnostics& diags) {
  FunctionTable& table = scope.state<FunctionTable>();
  if (table.parsed) return table;
  table.parsed = true;
  config::Node section = scope.root().child("functions");
  if (section.is_null()) return table;
  if (!section.is_map()) {
    diags.error(section.location(), section.path(),
                "functions is a mapping of function name to its settings");
    return table;
  }
  for (const auto& [key, value] : section.entries()) {
    if (auto spec = read_function(key, value, scope, diags)) {
      table.functions.emplace(spec->name, std::move(spec));
    }
  }
  return table;
}

}  // namespace gh::plugins::lambda
