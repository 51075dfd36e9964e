#include "plugins/dynamodb/operation_table.hpp"

#include "plugins/dynamodb/validation_envelope.hpp"

namespace gh::plugins::dynamodb::ops {

namespace {

// Every operation's refusal passes through the envelope rule (validation_envelope.hpp) here,
// the one place both callers of this table (the services endpoint and route integrations' embedded
// backend) share.
template <const std::string_view& Name, Handler Run>
Result enveloped(const Env& env, const json::object& request) {
  Result answer = Run(env, request);
  if (auto* e = std::get_if<DynamoError>(&answer)) apply_validation_envelope(Name, *e);
  return answer;
}

template <const std::string_view& Name, TextHandler Run>
TextResult enveloped_text(const Env& env, const json::object& request) {
  TextResult answer = Run(env, request);
  if (auto* e = std::get_if<DynamoError>(&answer)) apply_validation_envelope(Name, *e);
  return answer;
}

constexpr std::string_view kPutItem = "PutItem";
constexpr std::string_view kGetItem = "GetItem";
constexpr std::string_view kDeleteItem = "DeleteItem";
constexpr std::string_view kUpdateItem = "UpdateItem";
constexpr std::string_view kQuery = "Query";
constexpr std::string_view kScan = "Scan";
constexpr std::string_view kBatchWriteItem = "BatchWriteItem";
constexpr std::string_view kBatchGetItem = "BatchGetItem";
constexpr std::string_view kTransactWriteItems = "TransactWriteItems";
constexpr std::string_view kTransactGetItems = "TransactGetItems";

}  // namespace

const Operation* find_operation(std::string_view name) noexcept {
  static constexpr Operation kOperations[] = {
      {"CreateTable", &create_table},
      {"DescribeTable", &describe_table},
      {"ListTables", &list_tables},
      {"DeleteTable", &delete_table},
      {"UpdateTable", &update_table},
      {kPutItem, &enveloped<kPutItem, &put_item>, nullptr, true},
      {kGetItem, &enveloped<kGetItem, &get_item>, &enveloped_text<kGetItem, &get_item_text>},
      {kDeleteItem, &enveloped<kDeleteItem, &delete_item>, nullptr, true},
      {kUpdateItem, &enveloped<kUpdateItem, &update_item>, nullptr, true},
      {kQuery, &enveloped<kQuery, &query>, &enveloped_text<kQuery, &query_text>},
      {kScan, &enveloped<kScan, &scan>, &enveloped_text<kScan, &scan_text>},
      {kBatchWriteItem, &enveloped<kBatchWriteItem, &batch_write_item>, nullptr, true},
      {kBatchGetItem, &enveloped<kBatchGetItem, &batch_get_item>},
      {kTransactWriteItems, &enveloped<kTransactWriteItems, &transact_write_items>},
      {kTransactGetItems, &enveloped<kTransactGetItems, &transact_get_items>},
      {"TagResource", &tag_resource},
      {"UntagResource", &untag_resource},
      {"ListTagsOfResource", &list_tags},
      {"UpdateTimeToLive", &update_time_to_live},
      {"DescribeTimeToLive", &describe_time_to_live},
  };
  for (const Operation& op : kOperations) {
    if (op.name == name) return &op;
  }
  return nullptr;
}

}  // namespace gh::plugins::dynamodb::ops
