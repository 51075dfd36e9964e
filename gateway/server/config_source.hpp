#pragma once
/// ConfigSource: load + compile a config in one step, as startup, `validate`, `routes` and
/// reload all do. Keeps the diagnostics, never throws for bad input.

#include <memory>
#include <optional>
#include <string>

#include "gateway/config/config.hpp"
#include "gateway/core/plugin_registry.hpp"
#include "gateway/core/services.hpp"
#include "gateway/pipeline/snapshot.hpp"

namespace gh::server {

struct Compiled {
  std::shared_ptr<const pipeline::Snapshot> snapshot;  // null when there were errors
  config::Diagnostics diagnostics;
};

/// From a file. `metrics` may be null (validate/routes).
Compiled compile_file(const std::string& path, const core::PluginRegistry& plugins,
                      core::Services& services, pipeline::Metrics* metrics);
/// From an already loaded config (its load diagnostics in `diags`; it may have been read with
/// errors, config::load_config_partial(): then the plugins' diagnostics are added, and there is
/// no snapshot).
Compiled compile_loaded(std::optional<config::Config> config, config::Diagnostics diags,
                        const core::PluginRegistry& plugins, core::Services& services,
                        pipeline::Metrics* metrics);
/// From YAML text (tests), named `name` in diagnostics.
Compiled compile_text(const std::string& text, const std::string& name,
                      const core::PluginRegistry& plugins, core::Services& services,
                      pipeline::Metrics* metrics);

}  // namespace gh::server
