#include "plugins/dynamodb/backend.hpp"
#include "plugins/dynamodb/group_commit.hpp"
#include "plugins/dynamodb/operation_table.hpp"

namespace gh::plugins::dynamodb {

namespace {

class LocalBackend final : public DynamoBackend {
 public:
  LocalBackend(Store& store, GroupCommit& group, const config::AwsConfig& aws)
      : env_{store, aws}, group_(group) {}

  boost::asio::awaitable<ops::Result> call(std::string_view operation,
                                           boost::json::object request) const override {
    const ops::Operation* op = ops::find_operation(operation);
    if (!op) co_return DynamoError::unknown_operation();
    if (op->grouped) {
      co_return co_await group_.run<ops::Result>([&] { return op->handler(env_, request); });
    }
    co_return op->handler(env_, request);
  }

  std::string describe() const override { return "embedded store"; }

 private:
  ops::Env env_;
  GroupCommit& group_;
};

}  // namespace

std::shared_ptr<const DynamoBackend> make_local_backend(Store& store, GroupCommit& group,
                                                        const config::AwsConfig& aws) {
  return std::make_shared<LocalBackend>(store, group, aws);
}

}  // namespace gh::plugins::dynamodb
