#include <boost/json/serialize.hpp>
#include <map>

#include "plugins/dynamodb/operations.hpp"

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
  return json::object{{"TableDescription", t.description(env.table_arn(t.name), "CREATING", 0, 0)}};
}

Result describe_table(const Env& env, const json::object& request) {
  auto t = existing_table(env, request, true);
  if (auto* e = std::get_if<DynamoError>(&t)) return *e;
  const TableSchema& schema = std::get<TableSchema>(t);
  auto stats = env.store.stats(schema.name);
  if (auto* e = std::get_if<DynamoError>(&stats)) return *e;
  const auto& s = std::get<Store::Stats>(stats);
  return json::object{
      {"Table", schema.description(env.table_arn(schema.name), "ACTIVE", s.items, s.bytes)}};
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
