#pragma once
/// CompileScope: what plugins share while one config is compiled into a snapshot. A factory's
/// compile() hook parses the top-level sections it owns once (e.g. `functions:`), stashes the
/// result here for its create() calls, publishes service APIs (the Lambda Invoke API on the
/// services endpoint) and registers activation hooks that run only when the snapshot is
/// installed (start warm instances), never on `validate` or `routes`.
///
/// Lives on the compiling thread for the duration of Snapshot::compile(); not thread-safe.

#include <functional>
#include <memory>
#include <string>
#include <typeindex>
#include <unordered_map>
#include <vector>

#include "gateway/config/config.hpp"
#include "gateway/core/service_api.hpp"
#include "gateway/core/service_authorizer.hpp"

namespace gh::core {

class Services;

class CompileScope {
 public:
  CompileScope(const config::Config& config, Services& services)
      : config_(config), services_(services) {}

  const config::Config& config() const noexcept { return config_; }
  const config::Node& root() const noexcept { return config_.root; }
  Services& services() const noexcept { return services_; }
  /// Directory of the config file (relative paths in the config are relative to it).
  std::string config_dir() const;

  /// Per-compile state of type T (created empty on first use), shared by a plugin's hooks.
  template <typename T>
  T& state() {
    auto& slot = state_[std::type_index(typeid(T))];
    if (!slot) slot = std::make_shared<T>();
    return *static_cast<T*>(slot.get());
  }

  /// Serves requests on the services endpoint for as long as the snapshot is installed.
  void add_service_api(std::shared_ptr<const ServiceApi> api) {
    service_apis_.push_back(std::move(api));
  }
  /// Guards the AWS service APIs with IAM (`iam.enforce`); at most one plugin publishes it.
  void set_service_authorizer(std::shared_ptr<const ServiceAuthorizer> authorizer) {
    service_authorizer_ = std::move(authorizer);
  }
  std::shared_ptr<const ServiceAuthorizer> take_service_authorizer() {
    return std::move(service_authorizer_);
  }
  /// Runs (on the control thread) when the compiled snapshot is installed.
  void on_install(std::function<void()> hook) { install_hooks_.push_back(std::move(hook)); }

  std::vector<std::shared_ptr<const ServiceApi>> take_service_apis() {
    return std::move(service_apis_);
  }
  std::vector<std::function<void()>> take_install_hooks() { return std::move(install_hooks_); }

 private:
  const config::Config& config_;
  Services& services_;
  std::unordered_map<std::type_index, std::shared_ptr<void>> state_;
  std::vector<std::shared_ptr<const ServiceApi>> service_apis_;
  std::shared_ptr<const ServiceAuthorizer> service_authorizer_;
  std::vector<std::function<void()>> install_hooks_;
};

}  // namespace gh::core
