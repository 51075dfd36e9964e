#pragma once
/// The explicit list of built-in plugins. Adding a plugin = one line in builtin.cpp.

#include <string>

#include "gateway/config/config.hpp"
#include "gateway/core/plugin_registry.hpp"

namespace gh::plugins {

void register_builtin(core::PluginRegistry& registry);

/// `gatehouse usage`: usage per API key from the usage state file of `config` (plugins/api_key).
int usage_command(const config::Config& config, const std::string& plan_id,
                  const std::string& key_id, const std::string& start, const std::string& end);

}  // namespace gh::plugins
