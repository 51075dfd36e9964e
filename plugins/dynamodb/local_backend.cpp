#include "plugins/dynamodb/backend.hpp"
#include "plugins/dynamodb/operation_table.hpp"

namespace gh::plugins::dynamodb {

namespace {

class LocalBackend final : public DynamoBackend {
 public:
  LocalBackend(Store& store, const config::AwsConfig& aws) : env_{store, aws} {}

  boost::asio::awaitable<ops::Result> call(std::string_view operation,
                                           boost::json::object request) const override {
    ops::Handler handler = ops::find_operation(operation);
    if (!handler) {
      co_return DynamoError{400, "com.amazon.coral.service#UnknownOperationException", ""};
    }
    co_return handler(env_, request);
  }

  std::string describe() const override { return "embedded store"; }

 private:
  ops::Env env_;
};

}  // namespace

std::shared_ptr<const DynamoBackend> make_local_backend(Store& store,
                                                        const config::AwsConfig& aws) {
  return std::make_shared<LocalBackend>(store, aws);
}

}  // namespace gh::plugins::dynamodb
