#pragma once
/// Command line: `gatehouse serve|validate|routes|usage`, --version, --help. Parsing is pure
/// (tested); run_cli() does the work and returns the exit code.

#include <optional>
#include <string>

namespace gh::app {

struct CliOptions {
  enum class Command { kServe, kValidate, kRoutes, kUsage, kVersion, kHelp };
  Command command = Command::kServe;
  std::string config = "config/gatehouse.yaml";
  std::optional<std::string> log_level;   // overrides logging.level
  std::optional<std::string> log_format;  // overrides logging.format
  std::optional<unsigned> threads;        // overrides server.threads; 0 = one per core
  // `usage`: which plan and key, and the days (YYYY-MM-DD); empty = all / the last 7 days.
  std::string usage_plan, usage_key, usage_start, usage_end;
};

struct CliParse {
  std::optional<CliOptions> options;
  std::string error;  // usage problem, when options is empty
};

CliParse parse_cli(int argc, const char* const* argv);
std::string usage();

/// Exit codes: 0 ok; 1 invalid config (validate/routes); 2 usage or startup error.
int run_cli(int argc, const char* const* argv);

}  // namespace gh::app
