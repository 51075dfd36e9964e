#include "plugins/dynamodb/dynamodb_settings.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/array.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "plugins/dynamodb/attribute_value.hpp"
#include "plugins/dynamodb/plain_json.hpp"

namespace gh::plugins::dynamodb {

namespace json = boost::json;

namespace {

constexpr std::uintmax_t kMaxSeedFileBytes = 64 * 1024 * 1024;

/// `hashKey: {name: id, type: S}`, or the short form `hashKey: id` (a string key).
std::optional<std::pair<std::string, std::string>> key_attribute(const config::Node& node,
                                                                 config::Diagnostics& diags) {
  if (node.is_scalar()) {
    auto name = config::read_string(node, diags);
    if (!name) return std::nullopt;
    return std::make_pair(*name, std::string("S"));
  }
  config::MapReader r(node, diags);
  if (!r.ok()) return std::nullopt;
  auto name = r.string("name", config::Need::kRequired);
  std::string type = r.string("type").value_or("S");
  r.finish();
  if (!name) return std::nullopt;
  return std::make_pair(*name, type);
}

/// The items of a seed file: a JSON array of items, or {"Items": [...]} as `aws dynamodb scan`
/// prints it. Items are DynamoDB JSON when every attribute of every item looks like an
/// AttributeValue ({"S": "x"}), otherwise plain JSON, marshalled (plain_json.hpp).
std::optional<std::vector<json::object>> read_seed_items(const std::string& text,
                                                         std::string& error) {
  boost::system::error_code ec;
  json::value doc = parse_json(text, ec);
  if (ec) {
    error = "not JSON (" + ec.message() + ")";
    return std::nullopt;
  }
  auto items_of = [](const json::value& d) -> const json::array* {
    if (d.is_array()) return &d.get_array();
    if (const json::object* o = d.if_object()) {
      if (const json::value* items = o->if_contains("Items"); items && items->is_array()) {
        return &items->get_array();
      }
    }
    return nullptr;
  };
  const json::array* items = items_of(doc);
  if (!items) {
    error = "expected a JSON array of items, or {\"Items\": [...]}";
    return std::nullopt;
  }
  bool dynamodb_json = true;
  for (std::size_t i = 0; i < items->size(); ++i) {
    const json::object* item = (*items)[i].if_object();
    if (!item) {
      error = "item " + std::to_string(i + 1) + " is not a JSON object";
      return std::nullopt;
    }
    for (const auto& [name, value] : *item) {
      dynamodb_json = dynamodb_json && looks_like_attribute_value(value);
    }
  }
  std::vector<json::object> out;
  if (dynamodb_json) {
    for (const auto& item : *items) out.push_back(item.get_object());
    return out;
  }
  // Plain JSON: marshalled from the text again, so numbers keep every digit.
  auto marshalled = marshal_json_text(text, error, 256);
  if (!marshalled) return std::nullopt;
  // The same shape as checked above, now in AttributeValues: {"L": [{"M": item} …]}, or
  // {"M": {"Items": {"L": …}}}.
  const json::value* list = &*marshalled;
  if (const json::value* m = marshalled->get_object().if_contains("M"); m && m->is_object()) {
    list = m->get_object().if_contains("Items");
  }
  const json::value* elements =
      list && list->is_object() ? list->get_object().if_contains("L") : nullptr;
  if (!elements || !elements->is_array()) {
    error = "expected a JSON array of items, or {\"Items\": [...]}";
    return std::nullopt;
  }
  for (const auto& item : elements->get_array()) {
    const json::value* m = item.is_object() ? item.get_object().if_contains("M") : nullptr;
    if (!m || !m->is_object()) {
      error = "an item is not a JSON object";
      return std::nullopt;
    }
    out.push_back(m->get_object());
  }
  return out;
}

std::optional<DeclaredTable> parse_table(const core::CompileScope& scope, const config::Node& node,
                                         config::Diagnostics& diags) {
  config::MapReader r(node, diags);
  if (!r.ok()) return std::nullopt;
  auto name = r.string("name", config::Need::kRequired);
  config::Node hash_node = r.require("hashKey");
  config::Node range_node = r.get("rangeKey");
  config::Node seed_node = r.get("seed");
  auto seed = r.string("seed");
  r.finish();
  std::optional<std::pair<std::string, std::string>> hash, range;
  if (hash_node.defined()) hash = key_attribute(hash_node, diags);
  if (range_node.defined()) {
    range = key_attribute(range_node, diags);
    if (!range) return std::nullopt;
  }
  if (!name || !hash) return std::nullopt;

  json::array key_schema{json::object{{"AttributeName", hash->first}, {"KeyType", "HASH"}}};
  json::array definitions{
      json::object{{"AttributeName", hash->first}, {"AttributeType", hash->second}}};
  if (range) {
    key_schema.push_back(json::object{{"AttributeName", range->first}, {"KeyType", "RANGE"}});
    definitions.push_back(
        json::object{{"AttributeName", range->first}, {"AttributeType", range->second}});
  }
  DeclaredTable table;
  table.create_request = json::object{{"TableName", *name},
                                      {"KeySchema", std::move(key_schema)},
                                      {"AttributeDefinitions", std::move(definitions)},
                                      {"BillingMode", "PAY_PER_REQUEST"}};
  // CreateTable's own validation, so the config is refused exactly where DynamoDB would.
  auto schema = parse_create_table(table.create_request);
  if (auto* e = std::get_if<DynamoError>(&schema)) {
    diags.error(node.location(), node.path(), "CreateTable refuses this table: " + e->message);
    return std::nullopt;
  }
  table.schema = std::get<TableSchema>(schema);

  if (seed) {
    std::filesystem::path path(*seed);
    if (path.is_relative()) path = std::filesystem::path(scope.config_dir()) / path;
    table.seed_file = path.lexically_normal().string();
    auto fail = [&](const std::string& why) {
      diags.error(seed_node.location(), seed_node.path(),
                  "seed file " + table.seed_file + ": " + why);
      return std::nullopt;
    };
    std::error_code size_ec;
    auto size = std::filesystem::file_size(path, size_ec);
    if (size_ec) return fail(size_ec.message());
    if (size > kMaxSeedFileBytes) return fail("larger than 64 MB");
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) return fail(std::strerror(errno));
    std::string error;
    auto items = read_seed_items(text.str(), error);
    if (!items) return fail(error);
    for (std::size_t i = 0; i < items->size(); ++i) {
      json::value item = std::move((*items)[i]);
      std::string where = "item " + std::to_string(i + 1) + ": ";
      if (auto e = normalize_item(item)) return fail(where + e->message);
      auto key = ops::extract_key(table.schema, item.get_object(), true);
      if (auto* e = std::get_if<DynamoError>(&key)) return fail(where + e->message);
      if (item_size(item.get_object()) > ops::kMaxItemBytes) {
        return fail(where + "Item size has exceeded the maximum allowed size");
      }
      table.seed.push_back(std::move(item.get_object()));
    }
  }
  return table;
}

}  // namespace

