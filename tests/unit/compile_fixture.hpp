#pragma once
// A config compiled the way the server compiles it (built-in plugins, strict loader, snapshot),
// for unit tests of compilation results and diagnostics. No sockets, no processes: plugins only
// start things when a snapshot is installed.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "gateway/config/config.hpp"
#include "gateway/core/plugin_registry.hpp"
#include "gateway/core/services.hpp"
#include "gateway/pipeline/metrics.hpp"
#include "gateway/pipeline/snapshot.hpp"
#include "plugins/builtin.hpp"

namespace gh::testing {

struct Compile {
  core::Services services;
  core::PluginRegistry plugins;
  config::Diagnostics diags;
  std::shared_ptr<const pipeline::Snapshot> snapshot;
  bool loaded = false;

  explicit Compile(const std::string& yaml, pipeline::Metrics* metrics = nullptr,
                   const std::string& name = "snap.yaml") {
    plugins::register_builtin(plugins);
    auto config = config::load_config_text(yaml, name, plugins.plugin_keys(), diags);
    loaded = config.has_value();
    if (config) {
      snapshot = pipeline::Snapshot::compile(std::move(*config), plugins, services, metrics, diags);
    }
  }
  ~Compile() { services.shutdown(); }
};

// The formatted diagnostics of a config that loads but does not compile.
inline std::string compile_errors(const std::string& yaml) {
  Compile c(yaml);
  INFO(c.diags.format());
  REQUIRE(c.loaded);  // the loader accepted it: these errors come from compilation
  CHECK(c.snapshot == nullptr);
  return c.diags.format();
}

}  // namespace gh::testing
