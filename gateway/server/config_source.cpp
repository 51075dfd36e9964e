#include "gateway/server/config_source.hpp"

namespace gh::server {

Compiled compile_loaded(std::optional<config::Config> config, config::Diagnostics diags,
                        const core::PluginRegistry& plugins, core::Services& services,
                        pipeline::Metrics* metrics) {
  // A config read with errors is still compiled (never installed: Snapshot::compile returns
  // null when `diags` has errors), so the plugins report their problems too.
  Compiled out;
  if (config) {
    out.snapshot =
        pipeline::Snapshot::compile(std::move(*config), plugins, services, metrics, diags);
  }
  out.diagnostics = std::move(diags);
  if (out.diagnostics.has_errors()) out.snapshot = nullptr;
  return out;
}

Compiled compile_file(const std::string& path, const core::PluginRegistry& plugins,
                      core::Services& services, pipeline::Metrics* metrics) {
  config::Diagnostics diags;
  auto config = config::load_config_partial(path, plugins.plugin_keys(), diags);
  return compile_loaded(std::move(config), std::move(diags), plugins, services, metrics);
}

Compiled compile_text(const std::string& text, const std::string& name,
                      const core::PluginRegistry& plugins, core::Services& services,
                      pipeline::Metrics* metrics) {
  config::Diagnostics diags;
  auto config = config::load_config_text_partial(text, name, plugins.plugin_keys(), diags);
  return compile_loaded(std::move(config), std::move(diags), plugins, services, metrics);
}

}  // namespace gh::server
