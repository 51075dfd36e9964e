#pragma once
/// The explicit list of built-in plugins. Adding a plugin = one line in builtin.cpp.

#include "gateway/core/plugin_registry.hpp"

namespace gh::plugins {

void register_builtin(core::PluginRegistry& registry);

}  // namespace gh::plugins
