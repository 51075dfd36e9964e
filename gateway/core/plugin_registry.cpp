#include "gateway/core/plugin_registry.hpp"

#include <algorithm>
#include <stdexcept>

namespace gh::core {

void PluginRegistry::add(std::unique_ptr<IntegrationFactory> factory) {
  if (integration(factory->type())) {
    throw std::logic_error("integration type registered twice: " + std::string(factory->type()));
  }
  integrations_.push_back(std::move(factory));
}

void PluginRegistry::add(std::unique_ptr<MiddlewareFactory> factory) {
  middleware_.push_back(std::move(factory));
}

const IntegrationFactory* PluginRegistry::integration(std::string_view type) const {
  for (const auto& f : integrations_) {
    if (f->type() == type) return f.get();
  }
  return nullptr;
}

std::vector<std::string> PluginRegistry::integration_types() const {
  std::vector<std::string> out;
  for (const auto& f : integrations_) out.emplace_back(f->type());
  return out;
}

config::PluginKeys PluginRegistry::plugin_keys() const {
  config::PluginKeys keys;
  auto append = [](std::vector<std::string>& to, std::vector<std::string> from) {
    for (auto& k : from) {
      if (std::find(to.begin(), to.end(), k) == to.end()) to.push_back(std::move(k));
    }
  };
  for (const auto& f : integrations_) append(keys.top_level, f->top_level_keys());
  for (const auto& f : middleware_) {
    append(keys.top_level, f->top_level_keys());
    append(keys.api, f->api_keys());
    append(keys.stage, f->stage_keys());
    append(keys.route, f->route_keys());
  }
  return keys;
}

}  // namespace gh::core