DynamoDbSettings parse_settings(const core::CompileScope& scope, config::Diagnostics& diags) {
  DynamoDbSettings settings;
  std::string dir = ".gatehouse/dynamodb";
  bool in_memory = false;
  config::Node section = scope.root().child("dynamodb");
  if (section.defined() && !section.is_null()) {
    config::MapReader r(section, diags);
    if (auto d = r.string("dataDir")) dir = *d;
    if (auto m = r.boolean("inMemory")) in_memory = *m;
    config::Node tables = r.get("tables");
    // Remote mode: endpoint, region, credentials, tls, timeoutInMillis, servicesEndpoint.
    net::RemoteSettings remote = net::parse_remote_settings(r, "dynamodb", scope.config_dir(),
                                                            scope.config().aws.region, diags);
    settings.remote = std::move(remote.endpoint);
    settings.services_remote = remote.services_remote;
    r.finish();
    if (tables.defined() && !tables.is_null() && !tables.is_sequence()) {
      diags.error(tables.location(), tables.path(), "expected a list of tables");
    } else if (tables.is_sequence()) {
      for (const auto& node : tables.items()) {
        auto table = parse_table(scope, node, diags);
        if (!table) continue;
        if (settings.table(table->schema.name)) {
          diags.error(node.location(), node.path(),
                      "table '" + table->schema.name + "' is declared twice");
          continue;
        }
        settings.tables.push_back(std::move(*table));
      }
    }
  }
  if (in_memory) {
    settings.database_path = ":memory:";
  } else {
    std::filesystem::path p(dir);
    if (p.is_relative()) p = std::filesystem::path(scope.config_dir()) / p;
    settings.database_path = (p / "dynamodb.sqlite3").lexically_normal().string();
  }
  return settings;
}

void provision_tables(const BlockingCall& call, const std::vector<DeclaredTable>& tables) {
  for (const auto& table : tables) {
    const std::string& name = table.schema.name;
    auto created = call("CreateTable", table.create_request);
    if (auto* e = std::get_if<DynamoError>(&created)) {
      // An existing table is the user's: never re-created, re-seeded or overwritten.
      if (e->type.ends_with("#ResourceInUseException")) continue;
      spdlog::error("dynamodb: cannot create table {}: {}", name, e->message);
      continue;
    }
    std::size_t written = 0;
    for (const auto& item : table.seed) {
      auto put = call("PutItem", json::object{{"TableName", name}, {"Item", item}});
      if (auto* e = std::get_if<DynamoError>(&put)) {
        spdlog::error("dynamodb: table {}: a seed item from {} was not written: {}", name,
                      table.seed_file, e->message);
        continue;
      }
      ++written;
    }
    if (table.seed_file.empty()) {
      spdlog::info("dynamodb: created table {}", name);
    } else {
      spdlog::info("dynamodb: created table {} with {} item(s) from {}", name, written,
                   table.seed_file);
    }
  }
}

}  // namespace gh::plugins::dynamodb
