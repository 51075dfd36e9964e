#include "plugins/builtin.hpp"

#include "plugins/http_proxy/http_proxy_integration.hpp"
#include "plugins/lambda/lambda_integration.hpp"
#include "plugins/mock/mock_integration.hpp"
#include "plugins/sigv4/iam_auth.hpp"
#include "plugins/throttle/throttle.hpp"

namespace gh::plugins {

void register_builtin(core::PluginRegistry& registry) {
  registry.add(mock::make_factory());
  registry.add(http_proxy::make_factory());
  registry.add(lambda::make_factory());
  // Middleware, in AWS's phase order (each also declares its phase).
  registry.add(sigv4::make_factory());
  registry.add(throttle::make_factory());
}

}  // namespace gh::plugins
