#include "plugins/dynamodb/remote_backend.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/serialize.hpp>
#include <future>
#include <utility>

#include "plugins/dynamodb/attribute_value.hpp"

namespace gh::plugins::dynamodb {

namespace json = boost::json;

namespace {

constexpr std::string_view kTargetPrefix = "DynamoDB_20120810.";

class RemoteBackend final : public DynamoBackend {
 public:
  RemoteBackend(RemoteEndpoint endpoint, std::shared_ptr<const net::HttpClient> client)
      : endpoint_(std::move(endpoint)), client_(std::move(client)) {}

  boost::asio::awaitable<ops::Result> call(std::string_view operation,
                                           json::object request) const override {
    const std::string body = json::serialize(request);
    const std::string target = std::string(kTargetPrefix) + std::string(operation);
    const std::string host = endpoint_.origin.authority();

    sigv4::OutgoingRequest to_sign{
        "POST",
        endpoint_.path,
        "",
        {{"Host", host}, {"Content-Type", "application/x-amz-json-1.0"}, {"X-Amz-Target", target}},
        body};
    sigv4::SigningParams params;
    params.credentials = endpoint_.credentials;
    params.region = endpoint_.region;
    params.service = "dynamodb";
    params.time = std::chrono::system_clock::now();
    sigv4::Signature signature = sigv4::sign_headers(to_sign, params);

    net::OutboundRequest out;
    out.method = "POST";
    out.target = endpoint_.path;
    for (const auto& h : to_sign.headers) out.headers.add(h.name, h.value);
    for (const auto& h : signature.headers) out.headers.add(h.name, h.value);
    out.body = body;

    auto deadline = std::chrono::steady_clock::now() + endpoint_.timeout;
    net::SendResult sent = co_await client_->send(endpoint_.origin, out, deadline);
    if (auto* failed = std::get_if<net::SendError>(&sent)) {
      co_return DynamoError::internal("remote DynamoDB endpoint " + endpoint_.url + " failed (" +
                                      std::string(net::to_string(failed->kind)) +
                                      "): " + failed->message);
    }
    co_return answer(std::get<core::Response>(sent));
  }

  std::string describe() const override { return "remote endpoint " + endpoint_.url; }

 private:
  /// The remote's response as DynamoDB's JSON 1.0 protocol defines it.
  ops::Result answer(const core::Response& response) const {
    boost::system::error_code ec;
    json::value doc = parse_json(response.body, ec);
    const json::object* o = ec ? nullptr : doc.if_object();
    if (response.status >= 200 && response.status < 300) {
      if (o) return *o;
      return DynamoError::internal("remote DynamoDB endpoint " + endpoint_.url + " answered HTTP " +
                                   std::to_string(response.status) + " without a JSON object");
    }
    const json::value* type = o ? o->if_contains("__type") : nullptr;
    if (!type || !type->is_string()) {
      return DynamoError::internal("remote DynamoDB endpoint " + endpoint_.url + " answered HTTP " +
                                   std::to_string(response.status) +
                                   " without a DynamoDB error body");
    }
    DynamoError e;
    e.status = response.status;
    e.type = std::string(type->get_string());
    for (const auto& [key, value] : *o) {
      if (key == "__type") continue;
      if (key == "message" && value.is_string()) {
        e.message = std::string(value.get_string());
        continue;  // rendered again from e.message
      }
      if (key == "Message" && value.is_string()) e.message = std::string(value.get_string());
      // "Message" stays in fields: the services endpoint then renders it as the remote did.
      e.fields[key] = value;
    }
    return e;
  }

  RemoteEndpoint endpoint_;
  std::shared_ptr<const net::HttpClient> client_;
};

}  // namespace

std::shared_ptr<const DynamoBackend> make_remote_backend(const RemoteEndpoint& endpoint,
                                                         net::TlsContextCache* tls_cache,
                                                         std::string& error) {
  auto client = net::HttpClient::create(endpoint.client, error, tls_cache, endpoint.origin.https);
  if (!client) return nullptr;
  return std::make_shared<RemoteBackend>(endpoint, std::move(client));
}

ops::Result call_blocking(const DynamoBackend& backend, std::string_view operation,
                          json::object request) {
  boost::asio::io_context io;
  std::future<ops::Result> result = boost::asio::co_spawn(
      io, backend.call(operation, std::move(request)), boost::asio::use_future);
  io.run();  // ends when the call does: every wait in it has the backend's deadline
  try {
    return result.get();
  } catch (const std::exception& e) {
    return DynamoError::internal(std::string("remote DynamoDB call failed: ") + e.what());
  }
}

}  // namespace gh::plugins::dynamodb
