#include "plugins/builtin.hpp"

#include "plugins/http_proxy/http_proxy_integration.hpp"
#include "plugins/lambda/lambda_integration.hpp"
#include "plugins/mock/mock_integration.hpp"

namespace gh::plugins {

void register_builtin(core::PluginRegistry& registry) {
  registry.add(mock::make_factory());
  registry.add(http_proxy::make_factory());
  registry.add(lambda::make_factory());
}

}  // namespace gh::plugins
