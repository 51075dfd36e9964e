#pragma once
/// PluginRegistry: the explicit list of integration and middleware factories. Filled once at
/// startup by plugins/builtin.cpp (no static-initialiser tricks), read-only afterwards.

#include <memory>
#include <string_view>
#include <vector>

#include "gateway/config/config.hpp"
#include "gateway/core/integration.hpp"
#include "gateway/core/middleware.hpp"

namespace gh::core {

class PluginRegistry {
 public:
  void add(std::unique_ptr<IntegrationFactory> factory);
  void add(std::unique_ptr<MiddlewareFactory> factory);

  const IntegrationFactory* integration(std::string_view type) const;
  std::vector<std::string> integration_types() const;
  const std::vector<std::unique_ptr<MiddlewareFactory>>& middleware() const { return middleware_; }

  /// Every config key plugins own, for the strict loader.
  config::PluginKeys plugin_keys() const;

 private:
  std::vector<std::unique_ptr<IntegrationFactory>> integrations_;
  std::vector<std::unique_ptr<MiddlewareFactory>> middleware_;
};

}  // namespace gh::core
