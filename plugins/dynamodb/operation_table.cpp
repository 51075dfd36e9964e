#include "plugins/dynamodb/operation_table.hpp"

#include <utility>

namespace gh::plugins::dynamodb::ops {

Handler find_operation(std::string_view name) noexcept {
  static constexpr std::pair<std::string_view, Handler> kOperations[] = {
      {"CreateTable", &create_table},
      {"DescribeTable", &describe_table},
      {"ListTables", &list_tables},
      {"DeleteTable", &delete_table},
      {"UpdateTable", &update_table},
      {"PutItem", &put_item},
      {"GetItem", &get_item},
      {"DeleteItem", &delete_item},
      {"UpdateItem", &update_item},
      {"Query", &query},
      {"Scan", &scan},
      {"BatchWriteItem", &batch_write_item},
      {"BatchGetItem", &batch_get_item},
      {"TransactWriteItems", &transact_write_items},
      {"TransactGetItems", &transact_get_items},
      {"TagResource", &tag_resource},
      {"UntagResource", &untag_resource},
      {"ListTagsOfResource", &list_tags},
      {"UpdateTimeToLive", &update_time_to_live},
      {"DescribeTimeToLive", &describe_time_to_live},
  };
  for (const auto& [op, handler] : kOperations) {
    if (op == name) return handler;
  }
  return nullptr;
}

bool writes_items(std::string_view name) noexcept {
  return name == "PutItem" || name == "UpdateItem" || name == "DeleteItem" ||
         name == "BatchWriteItem" || name == "TransactWriteItems";
}

TextHandler find_text_operation(std::string_view name) noexcept {
  static constexpr std::pair<std::string_view, TextHandler> kOperations[] = {
      {"GetItem", &get_item_text},
      {"Query", &query_text},
      {"Scan", &scan_text},
  };
  for (const auto& [op, handler] : kOperations) {
    if (op == name) return handler;
  }
  return nullptr;
}

}  // namespace gh::plugins::dynamodb::ops
