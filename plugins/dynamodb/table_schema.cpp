#include "plugins/dynamodb/table_schema.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <map>

#include "gateway/util/ids.hpp"
#include "plugins/dynamodb/secondary_index.hpp"

namespace gh::plugins::dynamodb {

namespace json = boost::json;

namespace {

DynamoError constraint(std::string_view value, std::string_view member, std::string_view rule) {
  return DynamoError::validation(
      "1 validation error detected: Value " + std::string(value) + " at '" + std::string(member) +
      "' failed to satisfy constraint: Member must " + std::string(rule));
}

DynamoError invalid(std::string_view what) {
  return DynamoError::validation("One or more parameter values were invalid: " + std::string(what));
}

const json::value* member(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() || it->value().is_null() ? nullptr : &it->value();
}

std::string quoted(const json::value& v) {
  if (v.is_string()) return "'" + std::string(v.get_string()) + "'";
  return json::serialize(v);
}

}  // namespace

std::optional<DynamoError> check_table_name(const json::value* name, std::string_view member_name) {
  if (!name) return constraint("null", member_name, "not be null");
  if (!name->is_string()) {
    return DynamoError::serialization("Unexpected value type in payload");
  }
  std::string_view text = name->get_string();
  if (text.size() < 3) {
    return constraint(quoted(*name), member_name, "have length greater than or equal to 3");
  }
  if (text.size() > 255) {
    return constraint(quoted(*name), member_name, "have length less than or equal to 255");
  }
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) {
      return constraint(quoted(*name), member_name,
                        "satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
    }
  }
  return std::nullopt;
}

std::variant<TagList, DynamoError> parse_tags(const json::value* tags) {
  if (!tags) {
    return DynamoError::validation(
        "1 validation error detected: Value null at 'tags' failed to "
        "satisfy constraint: Member must not be null");
  }
  if (!tags->is_array()) return DynamoError::serialization("Unexpected value type in payload");
  TagList out;
  for (const auto& tag : tags->get_array()) {
    const json::value* key = tag.is_object() ? member(tag.get_object(), "Key") : nullptr;
    const json::value* value = tag.is_object() ? member(tag.get_object(), "Value") : nullptr;
    if (!key || !value || !key->is_string() || !value->is_string()) {
      return constraint("null", !key ? "tags.member.key" : "tags.member.value", "not be null");
    }
    // UNVERIFIED wording; the limits are AWS's (tag keys 1-128, values 0-256 characters).
    if (key->get_string().empty() || key->get_string().size() > 128 ||
        value->get_string().size() > 256) {
      return invalid("A tag key is 1 to 128 characters and a tag value 0 to 256");
    }
    out.emplace_back(std::string(key->get_string()), std::string(value->get_string()));
  }
  return out;
}

DynamoError too_many_tags() {
  return invalid("Too many tags: a table has at most " + std::to_string(kMaxTags));
}

std::variant<std::vector<KeyAttribute>, DynamoError> parse_attribute_definitions(
    const json::value* defs) {
  if (!defs) return constraint("null", "attributeDefinitions", "not be null");
  if (!defs->is_array()) return DynamoError::serialization("Unexpected value type in payload");
  std::vector<KeyAttribute> defined;
  for (const auto& d : defs->get_array()) {
    if (!d.is_object()) return DynamoError::serialization("Unexpected value type in payload");
    const json::value* name = member(d.get_object(), "AttributeName");
    const json::value* type = member(d.get_object(), "AttributeType");
    if (!name || !name->is_string()) {
      return constraint("null", "attributeDefinitions.member.attributeName", "not be null");
    }
    auto scalar = type && type->is_string()
                      ? parse_scalar_type(std::string_view(type->get_string()))
                      : std::nullopt;
    if (!scalar) {
      return constraint(type ? quoted(*type) : "null", "attributeDefinitions.member.attributeType",
                        "satisfy enum value set: [B, N, S]");
    }
    for (const auto& other : defined) {
      if (other.name == std::string_view(name->get_string())) {
        return invalid("Duplicate AttributeName in AttributeDefinitions: " + other.name);
      }
    }
    defined.push_back({std::string(name->get_string()), *scalar});
  }
  return defined;
}

