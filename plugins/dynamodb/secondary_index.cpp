#include "plugins/dynamodb/secondary_index.hpp"

#include <boost/json/serialize.hpp>
#include <set>

// Validation messages follow DynamoDB as dynalite (tested against DynamoDB) reproduces them;
// those marked UNVERIFIED are ours where neither documents the wording.
namespace gh::plugins::dynamodb {

namespace json = boost::json;

namespace {

DynamoError invalid(std::string_view what) {
  return DynamoError::validation("One or more parameter values were invalid: " + std::string(what));
}

DynamoError constraint(std::string_view value, std::string_view member, std::string_view rule) {
  return DynamoError::validation(
      "1 validation error detected: Value " + std::string(value) + " at '" + std::string(member) +
      "' failed to satisfy constraint: Member must " + std::string(rule));
}

const json::value* member(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() || it->value().is_null() ? nullptr : &it->value();
}

std::string_view projection_name(Projection p) {
  switch (p) {
    case Projection::kKeysOnly:
      return "KEYS_ONLY";
    case Projection::kInclude:
      return "INCLUDE";
    case Projection::kAll:
      break;
  }
  return "ALL";
}

std::optional<Projection> parse_projection_type(std::string_view name) {
  if (name == "ALL") return Projection::kAll;
  if (name == "KEYS_ONLY") return Projection::kKeysOnly;
  if (name == "INCLUDE") return Projection::kInclude;
  return std::nullopt;
}

json::object key_json(const KeyAttribute& k) {
  return json::object{{"name", k.name}, {"type", type_name(k.type)}};
}

std::optional<KeyAttribute> key_from_json(const json::value& v) {
  auto type = parse_scalar_type(std::string_view(v.at("type").as_string()));
  if (!type) return std::nullopt;
  return KeyAttribute{std::string(v.at("name").as_string()), *type};
}

}  // namespace

std::variant<SecondaryIndex, DynamoError> parse_index(const json::value& spec, bool global,
                                                      std::size_t position,
                                                      const std::vector<KeyAttribute>& defined,
                                                      const TableSchema& table) {
  if (!spec.is_object()) return DynamoError::serialization("Unexpected value type in payload");
  const json::object& o = spec.get_object();
  std::string prefix = std::string(global ? "globalSecondaryIndexes." : "localSecondaryIndexes.") +
                       std::to_string(position) + ".member";
  SecondaryIndex index;
  index.global = global;
  if (auto e = check_table_name(member(o, "IndexName"), prefix + ".indexName")) return *e;
  index.name = std::string(member(o, "IndexName")->get_string());

  auto keys = parse_key_schema(member(o, "KeySchema"), prefix + ".keySchema", defined);
  if (auto* e = std::get_if<DynamoError>(&keys)) return *e;
  index.hash = std::get<KeySchema>(keys).hash;
  index.range = std::get<KeySchema>(keys).range;
  if (!global) {
    if (!index.range) {
      return invalid("Index KeySchema does not have a range key for index: " + index.name);
    }
    if (index.hash.name != table.hash.name) {
      return invalid(
          "Index KeySchema does not have the same leading hash key as table KeySchema "
          "for index: " +
          index.name + ". index hash key: " + index.hash.name +
          ", table hash key: " + table.hash.name);
    }
  }

  const json::value* projection = member(o, "Projection");
  if (!projection) return constraint("null", prefix + ".projection", "not be null");
  if (!projection->is_object())
    return DynamoError::serialization("Unexpected value type in payload");
  const json::value* type = member(projection->get_object(), "ProjectionType");
  if (!type) return invalid("Unknown ProjectionType: null");
  auto parsed = type->is_string() ? parse_projection_type(std::string_view(type->get_string()))
                                  : std::nullopt;
  if (!parsed) {
    return constraint(
        type->is_string() ? "'" + std::string(type->get_string()) + "'" : json::serialize(*type),
        prefix + ".projection.projectionType", "satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]");
  }
  index.projection = *parsed;
  if (const json::value* non_key = member(projection->get_object(), "NonKeyAttributes")) {
    if (index.projection != Projection::kInclude) {
      return invalid("ProjectionType is " + std::string(projection_name(index.projection)) +
                     ", but NonKeyAttributes is specified");
    }
    if (!non_key->is_array()) return DynamoError::serialization("Unexpected value type in payload");
    if (non_key->get_array().empty()) {
      return constraint("[]", prefix + ".projection.nonKeyAttributes",
                        "have length greater than or equal to 1");
    }
    for (const auto& name : non_key->get_array()) {
      if (!name.is_string() || name.get_string().empty()) {
        return DynamoError::serialization("Unexpected value type in payload");
      }
      index.non_key_attributes.emplace_back(name.get_string());
    }
  }

  const json::value* throughput = member(o, "ProvisionedThroughput");
  if (global && table.pay_per_request && throughput) {
    // UNVERIFIED wording.
    return invalid("ProvisionedThroughput should not be specified for index: " + index.name +
                   " when BillingMode is PAY_PER_REQUEST");
  }
  if (global && !table.pay_per_request) {
    if (!throughput || !throughput->is_object()) {
      // UNVERIFIED wording.
      return invalid("ProvisionedThroughput must be specified for index: " + index.name);
    }
    const json::value* read = member(throughput->get_object(), "ReadCapacityUnits");
    const json::value* write = member(throughput->get_object(), "WriteCapacityUnits");
    std::string m = prefix + ".provisionedThroughput.";
    if (!read || !write) {
      return constraint("null", m + (!read ? "readCapacityUnits" : "writeCapacityUnits"),
                        "not be null");
    }
    if (!read->is_int64() || !write->is_int64()) {
      return DynamoError::serialization("Unexpected value type in payload");
    }
    if (read->get_int64() < 1 || write->get_int64() < 1) {
      bool r = read->get_int64() < 1;
      return constraint(std::to_string(r ? read->get_int64() : write->get_int64()),
                        m + (r ? "readCapacityUnits" : "writeCapacityUnits"),
                        "have value greater than or equal to 1");
    }
    index.read_capacity = read->get_int64();
    index.write_capacity = write->get_int64();
  }
  return index;
}

std::optional<DynamoError> check_indexes(const TableSchema& table) {
  std::set<std::string_view> names;
  std::size_t local = 0;
  std::size_t global = 0;
  std::set<std::string_view> projected;
  for (const auto& i : table.indexes) {
    if (!names.insert(i.name).second) return invalid("Duplicate index name: " + i.name);
    (i.global ? global : local)++;
    for (const auto& a : i.non_key_attributes) projected.insert(a);
  }
  if (local > kMaxLocalIndexes) {
    return invalid("Number of LocalSecondaryIndexes exceeds per-table limit of 5");
  }
  if (global > kMaxGlobalIndexes) {
    return invalid("GlobalSecondaryIndex count exceeds the per-table limit of 20");
  }
  if (projected.size() > kMaxProjectedAttributes) {
    // UNVERIFIED wording; the limit (100 projected attributes over all indexes) is AWS's.
    return invalid("The number of projected attributes in all indexes exceeds the limit of 100");
  }
  return std::nullopt;
}

json::object index_to_json(const SecondaryIndex& index) {
  json::object o{{"name", index.name},           {"global", index.global},
                 {"hash", key_json(index.hash)}, {"projection", projection_name(index.projection)},
                 {"read", index.read_capacity},  {"write", index.write_capacity}};
  if (index.range) o["range"] = key_json(*index.range);
  if (!index.non_key_attributes.empty()) {
    json::array names;
    for (const auto& n : index.non_key_attributes) names.emplace_back(n);
    o["nonKey"] = std::move(names);
  }
  return o;
}

std::optional<SecondaryIndex> index_from_json(const json::object& o) {
  try {
    SecondaryIndex i;
    i.name = std::string(o.at("name").as_string());
    i.global = o.at("global").as_bool();
    auto hash = key_from_json(o.at("hash"));
    if (!hash) return std::nullopt;
    i.hash = *hash;
    if (auto it = o.find("range"); it != o.end()) {
      i.range = key_from_json(it->value());
      if (!i.range) return std::nullopt;
    }
    auto projection = parse_projection_type(std::string_view(o.at("projection").as_string()));
    if (!projection) return std::nullopt;
    i.projection = *projection;
    if (auto it = o.find("nonKey"); it != o.end()) {
      for (const auto& n : it->value().as_array()) i.non_key_attributes.emplace_back(n.as_string());
    }
    i.read_capacity = o.at("read").as_int64();
    i.write_capacity = o.at("write").as_int64();
    return i;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

json::object index_description(const SecondaryIndex& index, std::string_view table_arn,
                               std::string_view status, std::int64_t items, std::int64_t bytes) {
  json::array keys{json::object{{"AttributeName", index.hash.name}, {"KeyType", "HASH"}}};
  if (index.range) {
    keys.push_back(json::object{{"AttributeName", index.range->name}, {"KeyType", "RANGE"}});
  }
  json::object projection{{"ProjectionType", projection_name(index.projection)}};
  if (!index.non_key_attributes.empty()) {
    json::array names;
    for (const auto& n : index.non_key_attributes) names.emplace_back(n);
    projection["NonKeyAttributes"] = std::move(names);
  }
  json::object d{{"IndexName", index.name},
                 {"KeySchema", std::move(keys)},
                 {"Projection", std::move(projection)}};
  if (index.global) {
    d["IndexStatus"] = status;
    d["ProvisionedThroughput"] = json::object{{"NumberOfDecreasesToday", 0},
                                              {"ReadCapacityUnits", index.read_capacity},
                                              {"WriteCapacityUnits", index.write_capacity}};
  }
  d["IndexSizeBytes"] = bytes;
  d["ItemCount"] = items;
  d["IndexArn"] = std::string(table_arn) + "/index/" + index.name;
  return d;
}

std::variant<std::optional<IndexKey>, DynamoError> index_key(const SecondaryIndex& index,
                                                             const json::object& item) {
  IndexKey key;
  for (const KeyAttribute* k : {&index.hash, index.range ? &*index.range : nullptr}) {
    if (!k) break;
    auto it = item.find(k->name);
    if (it == item.end()) return std::optional<IndexKey>();
    auto bytes = key_bytes(it->value(), k->type);
    if (!bytes) {
      return invalid("Type mismatch for Index Key " + k->name +
                     " Expected: " + std::string(type_name(k->type)) + " Actual: " +
                     std::string(value_type(it->value())) + " IndexName: " + index.name);
    }
    if (bytes->empty() && k->type != ScalarType::kNumber) {
      return DynamoError::validation(
          "One or more parameter values are not valid. A value specified for a secondary index "
          "key is not supported. The AttributeValue for a key attribute cannot contain an empty "
          "string value. IndexName: " +
          index.name + ", IndexKey: " + k->name);
    }
    (k == &index.hash ? key.hash : key.range) = std::move(*bytes);
  }
  return std::optional<IndexKey>(std::move(key));
}

json::object project_to_index(const SecondaryIndex& index, const TableSchema& table,
                              const json::object& item) {
  if (index.projection == Projection::kAll) return item;
  json::object out;
  auto keep = [&](const std::string& name) {
    if (auto it = item.find(name); it != item.end()) out[name] = it->value();
  };
  keep(table.hash.name);
  if (table.range) keep(table.range->name);
  keep(index.hash.name);
  if (index.range) keep(index.range->name);
  for (const auto& name : index.non_key_attributes) keep(name);
  return out;
}

TableSchema index_view(const TableSchema& table, const SecondaryIndex& index) {
  TableSchema view = table;
  view.hash = index.hash;
  view.range = index.range;
  return view;
}

}  // namespace gh::plugins::dynamodb
