#include "gateway/app/cli.hpp"

#include <cstdlib>
#include <string_view>

namespace gh::app {

std::string usage() {
  return "gatehouse " GATEHOUSE_VERSION
         " - Amazon API Gateway on your machine, from a YAML file\n"
         "\n"
         "Usage:\n"
         "  gatehouse serve [-c FILE] [options]  serve the APIs in FILE\n"
         "  gatehouse validate [FILE]            check FILE and list every problem (exit 1 if "
         "any)\n"
         "  gatehouse routes [FILE]              print the compiled route table\n"
         "  gatehouse usage [FILE] [--plan ID] [--key ID] [--start DAY] [--end DAY]\n"
         "                                       usage per API key and day, as AWS's GetUsage\n"
         "  gatehouse --version | --help\n"
         "\n"
         "Options:\n"
         "  -c, --config FILE     config file (default: $GATEHOUSE_CONFIG or "
         "config/gatehouse.yaml)\n"
         "  --log-level LEVEL     trace, debug, info, warn, error or off (overrides "
         "logging.level)\n"
         "  --log-format FORMAT   text or json (overrides logging.format)\n"
         "  --threads N           worker threads (overrides server.threads; 0 = cores)\n"
         "\n"
         "Signals: SIGINT/SIGTERM drain and exit; SIGHUP reloads the config.\n";
}

CliParse parse_cli(int argc, const char* const* argv) {
  CliParse out;
  CliOptions opts;
  if (const char* env = std::getenv("GATEHOUSE_CONFIG"); env && *env) opts.config = env;
  bool have_command = false;
  bool have_file = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](std::string_view name) -> std::optional<std::string> {
      if (i + 1 >= argc) {
        out.error = std::string(name) + " needs a value";
        return std::nullopt;
      }
      return std::string(argv[++i]);
    };
    if (arg == "--help" || arg == "-h") {
      opts.command = CliOptions::Command::kHelp;
      out.options = opts;
      return out;
    }
    if (arg == "--version" || arg == "-v") {
      opts.command = CliOptions::Command::kVersion;
      out.options = opts;
      return out;
    }
    if (arg == "-c" || arg == "--config") {
      auto v = value(arg);
      if (!v) return out;
      opts.config = *v;
      have_file = true;
    } else if (arg == "--log-level") {
      auto v = value(arg);
      if (!v) return out;
      if (*v != "trace" && *v != "debug" && *v != "info" && *v != "warn" && *v != "error" &&
          *v != "off") {
        out.error = "--log-level must be trace, debug, info, warn, error or off";
        return out;
      }
      opts.log_level = *v;
    } else if (arg == "--log-format") {
      auto v = value(arg);
      if (!v) return out;
      if (*v != "text" && *v != "json") {
        out.error = "--log-format must be text or json";
        return out;
      }
      opts.log_format = *v;
    } else if (arg == "--plan" || arg == "--key" || arg == "--start" || arg == "--end") {
      auto v = value(arg);
      if (!v) return out;
      if (arg == "--plan") opts.usage_plan = *v;
      if (arg == "--key") opts.usage_key = *v;
      if (arg == "--start") opts.usage_start = *v;
      if (arg == "--end") opts.usage_end = *v;
    } else if (arg == "--threads") {
      auto v = value(arg);
      if (!v) return out;
      char* end = nullptr;
      long n = std::strtol(v->c_str(), &end, 10);
      if (v->empty() || *end != '\0' || n < 0 || n > 256) {
        out.error = "--threads must be a number from 0 to 256";
        return out;
      }
      opts.threads = static_cast<unsigned>(n);
    } else if (!arg.empty() && arg.front() == '-') {
      out.error = "unknown option " + std::string(arg);
      return out;
    } else if (!have_command) {
      have_command = true;
      if (arg == "serve") {
        opts.command = CliOptions::Command::kServe;
      } else if (arg == "validate") {
        opts.command = CliOptions::Command::kValidate;
      } else if (arg == "routes") {
        opts.command = CliOptions::Command::kRoutes;
      } else if (arg == "usage") {
        opts.command = CliOptions::Command::kUsage;
      } else {
        out.error = "unknown command '" + std::string(arg) + "' (serve, validate, routes or usage)";
        return out;
      }
    } else if (!have_file) {
      opts.config = std::string(arg);
      have_file = true;
    } else {
      out.error = "unexpected argument '" + std::string(arg) + "'";
      return out;
    }
  }
  bool usage_flags = !opts.usage_plan.empty() || !opts.usage_key.empty() ||
                     !opts.usage_start.empty() || !opts.usage_end.empty();
  if (usage_flags && opts.command != CliOptions::Command::kUsage) {
    out.error = "--plan, --key, --start and --end go with the usage command";
    return out;
  }
  out.options = opts;
  return out;
}

}  // namespace gh::app
