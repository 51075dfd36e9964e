// A service API on the services endpoint that throws: the gateway answers AWS's 500 in place of
// whatever the API had written so far, logs it, and the connection goes on serving.
#include <doctest/doctest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "gateway/core/compile_scope.hpp"
#include "gateway/core/integration.hpp"
#include "gateway/core/service_api.hpp"
#include "tests/component/server_fixture.hpp"

using gh::testing::Client;
using gh::testing::RunningServer;

namespace {

/// Claims GET /_test/throw; writes part of an answer, then throws.
class ThrowingApi final : public gh::core::ServiceApi {
 public:
  std::string_view name() const override { return "throwing"; }
  bool claims(const gh::core::Request& request) const override {
    return request.path == "/_test/throw";
  }
  boost::asio::awaitable<void> handle(gh::core::RequestContext& ctx,
                                      gh::core::Response& out) const override {
    (void)ctx;
    out.status = 299;
    out.headers.add("X-Partial", "yes");
    out.body = "half an answer";
    throw std::runtime_error("boom");
    co_return;
  }
};

/// Publishes ThrowingApi from its compile hook; no route uses its type.
class ThrowingPlugin final : public gh::core::IntegrationFactory {
 public:
  std::string_view type() const override { return "test_throwing_service"; }
  void compile(gh::core::CompileScope& scope, gh::config::Diagnostics&) const override {
    scope.add_service_api(std::make_shared<ThrowingApi>());
  }
  std::shared_ptr<const gh::core::Integration> create(const gh::core::IntegrationBuildContext&,
                                                      gh::config::Diagnostics&) const override {
    return nullptr;
  }
};

}  // namespace

TEST_CASE("a service API that throws gets AWS's 500, and the connection goes on") {
  RunningServer server(
      gh::testing::kLoopbackConfig + "apis: []\n",
      [](gh::core::PluginRegistry& plugins) { plugins.add(std::make_unique<ThrowingPlugin>()); });
  Client c(server.port(1));
  c.send("GET /_test/throw HTTP/1.1\r\nHost: localhost\r\n\r\n");
  std::string failed = c.read_response();
  CHECK(failed.starts_with("HTTP/1.1 500 "));
  CHECK(failed.find("x-amzn-ErrorType: ServiceException\r\n") != std::string::npos);
  CHECK(failed.find("Content-Type: application/json\r\n") != std::string::npos);
  CHECK(failed.ends_with("\r\n\r\n{\"Type\":\"Service\",\"message\":\"Internal error\"}"));
  // Nothing of what the API wrote before it threw is sent.
  CHECK(failed.find("X-Partial") == std::string::npos);
  CHECK(failed.find("half an answer") == std::string::npos);
  c.send("GET /_gatehouse/health HTTP/1.1\r\nHost: localhost\r\n\r\n");
  CHECK(c.read_response().starts_with("HTTP/1.1 200 "));
}
