#include "plugins/builtin.hpp"

#include <filesystem>

#include "plugins/api_key/api_key.hpp"
#include "plugins/api_key/usage_report.hpp"
#include "plugins/dynamodb/dynamodb_plugin.hpp"
#include "plugins/http_proxy/http_proxy_integration.hpp"
#include "plugins/lambda/lambda_integration.hpp"
#include "plugins/mock/mock_integration.hpp"
#include "plugins/s3/s3_plugin.hpp"
#include "plugins/sigv4/iam_auth.hpp"
#include "plugins/throttle/throttle.hpp"

namespace gh::plugins {

void register_builtin(core::PluginRegistry& registry) {
  registry.add(mock::make_factory());
  registry.add(http_proxy::make_factory());
  registry.add(lambda::make_factory());
  registry.add(dynamodb::make_factory());
  // After the other service APIs: S3 claims what they leave on the services endpoint.
  registry.add(s3::make_factory());
  // Middleware, in AWS's phase order (each also declares its phase).
  registry.add(sigv4::make_factory());
  registry.add(api_key::make_factory());
  registry.add(throttle::make_factory());
}

int usage_command(const config::Config& config, const std::string& plan_id,
                  const std::string& key_id, const std::string& start, const std::string& end) {
  std::string dir = std::filesystem::absolute(config.source_file).parent_path().string();
  return api_key::usage_command(config, dir.empty() ? "." : dir, plan_id, key_id, start, end);
}

}  // namespace gh::plugins
