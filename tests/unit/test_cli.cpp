// Command-line parsing: every command and option, every usage error.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gateway/app/cli.hpp"
#include "gateway/server/server.hpp"

namespace {

using gh::app::CliOptions;
using Command = gh::app::CliOptions::Command;

// Parses `args` (without the program name) with GATEHOUSE_CONFIG as given (nullptr = unset).
gh::app::CliParse parse(std::vector<const char*> args, const char* env_config = nullptr) {
  if (env_config) {
    ::setenv("GATEHOUSE_CONFIG", env_config, 1);
  } else {
    ::unsetenv("GATEHOUSE_CONFIG");
  }
  args.insert(args.begin(), "gatehouse");
  auto result = gh::app::parse_cli(static_cast<int>(args.size()), args.data());
  ::unsetenv("GATEHOUSE_CONFIG");
  return result;
}

CliOptions options(std::vector<const char*> args, const char* env_config = nullptr) {
  auto r = parse(std::move(args), env_config);
  INFO(r.error);
  REQUIRE(r.options.has_value());
  CHECK(r.error == "");
  return *r.options;
}

std::string error(std::vector<const char*> args) {
  auto r = parse(std::move(args));
  CHECK_FALSE(r.options.has_value());
  return r.error;
}

}  // namespace

TEST_CASE("cli: no arguments serves the default config") {
  CliOptions o = options({});
  CHECK(o.command == Command::kServe);
  CHECK(o.config == "config/gatehouse.yaml");
  CHECK_FALSE(o.log_level.has_value());
  CHECK_FALSE(o.log_format.has_value());
  CHECK_FALSE(o.threads.has_value());
}

TEST_CASE("cli: commands") {
  struct Case {
    std::vector<const char*> args;
    Command command;
    const char* config;
  };
  const Case cases[] = {
      {{"serve"}, Command::kServe, "config/gatehouse.yaml"},
      {{"serve", "-c", "a.yaml"}, Command::kServe, "a.yaml"},
      {{"serve", "--config", "a.yaml"}, Command::kServe, "a.yaml"},
      {{"serve", "a.yaml"}, Command::kServe, "a.yaml"},
      {{"-c", "a.yaml", "serve"}, Command::kServe, "a.yaml"},
      {{"-c", "a.yaml"}, Command::kServe, "a.yaml"},
      {{"validate"}, Command::kValidate, "config/gatehouse.yaml"},
      {{"validate", "x/y.yaml"}, Command::kValidate, "x/y.yaml"},
      {{"validate", "-c", "b.yaml"}, Command::kValidate, "b.yaml"},
      {{"routes"}, Command::kRoutes, "config/gatehouse.yaml"},
      {{"routes", "r.yaml"}, Command::kRoutes, "r.yaml"},
      {{"-c", "a.yaml", "-c", "b.yaml"}, Command::kServe, "b.yaml"},  // the last one wins
  };
  for (const auto& c : cases) {
    CAPTURE(c.args.size());
    CAPTURE(c.config);
    CliOptions o = options(c.args);
    CHECK(o.command == c.command);
    CHECK(o.config == c.config);
  }
}

TEST_CASE("cli: --help and --version win wherever they appear") {
  struct Case {
    std::vector<const char*> args;
    Command command;
  };
  const Case cases[] = {
      {{"--help"}, Command::kHelp},
      {{"-h"}, Command::kHelp},
      {{"serve", "--help"}, Command::kHelp},
      {{"validate", "a.yaml", "-h"}, Command::kHelp},
      {{"--version"}, Command::kVersion},
      {{"-v"}, Command::kVersion},
      {{"routes", "--version"}, Command::kVersion},
      {{"--help", "--bogus"}, Command::kHelp},  // stops at --help
      {{"--version", "--help"}, Command::kVersion},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args.size());
    CHECK(options(c.args).command == c.command);
  }
  // ... but an error before them is reported.
  CHECK(error({"--bogus", "--help"}) == "unknown option --bogus");
}

TEST_CASE("cli: options") {
  CliOptions o = options(
      {"serve", "--log-level", "debug", "--log-format", "json", "--threads", "8", "-c", "x.yaml"});
  CHECK(o.command == Command::kServe);
  CHECK(o.config == "x.yaml");
  CHECK(o.log_level == "debug");
  CHECK(o.log_format == "json");
  CHECK(o.threads == 8u);

  for (const char* level : {"trace", "debug", "info", "warn", "error", "off"}) {
    CAPTURE(level);
    CHECK(options({"--log-level", level}).log_level == level);
  }
  for (const char* format : {"text", "json"}) {
    CAPTURE(format);
    CHECK(options({"--log-format", format}).log_format == format);
  }
  // An explicit 0 is kept (one thread per core), not taken for "not given".
  CHECK(options({"--threads", "0"}).threads == 0u);
  CHECK(options({"--threads", "1"}).threads == 1u);
  CHECK(options({"--threads", "256"}).threads == 256u);
}

