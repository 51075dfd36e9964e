#include "plugins/dynamodb/route_integration.hpp"

#include <boost/json/serialize.hpp>

#include "gateway/core/error_response.hpp"
#include "gateway/util/encoding.hpp"
#include "plugins/dynamodb/plain_json.hpp"

namespace gh::plugins::dynamodb {

namespace json = boost::json;

namespace {

class RouteIntegration final : public core::Integration {
 public:
  RouteIntegration(std::shared_ptr<const RouteSpec> spec,
                   std::shared_ptr<const RequestMapper> mapper,
                   std::shared_ptr<const DynamoBackend> backend)
      : spec_(std::move(spec)), mapper_(std::move(mapper)), backend_(std::move(backend)) {}

  boost::asio::awaitable<core::IntegrationResult> invoke(core::RequestContext& ctx) const override {
    auto request = mapper_->build(ctx);
    if (auto* refused = std::get_if<std::string>(&request)) {
      ctx.integration_error = *refused;
      co_return core::json_message(400, *refused);
    }
    ops::Result result = co_await backend_->call(action_name(spec_->action),
                                                 std::move(std::get<json::object>(request)));
    if (auto* error = std::get_if<DynamoError>(&result)) co_return failure(ctx, *error);
    co_return success(std::get<json::object>(result));
  }

  std::string describe() const override {
    return "dynamodb " + std::string(action_name(spec_->action)) + " " + spec_->table + " (" +
           (spec_->response == ResponseFormat::kPlain ? "plain" : "raw") + ", " +
           backend_->describe() + ")";
  }

 private:
  core::Response success(json::object& out) const {
    const RouteSpec& s = *spec_;
    bool plain = s.response == ResponseFormat::kPlain;
    switch (s.action) {
      case Action::kGetItem: {
        const json::value* item = out.if_contains("Item");
        if (!item && s.not_found) return core::json_message(s.not_found, "Not Found");
        if (!plain) break;
        std::string body;
        if (item && item->is_object()) {
          append_unmarshalled_item(body, item->get_object());
        } else {
          body = "{}";  // DynamoDB's answer for no item, unmarshalled
        }
        return core::json_response(200, std::move(body));
      }
      case Action::kPutItem:
      case Action::kUpdateItem:
      case Action::kDeleteItem: {
        if (s.action == Action::kDeleteItem && s.not_found) {
          if (!out.contains("Attributes")) return core::json_message(s.not_found, "Not Found");
          if (s.return_values != "ALL_OLD") out.erase("Attributes");  // asked for by us alone
        }
        if (!plain) break;
        std::string body;
        const json::value* attributes = out.if_contains("Attributes");
        if (attributes && attributes->is_object()) {
          append_unmarshalled_item(body, attributes->get_object());
        } else {
          body = "{}";
        }
        return core::json_response(200, std::move(body));
      }
      case Action::kQuery:
      case Action::kScan: {
        if (!plain) break;
        std::string body = "{\"items\":[";
        if (const json::value* items = out.if_contains("Items"); items && items->is_array()) {
          bool first = true;
          for (const auto& item : items->get_array()) {
            if (!first) body += ',';
            first = false;
            if (item.is_object()) append_unmarshalled_item(body, item.get_object());
          }
        }
        body += "],\"count\":";
        const json::value* count = out.if_contains("Count");
        body += count ? json::serialize(*count) : "0";
        if (const json::value* last = out.if_contains("LastEvaluatedKey");
            last && last->is_object()) {
          body += ",\"nextToken\":\"" + encode_page_token(last->get_object()) + "\"";
        }
        body += '}';
        return core::json_response(200, std::move(body));
      }
    }
    return core::json_response(200, json::serialize(out));
  }

  core::Response failure(core::RequestContext& ctx, const DynamoError& e) const {
    std::string_view short_type = e.type;
    if (auto hash = short_type.rfind('#'); hash != std::string_view::npos) {
      short_type.remove_prefix(hash + 1);
    }
    ctx.integration_error = e.message;
    int status = e.status;
    if (short_type == "ConditionalCheckFailedException") status = spec_->condition_failed;
    if (spec_->response == ResponseFormat::kPlain) {
      return core::json_response(status, "{\"message\":" + util::json_quote(e.message) +
                                             ",\"type\":" + util::json_quote(short_type) + "}");
    }
    // DynamoDB's own error body, as an AWS integration passes it through.
    json::object body{{"__type", e.type}};
    if (!e.message.empty()) body["message"] = e.message;
    for (const auto& [k, v] : e.fields) body[k] = v;
    return core::json_response(status, json::serialize(body));
  }

  std::shared_ptr<const RouteSpec> spec_;
  std::shared_ptr<const RequestMapper> mapper_;
  std::shared_ptr<const DynamoBackend> backend_;
};

}  // namespace

std::shared_ptr<const core::Integration> make_route_integration(
    std::shared_ptr<const RouteSpec> spec, std::shared_ptr<const RequestMapper> mapper,
    std::shared_ptr<const DynamoBackend> backend) {
  return std::make_shared<RouteIntegration>(std::move(spec), std::move(mapper), std::move(backend));
}

}  // namespace gh::plugins::dynamodb
