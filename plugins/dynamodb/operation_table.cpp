#include "plugins/dynamodb/operation_table.hpp"

namespace gh::plugins::dynamodb::ops {

const Operation* find_operation(std::string_view name) noexcept {
  static constexpr Operation kOperations[] = {
      {"CreateTable", &create_table},
      {"DescribeTable", &describe_table},
      {"ListTables", &list_tables},
      {"DeleteTable", &delete_table},
      {"UpdateTable", &update_table},
      {"PutItem", &put_item, nullptr, true},
      {"GetItem", &get_item, &get_item_text},
      {"DeleteItem", &delete_item, nullptr, true},
      {"UpdateItem", &update_item, nullptr, true},
      {"Query", &query, &query_text},
      {"Scan", &scan, &scan_text},
      {"BatchWriteItem", &batch_write_item, nullptr, true},
      {"BatchGetItem", &batch_get_item},
      {"TransactWriteItems", &transact_write_items},
      {"TransactGetItems", &transact_get_items},
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