TEST_CASE("cli: --threads over server.threads, 0 = one per core") {
  using gh::server::worker_threads;
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  CHECK(worker_threads(std::nullopt, 0) == cores);
  CHECK(worker_threads(std::nullopt, 3) == 3);
  CHECK(worker_threads(5u, 3) == 5);
  CHECK(worker_threads(5u, 0) == 5);
  CHECK(worker_threads(0u, 0) == cores);
  CHECK(worker_threads(0u, 3) == cores);  // --threads 0 wins over the config's 3
  CHECK(worker_threads(0u, 1) == cores);
}

TEST_CASE("cli: usage errors") {
  struct Case {
    std::vector<const char*> args;
    const char* error;
  };
  const Case cases[] = {
      {{"bogus"}, "unknown command 'bogus' (serve, validate, routes or usage)"},
      {{"a.yaml"}, "unknown command 'a.yaml' (serve, validate, routes or usage)"},
      {{"Serve"}, "unknown command 'Serve' (serve, validate, routes or usage)"},
      {{"--frobnicate"}, "unknown option --frobnicate"},
      {{"serve", "-x"}, "unknown option -x"},
      {{"serve", "-"}, "unknown option -"},
      {{"--config=a.yaml"}, "unknown option --config=a.yaml"},
      {{"-c"}, "-c needs a value"},
      {{"serve", "--config"}, "--config needs a value"},
      {{"--log-level"}, "--log-level needs a value"},
      {{"--log-format"}, "--log-format needs a value"},
      {{"--threads"}, "--threads needs a value"},
      {{"--log-level", "loud"}, "--log-level must be trace, debug, info, warn, error or off"},
      {{"--log-level", "INFO"}, "--log-level must be trace, debug, info, warn, error or off"},
      {{"--log-format", "xml"}, "--log-format must be text or json"},
      {{"--threads", "abc"}, "--threads must be a number from 0 to 256"},
      {{"--threads", ""}, "--threads must be a number from 0 to 256"},
      {{"--threads", "-1"}, "--threads must be a number from 0 to 256"},
      {{"--threads", "257"}, "--threads must be a number from 0 to 256"},
      {{"--threads", "4x"}, "--threads must be a number from 0 to 256"},
      {{"--threads", "99999999999999999999"}, "--threads must be a number from 0 to 256"},
      {{"validate", "a.yaml", "b.yaml"}, "unexpected argument 'b.yaml'"},
      {{"-c", "a.yaml", "validate", "b.yaml"}, "unexpected argument 'b.yaml'"},
      {{"serve", "serve", "x"}, "unexpected argument 'x'"},
      {{"routes", "--plan", "basic"}, "--plan, --key, --start and --end go with the usage command"},
      {{"usage", "--start"}, "--start needs a value"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.error);
    CHECK(error(c.args) == c.error);
  }
}

TEST_CASE("cli: usage takes a plan, a key and a range of days") {
  const char* argv[] = {"gatehouse", "usage",   "a.yaml",     "--plan", "basic",     "--key",
                        "k1",        "--start", "2026-12-01", "--end",  "2026-12-02"};
  auto parsed = gh::app::parse_cli(11, argv);
  REQUIRE(parsed.options);
  CHECK(parsed.options->command == gh::app::CliOptions::Command::kUsage);
  CHECK(parsed.options->config == "a.yaml");
  CHECK(parsed.options->usage_plan == "basic");
  CHECK(parsed.options->usage_key == "k1");
  CHECK(parsed.options->usage_start == "2026-12-01");
  CHECK(parsed.options->usage_end == "2026-12-02");
}

TEST_CASE("cli: GATEHOUSE_CONFIG is the default config file") {
  CHECK(options({}, "from-env.yaml").config == "from-env.yaml");
  CHECK(options({"validate"}, "from-env.yaml").config == "from-env.yaml");
  // Command-line files win.
  CHECK(options({"validate", "arg.yaml"}, "from-env.yaml").config == "arg.yaml");
  CHECK(options({"-c", "flag.yaml"}, "from-env.yaml").config == "flag.yaml");
  // Set but empty counts as unset.
  CHECK(options({}, "").config == "config/gatehouse.yaml");
}

TEST_CASE("cli: usage text") {
  std::string u = gh::app::usage();
  CHECK(u.starts_with("gatehouse " GATEHOUSE_VERSION
                      " - Amazon API Gateway on your machine, from a YAML file\n"));
  for (const char* line :
       {"  gatehouse serve [-c FILE] [options]  serve the APIs in FILE\n",
        "  gatehouse validate [FILE]            check FILE and list every problem (exit 1 if "
        "any)\n",
        "  gatehouse routes [FILE]              print the compiled route table\n",
        "  gatehouse --version | --help\n",
        "  -c, --config FILE     config file (default: $GATEHOUSE_CONFIG or "
        "config/gatehouse.yaml)\n",
        "  --log-level LEVEL     trace, debug, info, warn, error or off (overrides "
        "logging.level)\n",
        "  --log-format FORMAT   text or json (overrides logging.format)\n",
        "  --threads N           worker threads (overrides server.threads; 0 = cores)\n"}) {
    CAPTURE(line);
    CHECK(u.find(line) != std::string::npos);
  }
  CHECK(u.ends_with("Signals: SIGINT/SIGTERM drain and exit; SIGHUP reloads the config.\n"));
}
