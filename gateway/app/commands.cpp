// What each command does: serve, validate, routes, usage.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "gateway/app/cli.hpp"
#include "gateway/app/logging.hpp"
#include "gateway/core/plugin_registry.hpp"
#include "gateway/server/config_source.hpp"
#include "gateway/server/server.hpp"
#include "plugins/builtin.hpp"

namespace gh::app {

namespace {

void print_diagnostics(const config::Diagnostics& diags) {
  std::fputs(diags.format().c_str(), stderr);
  if (diags.has_errors()) {
    std::fprintf(stderr, "%zu error(s)\n", diags.error_count());
  }
}

std::size_t route_count(const pipeline::Snapshot& snap) {
  std::size_t n = 0;
  for (const auto& api : snap.apis()) n += api->routes.size();
  return n;
}

int validate(const CliOptions& opts, const core::PluginRegistry& plugins) {
  core::Services services;
  auto compiled = server::compile_file(opts.config, plugins, services, nullptr);
  print_diagnostics(compiled.diagnostics);
  if (!compiled.snapshot) return 1;
  std::printf("%s: OK (%zu API(s), %zu route(s))\n", opts.config.c_str(),
              compiled.snapshot->apis().size(), route_count(*compiled.snapshot));
  return 0;
}

int usage_report(const CliOptions& opts, const core::PluginRegistry& plugins) {
  core::Services services;
  auto compiled = server::compile_file(opts.config, plugins, services, nullptr);
  print_diagnostics(compiled.diagnostics);
  if (!compiled.snapshot) return 1;
  return plugins::usage_command(compiled.snapshot->config(), opts.usage_plan, opts.usage_key,
                                opts.usage_start, opts.usage_end);
}

int routes(const CliOptions& opts, const core::PluginRegistry& plugins) {
  core::Services services;
  auto compiled = server::compile_file(opts.config, plugins, services, nullptr);
  print_diagnostics(compiled.diagnostics);
  if (!compiled.snapshot) return 1;
  struct Row {
    std::string api, protocol, stage, route, integration;
  };
  std::vector<Row> rows;
  for (const auto& api : compiled.snapshot->apis()) {
    for (const auto& stage : api->stages) {
      for (std::size_t i = 0; i < api->routes.size(); ++i) {
        const auto& binding = stage.bindings[i];
        std::string target = binding.integration ? binding.integration->describe() : "-";
        for (const auto& mw : binding.middleware) {
          if (std::string label = mw->describe(); !label.empty()) target += " [" + label + "]";
        }
        std::string api_label = api->info.id;
        if (!api->base_path.empty()) api_label += " (" + api->base_path + ")";
        rows.push_back({api_label, std::string(core::to_string(api->info.protocol)),
                        stage.info.name, api->routes[i].route_key, std::move(target)});
      }
    }
  }
  Row header{"API", "PROTOCOL", "STAGE", "ROUTE", "INTEGRATION"};
  std::size_t w[4] = {header.api.size(), header.protocol.size(), header.stage.size(),
                      header.route.size()};
  for (const auto& r : rows) {
    w[0] = std::max(w[0], r.api.size());
    w[1] = std::max(w[1], r.protocol.size());
    w[2] = std::max(w[2], r.stage.size());
    w[3] = std::max(w[3], r.route.size());
  }
  auto print = [&](const Row& r) {
    std::printf("%-*s  %-*s  %-*s  %-*s  %s\n", int(w[0]), r.api.c_str(), int(w[1]),
                r.protocol.c_str(), int(w[2]), r.stage.c_str(), int(w[3]), r.route.c_str(),
                r.integration.c_str());
  };
  print(header);
  for (const auto& r : rows) print(r);
  return 0;
}

// --log-format if given, else the config's logging.format.
config::LogFormat log_format(const CliOptions& opts, const config::LoggingConfig& logging) {
  if (!opts.log_format) return logging.format;
  return *opts.log_format == "json" ? config::LogFormat::kJson : config::LogFormat::kText;
}

int serve(const CliOptions& opts, const core::PluginRegistry& plugins) {
  // Until the config says otherwise, log at info in text.
  configure_logging(opts.log_level.value_or("info"),
                    opts.log_format == std::optional<std::string>("json")
                        ? config::LogFormat::kJson
                        : config::LogFormat::kText);
  server::Server::Options options;
  options.config_path = opts.config;
  options.threads = opts.threads;
  // A reload applies logging.level and logging.format too; the flags win, as at startup.
  options.apply_logging = [&opts](const config::LoggingConfig& logging) {
    reconfigure_logging(opts.log_level.value_or(logging.level), log_format(opts, logging));
  };
  server::Server server(options, plugins);
  auto compiled = server.compile_first();
  if (!compiled.snapshot) {
    print_diagnostics(compiled.diagnostics);
    std::fprintf(stderr, "gatehouse: %s is not valid; not starting\n", opts.config.c_str());
    return 2;
  }
  const auto& logging = compiled.snapshot->config().logging;
  configure_logging(opts.log_level.value_or(logging.level), log_format(opts, logging));
  for (const auto& d : compiled.diagnostics.all()) spdlog::warn("{}", d.format());

  auto started = std::chrono::steady_clock::now();
  try {
    server.start(compiled.snapshot);
  } catch (const std::exception& e) {
    spdlog::error("cannot start: {}", e.what());
    return 2;
  }
  spdlog::info("gatehouse {} serving {} API(s), {} route(s) from {} (ready in {:.1f} ms)",
               GATEHOUSE_VERSION, compiled.snapshot->apis().size(), route_count(*compiled.snapshot),
               opts.config,
               std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                   .count());
  return server.run();
}

}  // namespace

int run_cli(int argc, const char* const* argv) {
  // A closed stdout (access log piped to a process that exited) must not kill the gateway.
  std::signal(SIGPIPE, SIG_IGN);
  CliParse parsed = parse_cli(argc, argv);
  if (!parsed.options) {
    std::fprintf(stderr, "gatehouse: %s\n\n%s", parsed.error.c_str(), usage().c_str());
    return 2;
  }
  const CliOptions& opts = *parsed.options;
  try {
    switch (opts.command) {
      case CliOptions::Command::kHelp:
        std::fputs(usage().c_str(), stdout);
        return 0;
      case CliOptions::Command::kVersion:
        std::puts("gatehouse " GATEHOUSE_VERSION);
        return 0;
      default:
        break;
    }
    core::PluginRegistry plugins;
    plugins::register_builtin(plugins);
    switch (opts.command) {
      case CliOptions::Command::kValidate:
        return validate(opts, plugins);
      case CliOptions::Command::kRoutes:
        return routes(opts, plugins);
      case CliOptions::Command::kUsage:
        return usage_report(opts, plugins);
      default:
        return serve(opts, plugins);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gatehouse: error: %s\n", e.what());
    return 2;
  }
}

}  // namespace gh::app
