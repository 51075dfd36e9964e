#include <algorithm>
#include <boost/json/serialize.hpp>
#include <map>
#include <tuple>

#include "plugins/dynamodb/operations.hpp"
#include "plugins/dynamodb/secondary_index.hpp"

// Tables: CreateTable, DescribeTable, ListTables, DeleteTable, and their tags.
namespace gh::plugins::dynamodb::ops {

namespace {

/// The table a ResourceArn names (this account and region's tables only).
std::variant<TableSchema, DynamoError> tagged_table(const Env& env, const json::object& request) {
  const json::value* arn = member(request, "ResourceArn");
  if (!arn) return null_member("resourceArn");
  if (!arn->is_string()) return wrong_type();
  std::string_view text = arn->get_string();
  std::string prefix = env.table_arn("");
  auto not_found = DynamoError::not_found(
      "Requested resource not found: ResourcArn: " + std::string(text) + " not found");
  if (!text.starts_with(prefix)) {
    if (!text.starts_with("arn:")) {
      return DynamoError::validation("Invalid TableArn: Invalid ResourceArn provided as input " +
                                     std::string(text));
    }
    return not_found;
  }
  auto t = env.store.table(text.substr(prefix.size()));
  if (std::holds_alternative<DynamoError>(t)) return not_found;
  return t;
}

}  // namespace

Result create_table(const Env& env, const json::object& request) {
  auto parsed = parse_create_table(request);
  if (auto* e = std::get_if<DynamoError>(&parsed)) return *e;
  const TableSchema& t = std::get<TableSchema>(parsed);
  if (auto e = env.store.create_table(t)) return *e;
  // CREATING, as AWS answers; the table is usable at once and DescribeTable says ACTIVE.
  std::vector<TableSchema::IndexFigures> figures(t.indexes.size(), {0, 0, "CREATING"});
  return json::object{
      {"TableDescription", t.description(env.table_arn(t.name), "CREATING", 0, 0, figures)}};
}

namespace {

/// Each index's item count and size, for TableDescription.
std::variant<std::vector<TableSchema::IndexFigures>, DynamoError> index_figures(
    const Env& env, const TableSchema& t, std::string_view created = {}) {
  std::vector<TableSchema::IndexFigures> figures;
  for (const auto& index : t.indexes) {
    auto stats = env.store.index_stats(t, index);
    if (auto* e = std::get_if<DynamoError>(&stats)) return *e;
    const auto& s = std::get<Store::Stats>(stats);
    figures.push_back({s.items, s.bytes, index.name == created ? "CREATING" : "ACTIVE"});
  }
  return figures;
}

DynamoError invalid(std::string_view what) {
  return DynamoError::validation("One or more parameter values were invalid: " + std::string(what));
}

/// ProvisionedThroughput {ReadCapacityUnits, WriteCapacityUnits}, both at least 1.
std::variant<std::pair<std::int64_t, std::int64_t>, DynamoError> throughput_of(
    const json::value& v, std::string_view member_name) {
  if (!v.is_object()) return wrong_type();
  const json::value* read = member(v.get_object(), "ReadCapacityUnits");
  const json::value* write = member(v.get_object(), "WriteCapacityUnits");
  std::string m(member_name);
  if (!read || !write) {
    return DynamoError::validation("1 validation error detected: Value null at '" + m +
                                   (!read ? ".readCapacityUnits" : ".writeCapacityUnits") +
                                   "' failed to satisfy constraint: Member must not be null");
  }
  if (!read->is_int64() || !write->is_int64()) return wrong_type();
  if (read->get_int64() < 1 || write->get_int64() < 1) {
    bool r = read->get_int64() < 1;
    return DynamoError::validation(
        "1 validation error detected: Value '" +
        std::to_string(r ? read->get_int64() : write->get_int64()) + "' at '" + m +
        (r ? ".readCapacityUnits" : ".writeCapacityUnits") +
        "' failed to satisfy constraint: Member must have value greater than or equal to 1");
  }
  return std::pair{read->get_int64(), write->get_int64()};
}

}  // namespace

Result update_table(const Env& env, const json::object& request) {
  const json::value* name = member(request, "TableName");
  if (auto e = check_table_name(name)) return *e;
  for (std::string_view unsupported :
       {"StreamSpecification", "SSESpecification", "ReplicaUpdates", "TableClass",
        "DeletionProtectionEnabled", "OnDemandThroughput", "WarmThroughput"}) {
    if (member(request, unsupported)) {
      return invalid(std::string(unsupported) + " is not supported by Gatehouse's embedded store");
    }
  }
  const json::value* billing = member(request, "BillingMode");
  const json::value* throughput = member(request, "ProvisionedThroughput");
  const json::value* updates = member(request, "GlobalSecondaryIndexUpdates");
  if (!billing && !throughput && !updates) {
    // UNVERIFIED wording (DynamoDB's list of what UpdateTable can change).
    return DynamoError::validation(
        "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
        "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
  }
  if (billing && (!billing->is_string() || (billing->get_string() != "PROVISIONED" &&
                                            billing->get_string() != "PAY_PER_REQUEST"))) {
    return DynamoError::validation(
        "1 validation error detected: Value '" +
        (billing->is_string() ? std::string(billing->get_string()) : json::serialize(*billing)) +
        "' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: "
        "[PROVISIONED, PAY_PER_REQUEST]");
  }
  std::optional<std::pair<std::int64_t, std::int64_t>> table_throughput;
  if (throughput) {
    auto t = throughput_of(*throughput, "provisionedThroughput");
    if (auto* e = std::get_if<DynamoError>(&t)) return *e;
    table_throughput = std::get<std::pair<std::int64_t, std::int64_t>>(t);
  }
  if (updates && (!updates->is_array() || updates->get_array().empty())) {
    if (!updates->is_array()) return wrong_type();
    return invalid("GlobalSecondaryIndexUpdates is empty");  // UNVERIFIED wording
  }
  std::vector<KeyAttribute> defined;
  if (const json::value* defs = member(request, "AttributeDefinitions")) {
    auto parsed = parse_attribute_definitions(defs);
    if (auto* e = std::get_if<DynamoError>(&parsed)) return *e;
    defined = std::move(std::get<std::vector<KeyAttribute>>(parsed));
  }

  std::string created;
  auto edit = [&](TableSchema& t) -> std::optional<DynamoError> {
    if (billing) {
      t.billing_mode_given = true;
      t.pay_per_request = billing->get_string() == "PAY_PER_REQUEST";
    }
    if (t.pay_per_request) {
      if (table_throughput) {
        return invalid(
            "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode "
            "is PAY_PER_REQUEST");
      }
      t.read_capacity = t.write_capacity = 0;
      for (auto& i : t.indexes) i.read_capacity = i.write_capacity = 0;
    } else {
      if (table_throughput) std::tie(t.read_capacity, t.write_capacity) = *table_throughput;
      if (t.read_capacity < 1) {
        return invalid(
            "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is "
            "PROVISIONED");
      }
      // A table switched to PROVISIONED: its GSIs take the table's throughput unless an
      // Update below sets theirs.
      for (auto& i : t.indexes) {
        if (i.global && i.read_capacity < 1) {
          i.read_capacity = t.read_capacity;
          i.write_capacity = t.write_capacity;
        }
      }
    }
    if (!updates) return std::nullopt;
    std::size_t online = 0;  // indexes created or deleted
    std::size_t position = 0;
    for (const auto& u : updates->get_array()) {
      ++position;
      if (!u.is_object()) return wrong_type();
      const json::value* create = member(u.get_object(), "Create");
      const json::value* update = member(u.get_object(), "Update");
      const json::value* remove = member(u.get_object(), "Delete");
      if ((create != nullptr) + (update != nullptr) + (remove != nullptr) != 1) {
        return invalid(
            "One of GlobalSecondaryIndexUpdate.Create, Update or Delete must be "
            "given in each update");  // UNVERIFIED wording
      }
      const json::value* spec = create ? create : update ? update : remove;
      if (!spec->is_object()) return wrong_type();
      const json::value* index_name = member(spec->get_object(), "IndexName");
      if (auto e =
              check_table_name(index_name, "globalSecondaryIndexUpdates." +
                                               std::to_string(position) + ".member.indexName")) {
        return *e;
      }
      std::string iname(index_name->get_string());
      if (create || remove) ++online;
      if (create) {
        if (t.index(iname)) {
          return DynamoError::validation("Attempting to create an index which already exists");
        }
        // Key attributes: the request's definitions, which must agree with the table's.
        std::vector<KeyAttribute> known = defined;
        auto agree = [&](const KeyAttribute& k) -> std::optional<DynamoError> {
          for (const auto& d : defined) {
            if (d.name == k.name && d.type != k.type) {
              return invalid("Cannot update attribute " + k.name +
                             ". This attribute is part of an index");  // UNVERIFIED wording
            }
          }
          return std::nullopt;
        };
        if (auto e = agree(t.hash)) return e;
        if (t.range) {
          if (auto e = agree(*t.range)) return e;
        }
        for (const auto& i : t.indexes) {
          if (auto e = agree(i.hash)) return e;
          if (i.range) {
            if (auto e = agree(*i.range)) return e;
          }
        }
        auto index = parse_index(*spec, true, position, known, t);
        if (auto* e = std::get_if<DynamoError>(&index)) {
          std::string& m = e->message;
          std::size_t at = m.find("'globalSecondaryIndexes.");
          if (at != std::string::npos) {
            m.replace(at + 1, std::string_view("globalSecondaryIndexes").size(),
                      "globalSecondaryIndexUpdates");
            std::size_t member_at = m.find(".member", at);
            if (member_at != std::string::npos) m.insert(member_at + 7, ".create");
          }
          return *e;
        }
        t.indexes.push_back(std::move(std::get<SecondaryIndex>(index)));
        if (auto e = check_indexes(t)) return e;
        created = iname;
      } else if (remove) {
        auto it = std::find_if(t.indexes.begin(), t.indexes.end(),
                               [&](const SecondaryIndex& i) { return i.name == iname; });
        if (it == t.indexes.end() || !it->global) {
          return DynamoError::not_found("Requested resource not found: Index: " + iname +
                                        " not found");  // UNVERIFIED wording
        }
        t.indexes.erase(it);
      } else {
        auto it = std::find_if(t.indexes.begin(), t.indexes.end(),
                               [&](const SecondaryIndex& i) { return i.name == iname; });
        if (it == t.indexes.end() || !it->global) {
          return DynamoError::not_found("Requested resource not found: Index: " + iname +
                                        " not found");  // UNVERIFIED wording
        }
        const json::value* pt = member(spec->get_object(), "ProvisionedThroughput");
        if (!pt) {
          return DynamoError::validation(
              "1 validation error detected: Value null at 'globalSecondaryIndexUpdates." +
              std::to_string(position) +
              ".member.update.provisionedThroughput' failed to satisfy constraint: Member must "
              "not be null");
        }
        if (t.pay_per_request) {
          return invalid(
              "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
              "BillingMode is PAY_PER_REQUEST");
        }
        auto parsed = throughput_of(*pt, "globalSecondaryIndexUpdates." + std::to_string(position) +
                                             ".member.update.provisionedThroughput");
        if (auto* e = std::get_if<DynamoError>(&parsed)) return *e;
        std::tie(it->read_capacity, it->write_capacity) =
            std::get<std::pair<std::int64_t, std::int64_t>>(parsed);
      }
    }
    if (online > 1) {
      // DynamoDB creates or deletes one GSI per UpdateTable call.
      return DynamoError{400, "com.amazonaws.dynamodb.v20120810#LimitExceededException",
                         "Subscriber limit exceeded: Only 1 online index can be created or "
                         "deleted simultaneously per table"};
    }
    return std::nullopt;
  };
  std::string table_name(name->get_string());
  if (auto e = env.store.update_table(table_name, edit)) {
    if (e->type.ends_with("#ResourceNotFoundException") &&
        e->message == "Requested resource not found") {
      return DynamoError::not_found("Requested resource not found: Table: " + table_name +
                                    " not found");
    }
    return *e;
  }
  auto t = env.store.table(table_name);
  if (auto* e = std::get_if<DynamoError>(&t)) return *e;
  const TableSchema& schema = std::get<TableSchema>(t);
  auto stats = env.store.stats(schema.name);
  if (auto* e = std::get_if<DynamoError>(&stats)) return *e;
  auto figures = index_figures(env, schema, created);
  if (auto* e = std::get_if<DynamoError>(&figures)) return *e;
  const auto& s = std::get<Store::Stats>(stats);
  // UPDATING, as DynamoDB answers; the change is done and DescribeTable says ACTIVE.
  return json::object{
      {"TableDescription",
       schema.description(env.table_arn(schema.name), "UPDATING", s.items, s.bytes,
                          std::get<std::vector<TableSchema::IndexFigures>>(figures))}};
}

Result describe_table(const Env& env, const json::object& request) {
  auto t = existing_table(env, request, true);
  if (auto* e = std::get_if<DynamoError>(&t)) return *e;
  const TableSchema& schema = std::get<TableSchema>(t);
  auto stats = env.store.stats(schema.name);
  if (auto* e = std::get_if<DynamoError>(&stats)) return *e;
  const auto& s = std::get<Store::Stats>(stats);
  auto figures = index_figures(env, schema);
  if (auto* e = std::get_if<DynamoError>(&figures)) return *e;
  return json::object{
      {"Table", schema.description(env.table_arn(schema.name), "ACTIVE", s.items, s.bytes,
                                   std::get<std::vector<TableSchema::IndexFigures>>(figures))}};
}

Result list_tables(const Env& env, const json::object& request) {
  std::size_t limit = 100;
  if (const json::value* l = member(request, "Limit")) {
    if (!l->is_int64() || l->get_int64() < 1 || l->get_int64() > 100) {
      return DynamoError::validation(
          "1 validation error detected: Value '" + json::serialize(*l) +
          "' at 'limit' failed to satisfy constraint: Member must have value " +
          (l->is_int64() && l->get_int64() > 100 ? "less than or equal to 100"
                                                 : "greater than or equal to 1"));
    }
    limit = static_cast<std::size_t>(l->get_int64());
  }
  std::string after;
  if (const json::value* start = member(request, "ExclusiveStartTableName")) {
    if (auto e = check_table_name(start, "exclusiveStartTableName")) return *e;
    after = std::string(start->get_string());
  }
  bool more = false;
  auto names = env.store.table_names(after, limit, more);
  if (auto* e = std::get_if<DynamoError>(&names)) return *e;
  json::array list;
  for (auto& n : std::get<std::vector<std::string>>(names)) list.emplace_back(n);
  json::object out;
  if (more && !list.empty()) out["LastEvaluatedTableName"] = list.back();
  out["TableNames"] = std::move(list);
  return out;
}

Result delete_table(const Env& env, const json::object& request) {
  const json::value* name = member(request, "TableName");
  if (auto e = check_table_name(name)) return *e;
  auto stats = env.store.stats(std::string_view(name->get_string()));
  auto deleted = env.store.delete_table(std::string_view(name->get_string()));
  if (auto* e = std::get_if<DynamoError>(&deleted)) {
    if (e->type.ends_with("#ResourceNotFoundException")) {
      return DynamoError::not_found(
          "Requested resource not found: Table: " + std::string(name->get_string()) + " not found");
    }
    return *e;
  }
  const TableSchema& t = std::get<TableSchema>(deleted);
  Store::Stats s;
  if (auto* ok = std::get_if<Store::Stats>(&stats)) s = *ok;
  return json::object{
      {"TableDescription", t.description(env.table_arn(t.name), "DELETING", s.items, s.bytes)}};
}

Result tag_resource(const Env& env, const json::object& request) {
  auto t = tagged_table(env, request);
  if (auto* e = std::get_if<DynamoError>(&t)) return *e;
  auto tags = parse_tags(member(request, "Tags"));
  if (auto* e = std::get_if<DynamoError>(&tags)) return *e;
  // Merged under the store's lock, so concurrent TagResource calls compose.
  auto e = env.store.update_table(
      std::get<TableSchema>(t).name, [&](TableSchema& schema) -> std::optional<DynamoError> {
        std::map<std::string, std::string> all(schema.tags.begin(), schema.tags.end());
        for (const auto& [k, v] : std::get<TagList>(tags)) all[k] = v;
        if (all.size() > kMaxTags) return too_many_tags();
        schema.tags.assign(all.begin(), all.end());
        return std::nullopt;
      });
  if (e) return *e;
  return json::object{};
}

Result untag_resource(const Env& env, const json::object& request) {
  auto t = tagged_table(env, request);
  if (auto* e = std::get_if<DynamoError>(&t)) return *e;
  const json::value* keys = member(request, "TagKeys");
  if (!keys) return null_member("tagKeys");
  if (!keys->is_array()) return wrong_type();
  auto e = env.store.update_table(
      std::get<TableSchema>(t).name, [&](TableSchema& schema) -> std::optional<DynamoError> {
        std::map<std::string, std::string> all(schema.tags.begin(), schema.tags.end());
        for (const auto& k : keys->get_array()) {
          if (k.is_string()) all.erase(std::string(k.get_string()));
        }
        schema.tags.assign(all.begin(), all.end());
        return std::nullopt;
      });
  if (e) return *e;
  return json::object{};
}

Result list_tags(const Env& env, const json::object& request) {
  auto t = tagged_table(env, request);
  if (auto* e = std::get_if<DynamoError>(&t)) return *e;
  json::array tags;
  for (const auto& [k, v] : std::get<TableSchema>(t).tags) {
    tags.push_back(json::object{{"Key", k}, {"Value", v}});
  }
  return json::object{{"Tags", std::move(tags)}};
}

}  // namespace gh::plugins::dynamodb::ops
