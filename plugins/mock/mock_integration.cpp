#include "plugins/mock/mock_integration.hpp"

#include <utility>
#include <vector>

#include "gateway/core/value_template.hpp"

namespace gh::plugins::mock {

namespace {

class MockIntegration final : public core::SyncIntegration {
 public:
  MockIntegration(int status, std::vector<std::pair<std::string, core::ValueTemplate>> headers,
                  core::ValueTemplate body)
      : status_(status), headers_(std::move(headers)), body_(std::move(body)) {}

  core::IntegrationResult answer(core::RequestContext& ctx) const override {
    core::Response response;
    response.status = status_;
    for (const auto& [name, value] : headers_) {
      std::string rendered;
      value.render(ctx, rendered);
      response.headers.add(name, std::move(rendered));
    }
    body_.render(ctx, response.body);
    return response;
  }

  std::string describe() const override { return "mock " + std::to_string(status_); }

 private:
  int status_;
  std::vector<std::pair<std::string, core::ValueTemplate>> headers_;
  core::ValueTemplate body_;
};

class MockFactory final : public core::IntegrationFactory {
 public:
  std::string_view type() const override { return "mock"; }

  std::shared_ptr<const core::Integration> create(const core::IntegrationBuildContext& ctx,
                                                  config::Diagnostics& diags) const override {
    config::MapReader r(ctx.node, diags);
    r.allow("type");
    int status = static_cast<int>(r.integer("statusCode", 100, 599).value_or(200));
    bool ok = true;
    auto compile = [&](const config::Node& at, const std::string& text) {
      std::string error;
      auto t = core::ValueTemplate::compile(text, {}, error);
      if (!t) {
        diags.error(at.location(), at.path(), error);
        ok = false;
      }
      return t;
    };
    std::vector<std::pair<std::string, core::ValueTemplate>> headers;
    config::Node headers_node = r.get("headers");
    config::MapReader h(headers_node, diags);
    for (const auto& [key, value] : headers_node.entries()) {
      h.allow(key.scalar());
      if (auto text = config::read_string(value, diags)) {
        if (auto t = compile(value, *text)) headers.emplace_back(key.scalar(), std::move(*t));
      }
    }
    std::string body_text = r.string("body").value_or("");
    auto body = compile(r.get("body"), body_text);
    if (!ok || !body) return nullptr;
    return std::make_shared<MockIntegration>(status, std::move(headers), std::move(*body));
  }
};

}  // namespace

std::unique_ptr<core::IntegrationFactory> make_factory() { return std::make_unique<MockFactory>(); }

}  // namespace gh::plugins::mock
