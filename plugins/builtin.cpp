#include "plugins/builtin.hpp"

#include "plugins/mock/mock_integration.hpp"

namespace gh::plugins {

void register_builtin(core::PluginRegistry& registry) {
  registry.add(mock::make_factory());
}

}  // namespace gh::plugins
