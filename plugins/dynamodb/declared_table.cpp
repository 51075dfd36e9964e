#include "plugins/dynamodb/declared_table.hpp"

#include <algorithm>
#include <boost/json/array.hpp>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <tuple>
#include <utility>

#include "plugins/dynamodb/attribute_value.hpp"
#include "plugins/dynamodb/plain_json.hpp"

// A declared table is read into the CreateTable request CloudFormation's AWS::DynamoDB::Table
// would make of the same properties (KeySchema and AttributeDefinitions from the keys,
// GlobalSecondaryIndexes, LocalSecondaryIndexes, BillingMode, ProvisionedThroughput, Tags;
// TimeToLiveSpecification is UpdateTimeToLive's, after the table exists), and that request is
// checked by parse_create_table: the config is refused exactly where CreateTable would refuse
// it, in its words, at the YAML key the refusal is about.
namespace gh::plugins::dynamodb {

namespace json = boost::json;

namespace {

constexpr std::uintmax_t kMaxSeedFileBytes = 64 * 1024 * 1024;

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

/// Reads, checks and attaches the seed file of `table` (its key schema known).
bool read_seed(const core::CompileScope& scope, const config::Node& seed_node,
               const std::string& seed, DeclaredTable& table, config::Diagnostics& diags) {
  std::filesystem::path path(seed);
  if (path.is_relative()) path = std::filesystem::path(scope.config_dir()) / path;
  table.seed_file = path.lexically_normal().string();
  auto fail = [&](const std::string& why) {
    diags.error(seed_node.location(), seed_node.path(),
                "seed file " + table.seed_file + ": " + why);
    return false;
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
  return true;
}

/// One key attribute as the YAML names it: `{name: id, type: S}`, or the short form `id`, whose
/// type is the one the attribute has wherever else it is written with one (else S).
struct KeyUse {
  std::string name;
  std::optional<ScalarType> type;
  config::Node node;
};

std::optional<KeyUse> key_use(const config::Node& node, config::Diagnostics& diags) {
  if (node.is_scalar()) {
    auto name = config::read_string(node, diags);
    if (!name) return std::nullopt;
    return KeyUse{*name, std::nullopt, node};
  }
  config::MapReader r(node, diags);
  if (!r.ok()) return std::nullopt;
  auto name = r.string("name", config::Need::kRequired);
  config::Node type_node = r.get("type");
  auto type_text = r.string("type");
  r.finish();
  if (!name) return std::nullopt;
  KeyUse use{*name, std::nullopt, node};
  if (type_text) {
    static const std::vector<std::string> kTypes{"S", "N", "B"};
    auto i = config::one_of(*type_text, kTypes, type_node, "key type", "S, N or B", diags);
    if (!i) return std::nullopt;
    use.type = parse_scalar_type(kTypes[*i]);
  }
  return use;
}

/// `provisionedThroughput: {readCapacityUnits: 5, writeCapacityUnits: 5}`; the values are
/// CreateTable's to check (at least 1).
std::optional<json::object> throughput(const config::Node& node, config::Diagnostics& diags) {
  config::MapReader r(node, diags);
  if (!r.ok()) return std::nullopt;
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  auto read = r.integer("readCapacityUnits", kMin, kMax, config::Need::kRequired);
  auto write = r.integer("writeCapacityUnits", kMin, kMax, config::Need::kRequired);
  r.finish();
  if (!read || !write) return std::nullopt;
  return json::object{{"ReadCapacityUnits", *read}, {"WriteCapacityUnits", *write}};
}

/// `projection: ALL` (the default) | `KEYS_ONLY` | `{projectionType: INCLUDE,
/// nonKeyAttributes: [a, b]}`; the values are CreateTable's to check.
std::optional<json::object> projection(const config::Node& node, config::Diagnostics& diags) {
  if (!node.defined() || node.is_null()) return json::object{{"ProjectionType", "ALL"}};
  if (node.is_scalar()) {
    auto type = config::read_string(node, diags);
    if (!type) return std::nullopt;
    return json::object{{"ProjectionType", *type}};
  }
  config::MapReader r(node, diags);
  if (!r.ok()) return std::nullopt;
  auto type = r.string("projectionType", config::Need::kRequired);
  auto non_key = r.string_list("nonKeyAttributes");
  r.finish();
  if (!type) return std::nullopt;
  json::object out{{"ProjectionType", *type}};
  if (non_key) {
    json::array names;
    for (auto& n : *non_key) names.emplace_back(n);
    out["NonKeyAttributes"] = std::move(names);
  }
  return out;
}

/// A secondary index as declared: its keys, and the rest of its CreateTable member.
struct IndexDeclaration {
  config::Node node;
  bool global = false;
  std::string name;
  std::optional<KeyUse> hash;  // an LSI's may be left out: the table's
  std::optional<KeyUse> range;
  json::object spec;  // IndexName, Projection, ProvisionedThroughput (KeySchema added later)
};

std::optional<IndexDeclaration> index_declaration(const config::Node& node, bool global,
                                                  config::Diagnostics& diags) {
  config::MapReader r(node, diags);
  if (!r.ok()) return std::nullopt;
  IndexDeclaration index{node, global, "", std::nullopt, std::nullopt, {}};
  auto name = r.string("name", config::Need::kRequired);
  config::Node hash_node = global ? r.require("hashKey") : r.get("hashKey");
  config::Node range_node = r.get("rangeKey");
  auto projected = projection(r.get("projection"), diags);
  std::optional<json::object> provisioned;
  bool ok = name && projected;
  if (global) {
    if (config::Node t = r.get("provisionedThroughput"); t.defined()) {
      provisioned = throughput(t, diags);
      ok = ok && provisioned;
    }
  }
  r.finish();
  if (hash_node.defined()) {
    index.hash = key_use(hash_node, diags);
    ok = ok && index.hash;
  }
  if (range_node.defined()) {
    index.range = key_use(range_node, diags);
    ok = ok && index.range;
  }
  if (!ok) return std::nullopt;
  index.name = *name;
  index.spec = json::object{{"IndexName", *name}, {"Projection", std::move(*projected)}};
  if (provisioned) index.spec["ProvisionedThroughput"] = std::move(*provisioned);
  return index;
}

std::optional<std::vector<IndexDeclaration>> index_list(const config::Node& node, bool global,
                                                        config::Diagnostics& diags) {
  std::vector<IndexDeclaration> out;
  if (!node.defined() || node.is_null()) return out;
  if (!node.is_sequence()) {
    diags.error(node.location(), node.path(),
                "expected a list of indexes, got " + node.kind_name());
    return std::nullopt;
  }
  bool ok = true;
  for (const auto& item : node.items()) {
    auto index = index_declaration(item, global, diags);
    if (index) out.push_back(std::move(*index));
    ok = ok && index;
  }
  if (!ok) return std::nullopt;
  return out;
}

/// `tags: {team: pets, env: dev}` as CreateTable's Tags.
std::optional<json::array> tags(const config::Node& node, config::Diagnostics& diags) {
  if (!node.is_map()) {
    diags.error(node.location(), node.path(),
                "expected a mapping of tag keys to values, got " + node.kind_name());
    return std::nullopt;
  }
  json::array out;
  bool ok = true;
  for (const auto& [key, value] : node.entries()) {
    auto v = config::read_string(value, diags);
    ok = ok && v;
    if (v) out.push_back(json::object{{"Key", key.scalar()}, {"Value", *v}});
  }
  if (!ok) return std::nullopt;
  return out;
}

/// `timeToLiveSpecification: {attributeName: expiresAt, enabled: true}`.
bool time_to_live(const config::Node& node, DeclaredTable& table, config::Diagnostics& diags) {
  config::MapReader r(node, diags);
  if (!r.ok()) return false;
  config::Node attribute_node = r.get("attributeName");
  auto attribute = r.string("attributeName", config::Need::kRequired);
  auto enabled = r.boolean("enabled");
  r.finish();
  if (!attribute) return false;
  if (auto e = ops::check_time_to_live_attribute(*attribute)) {
    diags.error(attribute_node.location(), attribute_node.path(),
                "UpdateTimeToLive refuses this attribute: " + e->message);
    return false;
  }
  table.ttl_attribute = *attribute;
  table.ttl_enabled = enabled.value_or(true);
  return true;
}

/// Every key attribute's type: written ones must agree (a disagreement is reported where the
/// file says it second); the short form takes the written one, else S. AttributeDefinitions in
/// the order of `uses`.
std::optional<json::array> attribute_definitions(std::vector<KeyUse*>& uses,
                                                 config::Diagnostics& diags) {
  std::vector<const KeyUse*> in_file(uses.begin(), uses.end());
  std::stable_sort(in_file.begin(), in_file.end(), [](const KeyUse* a, const KeyUse* b) {
    const config::Location x = a->node.location(), y = b->node.location();
    return std::pair{x.line, x.column} < std::pair{y.line, y.column};
  });
  std::map<std::string, const KeyUse*> typed;
  bool ok = true;
  for (const KeyUse* use : in_file) {
    if (!use->type) continue;
    auto [it, added] = typed.emplace(use->name, use);
    if (added || it->second->type == use->type) continue;
    const config::Location where = it->second->node.location();
    diags.error(use->node.location(), use->node.path(),
                "key attribute '" + use->name + "' is of type " +
                    std::string(type_name(*use->type)) + " here, but of type " +
                    std::string(type_name(*it->second->type)) + " at line " +
                    std::to_string(where.line) + ":" + std::to_string(where.column) +
                    " (an attribute has one type in a table and its indexes)");
    ok = false;
  }
  if (!ok) return std::nullopt;
  json::array defs;
  std::map<std::string, bool> defined;
  for (KeyUse* use : uses) {
    if (auto it = typed.find(use->name); it != typed.end()) use->type = it->second->type;
    if (!use->type) use->type = ScalarType::kString;
    if (!defined.emplace(use->name, true).second) continue;
    defs.push_back(
        json::object{{"AttributeName", use->name}, {"AttributeType", type_name(*use->type)}});
  }
  return defs;
}

json::array key_schema(const KeyUse& hash, const std::optional<KeyUse>& range) {
  json::array keys{json::object{{"AttributeName", hash.name}, {"KeyType", "HASH"}}};
  if (range) keys.push_back(json::object{{"AttributeName", range->name}, {"KeyType", "RANGE"}});
  return keys;
}

/// Whether `message` names `word` as a whole (not the start of a longer index name).
bool names(std::string_view message, std::string_view word) {
  for (std::size_t at = message.find(word); at != std::string_view::npos;
       at = message.find(word, at + 1)) {
    std::size_t end = at + word.size();
    if (end == message.size()) return true;
    char c = message[end];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return true;
  }
  return false;
}

/// The YAML node a CreateTable refusal is about: an index (by its position in CreateTable's
/// member path, or by its name), a list of indexes, the billing keys, the tags, the range key;
/// else the table itself.
struct Where {
  const config::Node& table;
  const config::Node& range;
  const config::Node& billing;
  const config::Node& throughput;
  const config::Node& gsis;
  const config::Node& lsis;
  const config::Node& tags;
  const std::vector<IndexDeclaration>& gsi;
  const std::vector<IndexDeclaration>& lsi;

  const config::Node& of(std::string_view message) const {
    // Later indexes first: a duplicate name is the second one's fault.
    for (const auto* list : {&gsi, &lsi}) {
      for (std::size_t i = list->size(); i-- > 0;) {
        const IndexDeclaration& index = (*list)[i];
        std::string position =
            std::string(index.global ? "globalSecondaryIndexes." : "localSecondaryIndexes.") +
            std::to_string(i + 1) + ".";
        if (message.find(position) != std::string_view::npos ||
            names(message, "index: " + index.name) ||
            names(message, "Duplicate index name: " + index.name)) {
          return index.node;
        }
      }
    }
    auto has = [&](std::string_view word) { return message.find(word) != std::string_view::npos; };
    if (has("LocalSecondaryIndex") && lsis.defined()) return lsis;
    if ((has("GlobalSecondaryIndex") || has("projected attributes")) && gsis.defined()) {
      return gsis;
    }
    if ((has("ReadCapacityUnits") || has("provisionedThroughput")) && throughput.defined()) {
      return throughput;
    }
    if ((has("BillingMode") || has("billingMode") || has("ReadCapacityUnits")) &&
        billing.defined()) {
      return billing;
    }
    if ((has("tag") || has("Tag")) && tags.defined()) return tags;
    if (has("Range Key") && range.defined()) return range;
    return table;
  }
};

}  // namespace

std::optional<DeclaredTable> parse_declared_table(const core::CompileScope& scope,
                                                  const config::Node& node,
                                                  config::Diagnostics& diags) {
  config::MapReader r(node, diags);
  if (!r.ok()) return std::nullopt;
  auto name = r.string("name", config::Need::kRequired);
  config::Node hash_node = r.require("hashKey");
  config::Node range_node = r.get("rangeKey");
  config::Node billing_node = r.get("billingMode");
  auto billing = r.string("billingMode");
  config::Node throughput_node = r.get("provisionedThroughput");
  config::Node gsis_node = r.get("globalSecondaryIndexes");
  config::Node lsis_node = r.get("localSecondaryIndexes");
  config::Node ttl_node = r.get("timeToLiveSpecification");
  config::Node tags_node = r.get("tags");
  config::Node seed_node = r.get("seed");
  auto seed = r.string("seed");
  r.finish();

  DeclaredTable table;
  bool ok = name.has_value();
  std::optional<KeyUse> hash, range;
  if (hash_node.defined()) {
    hash = key_use(hash_node, diags);
    ok = ok && hash;
  } else {
    ok = false;
  }
  if (range_node.defined()) {
    range = key_use(range_node, diags);
    ok = ok && range;
  }
  std::optional<json::object> provisioned;
  if (throughput_node.defined()) {
    provisioned = throughput(throughput_node, diags);
    ok = ok && provisioned;
  }
  auto gsis = index_list(gsis_node, true, diags);
  auto lsis = index_list(lsis_node, false, diags);
  std::optional<json::array> tag_list;
  if (tags_node.defined() && !tags_node.is_null()) {
    tag_list = tags(tags_node, diags);
    ok = ok && tag_list;
  }
  if (ttl_node.defined() && !ttl_node.is_null()) ok = time_to_live(ttl_node, table, diags) && ok;
  if (!ok || !gsis || !lsis) return std::nullopt;

  // An LSI's hash key is the table's unless it says otherwise (CreateTable then refuses it).
  for (auto& index : *lsis) {
    if (!index.hash) index.hash = KeyUse{hash->name, std::nullopt, index.node};
  }
  std::vector<KeyUse*> uses{&*hash};
  if (range) uses.push_back(&*range);
  for (auto* list : {&*lsis, &*gsis}) {
    for (auto& index : *list) {
      uses.push_back(&*index.hash);
      if (index.range) uses.push_back(&*index.range);
    }
  }
  auto definitions = attribute_definitions(uses, diags);
  if (!definitions) return std::nullopt;

  json::object& request = table.create_request;
  request["TableName"] = *name;
  request["KeySchema"] = key_schema(*hash, range);
  request["AttributeDefinitions"] = std::move(*definitions);
  // CloudFormation's default is PROVISIONED; a declared table without throughput is on-demand
  // (as Gatehouse always made them), one with throughput and no billingMode PROVISIONED.
  request["BillingMode"] = billing ? *billing : provisioned ? "PROVISIONED" : "PAY_PER_REQUEST";
  if (provisioned) request["ProvisionedThroughput"] = *provisioned;
  // A list written empty is passed on: CreateTable refuses an empty one.
  for (auto [list, member, list_node] :
       {std::tuple{&*lsis, "LocalSecondaryIndexes", &lsis_node},
        std::tuple{&*gsis, "GlobalSecondaryIndexes", &gsis_node}}) {
    if (list->empty() && !list_node->is_sequence()) continue;
    json::array specs;
    for (auto& index : *list) {
      json::object spec = index.spec;
      spec["KeySchema"] = key_schema(*index.hash, index.range);
      specs.push_back(std::move(spec));
    }
    request[member] = std::move(specs);
  }
  if (tag_list) request["Tags"] = std::move(*tag_list);

  // CreateTable's own validation, so the config is refused exactly where DynamoDB would.
  auto schema = parse_create_table(request);
  if (auto* e = std::get_if<DynamoError>(&schema)) {
    Where where{node,      range_node, billing_node, throughput_node, gsis_node, lsis_node,
                tags_node, *gsis,      *lsis};
    const config::Node& at = where.of(e->message);
    diags.error(at.location(), at.path(), "CreateTable refuses this table: " + e->message);
    return std::nullopt;
  }
  table.schema = std::get<TableSchema>(schema);
  if (seed && !read_seed(scope, seed_node, *seed, table, diags)) return std::nullopt;
  return table;
}

}  // namespace gh::plugins::dynamodb
