#pragma once
/// Secondary indexes (LSIs and GSIs, struct SecondaryIndex in table_schema.hpp): parsed from
/// CreateTable's LocalSecondaryIndexes/GlobalSecondaryIndexes and UpdateTable's
/// GlobalSecondaryIndexUpdates with DynamoDB's validation, persisted with the table, rendered in
/// TableDescription; and what an index holds of an item: its key (an item lacking an index key
/// attribute is not in the index, as DynamoDB's sparse indexes) and its projection.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "plugins/dynamodb/errors.hpp"
#include "plugins/dynamodb/table_schema.hpp"

namespace gh::plugins::dynamodb {

inline constexpr std::size_t kMaxLocalIndexes = 5;
inline constexpr std::size_t kMaxGlobalIndexes = 20;
inline constexpr std::size_t kMaxProjectedAttributes = 100;  // NonKeyAttributes, all indexes

/// One index of a request: `global` picks the member names in messages; `defined` are the
/// request's AttributeDefinitions; `table` the table's key (and billing, for a GSI's
/// ProvisionedThroughput).
std::variant<SecondaryIndex, DynamoError> parse_index(const boost::json::value& spec, bool global,
                                                      std::size_t position,
                                                      const std::vector<KeyAttribute>& defined,
                                                      const TableSchema& table);

/// Checks a table's indexes together: counts, duplicate names, projected attribute total.
std::optional<DynamoError> check_indexes(const TableSchema& table);

boost::json::object index_to_json(const SecondaryIndex& index);
std::optional<SecondaryIndex> index_from_json(const boost::json::object& o);

/// The index's entry of TableDescription.{Local,Global}SecondaryIndexes.
boost::json::object index_description(const SecondaryIndex& index, std::string_view table_arn,
                                      std::string_view status, std::int64_t items,
                                      std::int64_t bytes);

/// The key of `item` in `index`: hash and range key bytes, or nullopt when the item lacks one
/// of them (it is not in the index); a key attribute of the wrong type is DynamoDB's
/// "Type mismatch for Index Key" ValidationException.
struct IndexKey {
  std::string hash;
  std::string range;
};
std::variant<std::optional<IndexKey>, DynamoError> index_key(const SecondaryIndex& index,
                                                             const boost::json::object& item);

/// The attributes `index` holds of `item`: all of it, or the table's and the index's keys
/// (KEYS_ONLY) plus the NonKeyAttributes (INCLUDE).
boost::json::object project_to_index(const SecondaryIndex& index, const TableSchema& table,
                                     const boost::json::object& item);

/// `table` with the index's key in place of the table's: what a Query or Scan on the index
/// validates its key condition, filter and ExclusiveStartKey against.
TableSchema index_view(const TableSchema& table, const SecondaryIndex& index);

}  // namespace gh::plugins::dynamodb