std::variant<KeySchema, DynamoError> parse_key_schema(const json::value* keys,
                                                      std::string_view member_name,
                                                      const std::vector<KeyAttribute>& defined) {
  std::string m(member_name);
  if (!keys) return constraint("null", m, "not be null");
  if (!keys->is_array()) return DynamoError::serialization("Unexpected value type in payload");
  if (keys->get_array().empty())
    return constraint("[]", m, "have length greater than or equal to 1");
  if (keys->get_array().size() > 2) {
    return constraint(json::serialize(*keys), m, "have length less than or equal to 2");
  }
  std::vector<std::pair<std::string, std::string>> elements;  // name, KeyType
  for (const auto& k : keys->get_array()) {
    if (!k.is_object()) return DynamoError::serialization("Unexpected value type in payload");
    const json::value* name = member(k.get_object(), "AttributeName");
    const json::value* type = member(k.get_object(), "KeyType");
    if (!name || !name->is_string())
      return constraint("null", m + ".member.attributeName", "not be null");
    if (!type || !type->is_string() ||
        (type->get_string() != "HASH" && type->get_string() != "RANGE")) {
      return constraint(type ? quoted(*type) : "null", m + ".member.keyType",
                        "satisfy enum value set: [HASH, RANGE]");
    }
    elements.emplace_back(std::string(name->get_string()), std::string(type->get_string()));
  }
  if (elements[0].second != "HASH") {
    return DynamoError::validation(
        "Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  }
  if (elements.size() == 2 && elements[1].second != "RANGE") {
    return DynamoError::validation(
        "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
  }
  if (elements.size() == 2 && elements[0].first == elements[1].first) {
    return DynamoError::validation(
        "Both the Hash Key and the Range Key element in the KeySchema have the same name");
  }
  auto find_def = [&](const std::string& name) -> const KeyAttribute* {
    for (const auto& d : defined) {
      if (d.name == name) return &d;
    }
    return nullptr;
  };
  for (const auto& [name, type] : elements) {
    if (!find_def(name)) {
      std::string names;
      for (const auto& d : defined) names += (names.empty() ? "" : ", ") + d.name;
      std::string key_names;
      for (const auto& e : elements) key_names += (key_names.empty() ? "" : ", ") + e.first;
      return invalid("Some index key attributes are not defined in AttributeDefinitions. Keys: [" +
                     key_names + "], AttributeDefinitions: [" + names + "]");
    }
  }
  KeySchema out;
  out.hash = *find_def(elements[0].first);
  if (elements.size() == 2) out.range = *find_def(elements[1].first);
  return out;
}

std::variant<TableSchema, DynamoError> parse_create_table(const json::object& request) {
  TableSchema t;
  if (auto e = check_table_name(member(request, "TableName"))) return *e;
  t.name = std::string(member(request, "TableName")->get_string());

  const json::value* keys = member(request, "KeySchema");
  auto defined_or = parse_attribute_definitions(member(request, "AttributeDefinitions"));
  if (auto* e = std::get_if<DynamoError>(&defined_or)) return *e;
  if (!keys) return constraint("null", "keySchema", "not be null");
  const auto& defined = std::get<std::vector<KeyAttribute>>(defined_or);
  auto key = parse_key_schema(keys, "keySchema", defined);
  if (auto* e = std::get_if<DynamoError>(&key)) return *e;
  t.hash = std::get<KeySchema>(key).hash;
  t.range = std::get<KeySchema>(key).range;

  // BillingMode and ProvisionedThroughput.
  const json::value* billing = member(request, "BillingMode");
  const json::value* throughput = member(request, "ProvisionedThroughput");
  if (billing) {
    if (!billing->is_string() ||
        (billing->get_string() != "PROVISIONED" && billing->get_string() != "PAY_PER_REQUEST")) {
      return constraint(quoted(*billing), "billingMode",
                        "satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]");
    }
    t.billing_mode_given = true;
    t.pay_per_request = billing->get_string() == "PAY_PER_REQUEST";
  }
  if (t.pay_per_request) {
    if (throughput) {
      return invalid(
          "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is "
          "PAY_PER_REQUEST");
    }
  } else {
    if (!throughput || !throughput->is_object()) {
      return invalid(
          "ReadCapacityUnits and WriteCapacityUnits must both be specified when "
          "BillingMode is PROVISIONED");
    }
    const json::value* read = member(throughput->get_object(), "ReadCapacityUnits");
    const json::value* write = member(throughput->get_object(), "WriteCapacityUnits");
    if (!read || !write) {
      return constraint("null",
                        !read ? "provisionedThroughput.readCapacityUnits"
                              : "provisionedThroughput.writeCapacityUnits",
                        "not be null");
    }
    if (!read->is_int64() || !write->is_int64()) {
      return DynamoError::serialization("Unexpected value type in payload");
    }
    if (read->get_int64() < 1 || write->get_int64() < 1) {
      return constraint(std::to_string(std::min(read->get_int64(), write->get_int64())),
                        read->get_int64() < 1 ? "provisionedThroughput.readCapacityUnits"
                                              : "provisionedThroughput.writeCapacityUnits",
                        "have value greater than or equal to 1");
    }
    t.read_capacity = read->get_int64();
    t.write_capacity = write->get_int64();
  }

  // Secondary indexes, after the billing mode (a GSI's throughput depends on it).
  const json::value* lsis = member(request, "LocalSecondaryIndexes");
  const json::value* gsis = member(request, "GlobalSecondaryIndexes");
  if (!lsis && !gsis && defined.size() != (t.range ? 2u : 1u)) {
    return invalid(
        "Number of attributes in KeySchema does not exactly match number of attributes defined "
        "in AttributeDefinitions");
  }
  for (auto [list, global] : {std::pair{lsis, false}, std::pair{gsis, true}}) {
    if (!list) continue;
    if (!list->is_array()) return DynamoError::serialization("Unexpected value type in payload");
    if (list->get_array().empty()) {
      return invalid(std::string("List of ") +
                     (global ? "GlobalSecondaryIndexes" : "LocalSecondaryIndexes") + " is empty");
    }
    if (!global && !t.range) {
      return invalid(
          "Table KeySchema does not have a range key, which is required when specifying a "
          "LocalSecondaryIndex");
    }
    std::size_t position = 0;
    for (const auto& spec : list->get_array()) {
      auto index = parse_index(spec, global, ++position, defined, t);
      if (auto* e = std::get_if<DynamoError>(&index)) return *e;
      t.indexes.push_back(std::move(std::get<SecondaryIndex>(index)));
    }
  }
  if (auto e = check_indexes(t)) return *e;
  if (lsis || gsis) {
    // Every definition must be some key's. UNVERIFIED wording (DynamoDB refuses unused ones).
    std::vector<std::string> used{t.hash.name};
    if (t.range) used.push_back(t.range->name);
    for (const auto& i : t.indexes) {
      used.push_back(i.hash.name);
      if (i.range) used.push_back(i.range->name);
    }
    for (const auto& d : defined) {
      if (std::find(used.begin(), used.end(), d.name) == used.end()) {
        std::string defs, keys_used;
        for (const auto& x : defined) defs += (defs.empty() ? "" : ", ") + x.name;
        for (const auto& u : used) {
          if (keys_used.find(u) == std::string::npos)
            keys_used += (keys_used.empty() ? "" : ", ") + u;
        }
        return invalid("Some AttributeDefinitions are not used. AttributeDefinitions: [" + defs +
                       "], keys used: [" + keys_used + "]");
      }
    }
  }

  if (const json::value* tags = member(request, "Tags")) {
    auto parsed = parse_tags(tags);
    if (auto* e = std::get_if<DynamoError>(&parsed)) return *e;
    std::map<std::string, std::string> all;
    for (auto& [k, v] : std::get<TagList>(parsed)) all[k] = v;
    if (all.size() > kMaxTags) return too_many_tags();
    t.tags.assign(all.begin(), all.end());
  }

  auto now = std::chrono::system_clock::now().time_since_epoch();
  t.created =
      static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()) /
      1000.0;
  t.table_id = util::uuid_v4();
  return t;
}

json::object TableSchema::to_json() const {
  json::object o;
  o["name"] = name;
  o["hash"] = json::object{{"name", hash.name}, {"type", type_name(hash.type)}};
  if (range) o["range"] = json::object{{"name", range->name}, {"type", type_name(range->type)}};
  o["payPerRequest"] = pay_per_request;
  o["billingModeGiven"] = billing_mode_given;
  o["read"] = read_capacity;
  o["write"] = write_capacity;
  o["created"] = created;
  o["id"] = table_id;
  if (!tags.empty()) {
    json::object t;
    for (const auto& [k, v] : tags) t[k] = v;
    o["tags"] = std::move(t);
  }
  if (ttl_attribute) o["ttl"] = *ttl_attribute;
  if (!indexes.empty()) {
    json::array list;
    for (const auto& i : indexes) list.push_back(index_to_json(i));
    o["indexes"] = std::move(list);
  }
  return o;
}

std::optional<TableSchema> TableSchema::from_json(const json::object& o) {
  try {
    TableSchema t;
    t.name = std::string(o.at("name").as_string());
    auto key = [](const json::value& v) -> std::optional<KeyAttribute> {
      auto type = parse_scalar_type(std::string_view(v.at("type").as_string()));
      if (!type) return std::nullopt;
      return KeyAttribute{std::string(v.at("name").as_string()), *type};
    };
    auto h = key(o.at("hash"));
    if (!h) return std::nullopt;
    t.hash = *h;
    if (auto it = o.find("range"); it != o.end()) {
      t.range = key(it->value());
      if (!t.range) return std::nullopt;
    }
    t.pay_per_request = o.at("payPerRequest").as_bool();
    t.billing_mode_given = o.at("billingModeGiven").as_bool();
    t.read_capacity = o.at("read").as_int64();
    t.write_capacity = o.at("write").as_int64();
    t.created = o.at("created").is_double() ? o.at("created").as_double()
                                            : static_cast<double>(o.at("created").as_int64());
    t.table_id = std::string(o.at("id").as_string());
    if (auto it = o.find("tags"); it != o.end()) {
      for (const auto& [k, v] : it->value().as_object()) {
        t.tags.emplace_back(std::string(k), std::string(v.as_string()));
      }
    }
    if (auto it = o.find("ttl"); it != o.end())
      t.ttl_attribute = std::string(it->value().as_string());
    if (auto it = o.find("indexes"); it != o.end()) {
      for (const auto& i : it->value().as_array()) {
        auto index = index_from_json(i.as_object());
        if (!index) return std::nullopt;
        t.indexes.push_back(std::move(*index));
      }
    }
    return t;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

json::object TableSchema::description(std::string_view arn, std::string_view status,
                                      std::int64_t item_count, std::int64_t size_bytes,
                                      const std::vector<IndexFigures>& index_figures) const {
  json::array defs;
  json::array keys;
  std::vector<std::string_view> defined;
  auto define = [&](const KeyAttribute& k) {
    if (std::find(defined.begin(), defined.end(), k.name) != defined.end()) return;
    defined.push_back(k.name);
    defs.push_back(json::object{{"AttributeName", k.name}, {"AttributeType", type_name(k.type)}});
  };
  auto add = [&](const KeyAttribute& k, std::string_view key_type) {
    define(k);
    keys.push_back(json::object{{"AttributeName", k.name}, {"KeyType", key_type}});
  };
  add(hash, "HASH");
  if (range) add(*range, "RANGE");
  json::array lsis;
  json::array gsis;
  for (std::size_t n = 0; n < indexes.size(); ++n) {
    const SecondaryIndex& i = indexes[n];
    define(i.hash);
    if (i.range) define(*i.range);
    IndexFigures f = n < index_figures.size() ? index_figures[n] : IndexFigures{};
    (i.global ? gsis : lsis).push_back(index_description(i, arn, f.status, f.items, f.bytes));
  }
  json::object d;
  d["AttributeDefinitions"] = std::move(defs);
  d["TableName"] = name;
  d["KeySchema"] = std::move(keys);
  d["TableStatus"] = status;
  d["CreationDateTime"] = created;
  d["ProvisionedThroughput"] = json::object{{"NumberOfDecreasesToday", 0},
                                            {"ReadCapacityUnits", read_capacity},
                                            {"WriteCapacityUnits", write_capacity}};
  d["TableSizeBytes"] = size_bytes;
  d["ItemCount"] = item_count;
  d["TableArn"] = arn;
  d["TableId"] = table_id;
  if (billing_mode_given) {
    json::object summary{{"BillingMode", pay_per_request ? "PAY_PER_REQUEST" : "PROVISIONED"}};
    if (pay_per_request) summary["LastUpdateToPayPerRequestDateTime"] = created;
    d["BillingModeSummary"] = std::move(summary);
  }
  if (!lsis.empty()) d["LocalSecondaryIndexes"] = std::move(lsis);
  if (!gsis.empty()) d["GlobalSecondaryIndexes"] = std::move(gsis);
  d["DeletionProtectionEnabled"] = false;
  return d;
}

}  // namespace gh::plugins::dynamodb
