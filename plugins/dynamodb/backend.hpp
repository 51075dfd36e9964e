#pragma once
/// DynamoBackend: where a `type: dynamodb` route integration sends its DynamoDB requests. The
/// request is the JSON a DynamoDB client sends for the operation (TableName, Key, Item,
/// expressions …) and the answer is the JSON DynamoDB returns, or its error. The embedded store
/// is one backend (make_local_backend); a remote endpoint (a real DynamoDB, DynamoDB Local)
/// will be another, sending the same JSON over the JSON 1.0 protocol.
///
/// call() is a coroutine run on the calling connection's executor; it must not block (the
/// local backend holds the store's mutex for the microseconds of its SQLite statements, as
/// the services-endpoint API does). Backends are immutable and shared by every request.

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "gateway/config/config.hpp"
#include "plugins/dynamodb/operations.hpp"
#include "plugins/dynamodb/store.hpp"

namespace gh::plugins::dynamodb {

class GroupCommit;

class DynamoBackend {
 public:
  virtual ~DynamoBackend() = default;
  /// Runs `operation` ("GetItem", "Query" …, DynamoDB's API names) with `request`.
  virtual boost::asio::awaitable<ops::Result> call(std::string_view operation,
                                                   boost::json::object request) const = 0;
  /// One line for `gatehouse routes`, e.g. "embedded store".
  virtual std::string describe() const = 0;
};

/// The embedded store, through the same operations the services endpoint serves (item writes
/// through `group`).
std::shared_ptr<const DynamoBackend> make_local_backend(Store& store, GroupCommit& group,
                                                        const config::AwsConfig& aws);

}  // namespace gh::plugins::dynamodb
