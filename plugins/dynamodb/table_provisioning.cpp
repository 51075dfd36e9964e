#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <map>
#include <string>
#include <vector>

#include "plugins/dynamodb/declared_table.hpp"

// Declared tables at install (declared_table.hpp): created when missing; where one exists, the
// declaration is compared with what DescribeTable (and DescribeTimeToLive, ListTagsOfResource)
// answers, and only what can be added as an UpdateTable, UpdateTimeToLive or TagResource would
// add it is applied. Everything is done through DynamoDB operations on JSON, so a remote
// endpoint (real DynamoDB) is provisioned exactly like the embedded store.
//
// Why not more: LSIs and key schemas exist only from CreateTable (AWS::DynamoDB::Table replaces
// the table for those, losing its items; a gateway must not); a declared billing mode, TTL
// attribute or tag value that differs may be a change made on purpose through the API since
// the table was created, and the config's "created if missing" promises not to undo those.
// A GSI is added one UpdateTable call at a time, as DynamoDB allows (a second call while the
// first index is CREATING on real DynamoDB is refused with LimitExceededException; that is
// logged, and the next start or reload adds it).
namespace gh::plugins::dynamodb {

namespace json = boost::json;

namespace {

bool is_error(const ops::Result& r, std::string_view type) {
  const auto* e = std::get_if<DynamoError>(&r);
  return e && e->type.ends_with("#" + std::string(type));
}

std::string error_text(const ops::Result& r) {
  const auto* e = std::get_if<DynamoError>(&r);
  return e ? e->message : std::string();
}

std::string text_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

const json::array* array_of(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v ? v->if_array() : nullptr;
}

const json::array& or_empty(const json::array* a) {
  static const json::array kEmpty;
  return a ? *a : kEmpty;
}

/// "pk S, sk N": a KeySchema with the types AttributeDefinitions give its attributes.
std::string key_text(const json::object& holder, const json::array* definitions) {
  std::string out;
  const json::array* keys = array_of(holder, "KeySchema");
  if (!keys) return out;
  for (const auto& k : *keys) {
    if (!k.is_object()) continue;
    std::string name = text_of(k.get_object(), "AttributeName");
    std::string type = "?";
    for (const auto& d : or_empty(definitions)) {
      if (d.is_object() && text_of(d.get_object(), "AttributeName") == name) {
        type = text_of(d.get_object(), "AttributeType");
      }
    }
    out += (out.empty() ? "" : ", ") + name + " " + type;
  }
  return out;
}

/// "keys owner S, born N; projection INCLUDE [a, b]" of an index description or declaration.
std::string index_text(const json::object& index, const json::array* definitions) {
  std::string projection;
  if (const json::value* p = index.if_contains("Projection"); p && p->is_object()) {
    projection = text_of(p->get_object(), "ProjectionType");
    if (const json::array* non_key = array_of(p->get_object(), "NonKeyAttributes")) {
      std::vector<std::string> names;
      for (const auto& n : *non_key) {
        if (n.is_string()) names.emplace_back(n.get_string());
      }
      std::sort(names.begin(), names.end());
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      projection += " [" + list + "]";
    }
  }
  return "keys " + key_text(index, definitions) + "; projection " + projection;
}

std::map<std::string, const json::object*> indexes_by_name(const json::object& holder,
                                                           std::string_view member) {
  std::map<std::string, const json::object*> out;
  if (const json::array* list = array_of(holder, member)) {
    for (const auto& i : *list) {
      if (i.is_object()) out[text_of(i.get_object(), "IndexName")] = &i.get_object();
    }
  }
  return out;
}

/// The AttributeDefinitions of `declared` that the keys of `index` use.
json::array definitions_for(const json::object& index, const json::array* definitions) {
  json::array out;
  const json::array* keys = array_of(index, "KeySchema");
  for (const auto& d : or_empty(definitions)) {
    if (!d.is_object() || !keys) continue;
    std::string name = text_of(d.get_object(), "AttributeName");
    for (const auto& k : *keys) {
      if (k.is_object() && text_of(k.get_object(), "AttributeName") == name) {
        out.push_back(d);
        break;
      }
    }
  }
  return out;
}

void enable_time_to_live(const BlockingCall& call, const DeclaredTable& table) {
  const std::string& name = table.schema.name;
  auto r = call(
      "UpdateTimeToLive",
      json::object{{"TableName", name},
                   {"TimeToLiveSpecification",
                    json::object{{"AttributeName", *table.ttl_attribute}, {"Enabled", true}}}});
  if (std::holds_alternative<DynamoError>(r)) {
    spdlog::error(
        "dynamodb: table {}: Time to Live on {} was not enabled: {} (the next start or "
        "reload tries again)",
        name, *table.ttl_attribute, error_text(r));
  } else {
    spdlog::info("dynamodb: table {}: Time to Live enabled on {}", name, *table.ttl_attribute);
  }
}

/// Compares an existing table with its declaration; adds what is missing and can be added,
/// and returns the differences left as they are.
std::vector<std::string> complete_table(const BlockingCall& call, const DeclaredTable& table,
                                        const json::object& existing) {
  const std::string& name = table.schema.name;
  const json::object& declared = table.create_request;
  const json::array* declared_defs = array_of(declared, "AttributeDefinitions");
  const json::array* existing_defs = array_of(existing, "AttributeDefinitions");
  std::vector<std::string> differences;
  auto differ = [&](std::string what, const std::string& is, const std::string& says) {
    differences.push_back(what + " is " + is + ", the config says " + says);
  };

  if (std::string is = key_text(existing, existing_defs), says = key_text(declared, declared_defs);
      is != says) {
    differ("the key", is, says);
  }
  std::string billing = "PROVISIONED";  // DynamoDB leaves the summary out for those
  if (const json::value* s = existing.if_contains("BillingModeSummary"); s && s->is_object()) {
    billing = text_of(s->get_object(), "BillingMode");
  }
  if (billing != text_of(declared, "BillingMode")) {
    differ("the billing mode", billing, text_of(declared, "BillingMode"));
  }

  std::vector<const json::object*> missing_gsis;
  for (auto [member, kind] : {std::pair{"LocalSecondaryIndexes", "local secondary index "},
                              std::pair{"GlobalSecondaryIndexes", "global secondary index "}}) {
    auto is = indexes_by_name(existing, member);
    auto says = indexes_by_name(declared, member);
    const bool global = member[0] == 'G';
    for (const auto& [index, spec] : says) {
      auto it = is.find(index);
      if (it == is.end()) {
        if (global) {
          missing_gsis.push_back(spec);
        } else {
          differences.push_back(std::string(kind) + index +
                                " is missing (local indexes are made only with the table)");
        }
      } else if (std::string a = index_text(*it->second, existing_defs),
                 b = index_text(*spec, declared_defs);
                 a != b) {
        differ(kind + index, a, b);
      }
    }
    for (const auto& [index, spec] : is) {
      if (!says.count(index)) differences.push_back(std::string(kind) + index + " is not declared");
    }
  }
  for (const json::object* spec : missing_gsis) {
    std::string index = text_of(*spec, "IndexName");
    json::object create = *spec;
    auto r = call("UpdateTable",
                  json::object{{"TableName", name},
                               {"AttributeDefinitions", definitions_for(*spec, declared_defs)},
                               {"GlobalSecondaryIndexUpdates",
                                json::array{json::object{{"Create", std::move(create)}}}}});
    if (std::holds_alternative<DynamoError>(r)) {
      spdlog::error(
          "dynamodb: table {}: the declared global secondary index {} was not added: {} (the "
          "next start or reload tries again)",
          name, index, error_text(r));
    } else {
      spdlog::info("dynamodb: table {}: added the declared global secondary index {}", name, index);
    }
  }

  if (table.ttl_attribute) {
    auto r = call("DescribeTimeToLive", json::object{{"TableName", name}});
    std::string status = "DISABLED", attribute;
    if (const auto* o = std::get_if<json::object>(&r)) {
      if (const json::value* d = o->if_contains("TimeToLiveDescription"); d && d->is_object()) {
        status = text_of(d->get_object(), "TimeToLiveStatus");
        attribute = text_of(d->get_object(), "AttributeName");
      }
    }
    const bool on = status == "ENABLED" || status == "ENABLING";
    if (!on && table.ttl_enabled) {
      enable_time_to_live(call, table);
    } else if (on && attribute != *table.ttl_attribute) {
      differ("Time to Live", "enabled on " + attribute,
             (table.ttl_enabled ? "enabled on " : "disabled on ") + *table.ttl_attribute);
    } else if (on && !table.ttl_enabled) {
      differ("Time to Live", "enabled on " + attribute, "disabled");
    }
  }

  const json::array* declared_tags = array_of(declared, "Tags");
  if (declared_tags && !declared_tags->empty()) {
    std::string arn = text_of(existing, "TableArn");
    auto r = call("ListTagsOfResource", json::object{{"ResourceArn", arn}});
    std::map<std::string, std::string> is;
    if (const auto* o = std::get_if<json::object>(&r)) {
      for (const auto& t : or_empty(array_of(*o, "Tags"))) {
        if (t.is_object()) is[text_of(t.get_object(), "Key")] = text_of(t.get_object(), "Value");
      }
    }
    json::array missing;
    for (const auto& t : *declared_tags) {
      std::string key = text_of(t.as_object(), "Key"), value = text_of(t.as_object(), "Value");
      auto it = is.find(key);
      if (it == is.end()) {
        missing.push_back(t);
      } else if (it->second != value) {
        differ("tag " + key, "'" + it->second + "'", "'" + value + "'");
      }
    }
    if (!missing.empty()) {
      auto tagged = call("TagResource", json::object{{"ResourceArn", arn}, {"Tags", missing}});
      if (std::holds_alternative<DynamoError>(tagged)) {
        spdlog::error("dynamodb: table {}: the declared tags were not added: {}", name,
                      error_text(tagged));
      } else {
        spdlog::info("dynamodb: table {}: added {} declared tag(s)", name, missing.size());
      }
    }
  }
  return differences;
}

/// A table just created: its TTL, then its seed items.
void complete_new_table(const BlockingCall& call, const DeclaredTable& table) {
  const std::string& name = table.schema.name;
  if (table.ttl_attribute && table.ttl_enabled) enable_time_to_live(call, table);
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

}  // namespace

void provision_tables(const BlockingCall& call, const std::vector<DeclaredTable>& tables) {
  for (const auto& table : tables) {
    const std::string& name = table.schema.name;
    auto created = call("CreateTable", table.create_request);
    if (!std::holds_alternative<DynamoError>(created)) {
      complete_new_table(call, table);
      continue;
    }
    if (!is_error(created, "ResourceInUseException")) {
      spdlog::error("dynamodb: cannot create table {}: {}", name, error_text(created));
      continue;
    }
    // The table exists: it is the user's, never re-created or re-seeded; completed where the
    // declaration adds to it, and its other differences reported.
    auto described = call("DescribeTable", json::object{{"TableName", name}});
    const auto* answer = std::get_if<json::object>(&described);
    const json::value* t = answer ? answer->if_contains("Table") : nullptr;
    if (!t || !t->is_object()) {
      spdlog::error("dynamodb: table {} exists but cannot be described: {}", name,
                    error_text(described));
      continue;
    }
    auto differences = complete_table(call, table, t->get_object());
    if (differences.empty()) continue;
    std::string list;
    for (const auto& d : differences) list += (list.empty() ? "" : "; ") + d;
    spdlog::warn(
        "dynamodb: table {} exists and differs from its declaration (left as it is; delete the "
        "table to have it created as declared): {}",
        name, list);
  }
}

}  // namespace gh::plugins::dynamodb
