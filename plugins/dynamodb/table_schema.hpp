#pragma once
/// A DynamoDB table's definition: what CreateTable accepted (name, key schema, attribute
/// definitions, billing mode and throughput) plus what DynamoDB assigns (id, creation time).
/// Parsed from a CreateTable request with DynamoDB's validation messages, persisted as JSON
/// beside the items, and rendered as the TableDescription of Create/Describe/DeleteTable.

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "plugins/dynamodb/attribute_value.hpp"
#include "plugins/dynamodb/errors.hpp"

namespace gh::plugins::dynamodb {

struct KeyAttribute {
  std::string name;
  ScalarType type = ScalarType::kString;
};

enum class Projection { kAll, kKeysOnly, kInclude };

/// A global or local secondary index: its key, what it projects, a GSI's throughput.
struct SecondaryIndex {
  std::string name;
  bool global = false;
  KeyAttribute hash;
  std::optional<KeyAttribute> range;
  Projection projection = Projection::kAll;
  std::vector<std::string> non_key_attributes;  // kInclude
  std::int64_t read_capacity = 0;               // GSIs of PROVISIONED tables
  std::int64_t write_capacity = 0;
};

struct TableSchema {
  std::string name;
  KeyAttribute hash;
  std::optional<KeyAttribute> range;
  bool pay_per_request = false;
  bool billing_mode_given = false;  // BillingModeSummary is shown only when it was set
  std::int64_t read_capacity = 0;
  std::int64_t write_capacity = 0;
  double created = 0;  // epoch seconds, with milliseconds
  std::string table_id;
  std::vector<std::pair<std::string, std::string>> tags;  // in key order
  std::vector<SecondaryIndex> indexes;                    // LSIs and GSIs, in creation order
  std::optional<std::string> ttl_attribute;               // UpdateTimeToLive enabled on it

  bool has_indexes() const noexcept { return !indexes.empty(); }
  /// The index called `name`, or nullptr.
  const SecondaryIndex* index(std::string_view index_name) const {
    for (const auto& i : indexes) {
      if (i.name == index_name) return &i;
    }
    return nullptr;
  }

  /// The persisted form (also what from_json() reads back).
  boost::json::object to_json() const;
  static std::optional<TableSchema> from_json(const boost::json::object& o);

  /// An index's figures and status for description(), in the order of `indexes`.
  struct IndexFigures {
    std::int64_t items = 0;
    std::int64_t bytes = 0;
    std::string_view status = "ACTIVE";
  };
  /// TableDescription as DynamoDB answers it (`index_figures` empty: zeros, ACTIVE).
  boost::json::object description(std::string_view arn, std::string_view status,
                                  std::int64_t item_count, std::int64_t size_bytes,
                                  const std::vector<IndexFigures>& index_figures = {}) const;
};

using TagList = std::vector<std::pair<std::string, std::string>>;
inline constexpr std::size_t kMaxTags = 50;
/// A Tags member ([{Key, Value}], CreateTable and TagResource), checked as DynamoDB does.
std::variant<TagList, DynamoError> parse_tags(const boost::json::value* tags);
DynamoError too_many_tags();

/// AttributeDefinitions, checked as DynamoDB does.
std::variant<std::vector<KeyAttribute>, DynamoError> parse_attribute_definitions(
    const boost::json::value* defs);
/// A KeySchema list (HASH, then an optional RANGE, each in `defined`); `member` names it in
/// messages ("keySchema", "globalSecondaryIndexes.1.member.keySchema").
struct KeySchema {
  KeyAttribute hash;
  std::optional<KeyAttribute> range;
};
std::variant<KeySchema, DynamoError> parse_key_schema(const boost::json::value* keys,
                                                      std::string_view member,
                                                      const std::vector<KeyAttribute>& defined);

/// Validates a CreateTable request as DynamoDB does (first problem found, DynamoDB's text).
std::variant<TableSchema, DynamoError> parse_create_table(const boost::json::object& request);

/// DynamoDB's table-name rule (3–255 of [a-zA-Z0-9_.-]); the error names `member` ("tableName").
std::optional<DynamoError> check_table_name(const boost::json::value* name,
                                            std::string_view member = "tableName");

}  // namespace gh::plugins::dynamodb
