#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <set>

#include "plugins/dynamodb/item_writes.hpp"
#include "plugins/dynamodb/operations.hpp"

// Single items (PutItem, GetItem, DeleteItem, UpdateItem) and batches (BatchWriteItem,
// BatchGetItem). Conditional writes decide inside Store::mutate(), so the item a condition
// saw is the item that gets replaced; the prepare_* functions (item_writes.hpp) build those
// decisions for TransactWriteItems too.
namespace gh::plugins::dynamodb::ops {

namespace {

std::variant<ReturnValues, DynamoError> return_values(const json::object& request, bool update) {
  const json::value* r = member(request, "ReturnValues");
  if (!r) return ReturnValues::kNone;
  if (!r->is_string()) return wrong_type();
  std::string_view v = r->get_string();
  ReturnValues out;
  if (v == "NONE") {
    out = ReturnValues::kNone;
  } else if (v == "ALL_OLD") {
    out = ReturnValues::kAllOld;
  } else if (v == "UPDATED_OLD") {
    out = ReturnValues::kUpdatedOld;
  } else if (v == "ALL_NEW") {
    out = ReturnValues::kAllNew;
  } else if (v == "UPDATED_NEW") {
    out = ReturnValues::kUpdatedNew;
  } else {
    return DynamoError::validation(
        "1 validation error detected: Value '" + std::string(v) +
        "' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: "
        "[ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]");
  }
  if (!update && out != ReturnValues::kNone && out != ReturnValues::kAllOld) {
    return DynamoError::validation("ReturnValues can only be ALL_OLD or NONE",
                                   ValidationFamily::kReturnValuesNotAllowed);
  }
  return out;
}

/// return_values() into *wanted, unless the caller has no ReturnValues (a transaction's part).
std::optional<DynamoError> read_return_values(const json::object& request, bool update,
                                              ReturnValues* wanted) {
  if (!wanted) return std::nullopt;
  auto r = return_values(request, update);
  if (auto* e = std::get_if<DynamoError>(&r)) return *e;
  *wanted = std::get<ReturnValues>(r);
  return std::nullopt;
}

/// A ConditionExpression (if any) against the stored item (if any): nullopt when it holds.
std::optional<DynamoError> check_condition(const json::object& request,
                                           const std::optional<expr::Condition>& condition,
                                           const std::optional<std::string>& stored) {
  if (!condition) return std::nullopt;
  json::value current = stored ? parse_stored(*stored) : json::value();
  const json::object* item = stored ? &current.get_object() : nullptr;
  if (expr::evaluate(*condition, item)) return std::nullopt;
  return condition_failed(request, item);
}

/// The request's expressions (of the kinds given) and its table, the start of every write.
std::optional<DynamoError> prepare_start(const Env& env, const json::object& part, bool update,
                                         PreparedWrite& out) {
  auto expressions = parse_expressions(part, true, update, false, false);
  if (auto* e = std::get_if<DynamoError>(&expressions)) return *e;
  out.expressions = std::make_shared<const RequestExpressions>(
      std::move(std::get<RequestExpressions>(expressions)));
  auto t = existing_table(env, part, false);
  if (auto* e = std::get_if<DynamoError>(&t)) return *e;
  out.table = std::move(std::get<TableSchema>(t));
  return std::nullopt;
}

/// A write whose decide checks the condition and then makes `change` (Put, Delete, check).
void decide_after_condition(const json::object& part, PreparedWrite& out, Store::Change change) {
  out.decide =
      [&part, ex = out.expressions, change = std::move(change)](
          const std::optional<std::string>& stored) -> std::variant<Store::Change, DynamoError> {
    if (auto e = check_condition(part, ex->condition, stored)) return *e;
    return change;
  };
}

/// RequestItems of a batch: table name → its requests, with DynamoDB's checks of the map.
std::optional<DynamoError> check_request_items(const json::value* items) {
  if (!items) return null_member("requestItems");
  if (!items->is_object()) return wrong_type();
  if (items->get_object().empty()) {
    return DynamoError::validation(
        "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1");
  }
  for (const auto& [name, ignored] : items->get_object()) {
    json::value n(name);
    if (auto e = check_table_name(&n, "requestItems.key")) return e;
  }
  return std::nullopt;
}

}  // namespace

std::variant<Store::Key, DynamoError> key_member(const TableSchema& schema,
                                                 const json::object& request) {
  const json::value* key_in = member(request, "Key");
  if (!key_in) return null_member("key");
  json::value key_value = *key_in;
  if (auto e = normalize_item(key_value)) return *e;
  return extract_key(schema, key_value.get_object(), false);
}

Prepared prepare_put(const Env& env, const json::object& part, ReturnValues* wanted) {
  PreparedWrite out;
  if (auto e = prepare_start(env, part, false, out)) return *e;
  const json::value* item_in = member(part, "Item");
  if (!item_in) return null_member("item");
  json::value item = *item_in;
  if (auto e = normalize_item(item)) return *e;
  auto key = extract_key(out.table, item.get_object(), true);
  if (auto* e = std::get_if<DynamoError>(&key)) return *e;
  out.key = std::move(std::get<Store::Key>(key));
  if (auto e = read_return_values(part, false, wanted)) return *e;
  std::size_t size = item_size(item.get_object());
  if (size > kMaxItemBytes) {
    return DynamoError::validation("Item size has exceeded the maximum allowed size");
  }
  out.trace->size = size;
  out.needs_old = out.expressions->condition || !wanted || *wanted != ReturnValues::kNone ||
                  wants_consumed(part);
  decide_after_condition(part, out,
                         Store::Change{Store::Change::Action::kPut, json::serialize(item), size});
  return out;
}

Prepared prepare_delete(const Env& env, const json::object& part, ReturnValues* wanted) {
  PreparedWrite out;
  if (auto e = prepare_start(env, part, false, out)) return *e;
  auto key = key_member(out.table, part);
  if (auto* e = std::get_if<DynamoError>(&key)) return *e;
  out.key = std::move(std::get<Store::Key>(key));
  if (auto e = read_return_values(part, false, wanted)) return *e;
  decide_after_condition(part, out, Store::Change{Store::Change::Action::kDelete, {}, 0});
  return out;
}

Prepared prepare_condition_check(const Env& env, const json::object& part) {
  PreparedWrite out;
  if (auto e = prepare_start(env, part, false, out)) return *e;
  auto key = key_member(out.table, part);
  if (auto* e = std::get_if<DynamoError>(&key)) return *e;
  out.key = std::move(std::get<Store::Key>(key));
  decide_after_condition(part, out, Store::Change{Store::Change::Action::kKeep, {}, 0});
  return out;
}

Prepared prepare_update(const Env& env, const json::object& part, ReturnValues* wanted) {
  PreparedWrite out;
  if (auto e = prepare_start(env, part, true, out)) return *e;
  const json::value* key_in = member(part, "Key");
  if (!key_in) return null_member("key");
  json::value key_value = *key_in;
  if (auto e = normalize_item(key_value)) return *e;
  auto key = extract_key(out.table, key_value.get_object(), false);
  if (auto* e = std::get_if<DynamoError>(&key)) return *e;
  out.key = std::move(std::get<Store::Key>(key));
  if (out.expressions->update) {
    std::vector<std::string_view> key_names{out.table.hash.name};
    if (out.table.range) key_names.push_back(out.table.range->name);
    if (auto e = expr::check_key_not_updated(*out.expressions->update, key_names)) return *e;
  }
  if (auto e = read_return_values(part, true, wanted)) return *e;
  out.decide =
      [&part, ex = out.expressions, trace = out.trace,
       key_item = std::move(key_value.get_object())](
          const std::optional<std::string>& stored) -> std::variant<Store::Change, DynamoError> {
    if (stored) trace->old_item = parse_stored(*stored).get_object();
    const json::object* old_item = trace->old_item ? &*trace->old_item : nullptr;
    if (ex->condition && !expr::evaluate(*ex->condition, old_item)) {
      return condition_failed(part, old_item);
    }
    json::object new_item = old_item ? *old_item : key_item;
    if (ex->update) {
      if (auto e = expr::apply(*ex->update, new_item)) return *e;
    }
    // The update may have built something DynamoDB would refuse: check it as a new item.
    json::value whole(std::move(new_item));
    if (auto e = normalize_item(whole)) return *e;
    trace->new_item = std::move(whole.get_object());
    trace->size = item_size(trace->new_item);
    if (trace->size > kMaxItemBytes) {
      return DynamoError::validation("Item size to update has exceeded the maximum allowed size");
    }
    return Store::Change{Store::Change::Action::kPut, json::serialize(trace->new_item),
                         trace->size};
  };
  return out;
}

Result put_item(const Env& env, const json::object& request) {
  if (auto e = refuse_legacy(request, {"Expected", "ConditionalOperator"})) return *e;
  ReturnValues wanted = ReturnValues::kNone;
  auto prepared = prepare_put(env, request, &wanted);
  if (auto* e = std::get_if<DynamoError>(&prepared)) return *e;
  const PreparedWrite& w = std::get<PreparedWrite>(prepared);
  auto old = env.store.mutate(w.table, w.key, w.decide, w.needs_old);
  if (auto* e = std::get_if<DynamoError>(&old)) return *e;
  const auto& replaced = std::get<std::optional<std::string>>(old);
  json::object out;
  std::size_t charged = w.trace->size;  // DynamoDB charges the larger of the old and the new item
  if (replaced && (wanted == ReturnValues::kAllOld || wants_consumed(request))) {
    json::value previous = parse_stored(*replaced);
    charged = std::max(charged, item_size(previous.get_object()));
    if (wanted == ReturnValues::kAllOld) out["Attributes"] = std::move(previous);
  }
  add_consumed(out, request, w.table, write_units(charged));
  return out;
}

TextResult get_item_text(const Env& env, const json::object& request) {
  auto expressions = parse_expressions(request, false, false, false, true);
  if (auto* e = std::get_if<DynamoError>(&expressions)) return *e;
  const auto& projection = std::get<RequestExpressions>(expressions).projection;
  auto t = existing_table(env, request, false);
  if (auto* e = std::get_if<DynamoError>(&t)) return *e;
  const TableSchema& schema = std::get<TableSchema>(t);
  auto key = key_member(schema, request);
  if (auto* e = std::get_if<DynamoError>(&key)) return *e;
  auto item = env.store.get(schema.name, std::get<Store::Key>(key));
  if (auto* e = std::get_if<DynamoError>(&item)) return *e;
  const auto& found = std::get<std::optional<std::string>>(item);
  // The stored text is the item as DynamoDB JSON: parsed only to project it or to size it.
  std::string out = "{";
  std::size_t size = 0;
  if (found) {
    std::optional<json::value> parsed;
    if (projection || wants_consumed(request)) parsed = parse_stored(*found);
    out += "\"Item\":";
    out += projection ? json::serialize(expr::project(*projection, parsed->get_object())) : *found;
    if (parsed) size = item_size(parsed->get_object());
  }
  std::string consumed = consumed_text(request, schema, read_units(size, consistent_read(request)));
  if (!consumed.empty()) {
    if (found) out += ',';
    out += consumed;
  }
  out += '}';
  return out;
}

Result get_item(const Env& env, const json::object& request) {
  return as_object(get_item_text(env, request));
}

Result delete_item(const Env& env, const json::object& request) {
  if (auto e = refuse_legacy(request, {"Expected", "ConditionalOperator"})) return *e;
  ReturnValues wanted = ReturnValues::kNone;
  auto prepared = prepare_delete(env, request, &wanted);
  if (auto* e = std::get_if<DynamoError>(&prepared)) return *e;
  const PreparedWrite& w = std::get<PreparedWrite>(prepared);
  auto old = env.store.mutate(w.table, w.key, w.decide, w.needs_old);
  if (auto* e = std::get_if<DynamoError>(&old)) return *e;
  const auto& removed = std::get<std::optional<std::string>>(old);
  json::object out;
  std::size_t size = 0;
  if (removed && (wanted == ReturnValues::kAllOld || wants_consumed(request))) {
    json::value v = parse_stored(*removed);
    size = item_size(v.get_object());
    if (wanted == ReturnValues::kAllOld) out["Attributes"] = std::move(v);
  }
  add_consumed(out, request, w.table, write_units(size));
  return out;
}

Result update_item(const Env& env, const json::object& request) {
  if (auto e = refuse_legacy(request, {"AttributeUpdates", "Expected", "ConditionalOperator"})) {
    return *e;
  }
  ReturnValues wanted = ReturnValues::kNone;
  auto prepared = prepare_update(env, request, &wanted);
  if (auto* e = std::get_if<DynamoError>(&prepared)) return *e;
  const PreparedWrite& w = std::get<PreparedWrite>(prepared);
  auto old = env.store.mutate(w.table, w.key, w.decide, w.needs_old);
  if (auto* e = std::get_if<DynamoError>(&old)) return *e;
  const WriteTrace& trace = *w.trace;
  json::object out;
  switch (wanted) {
    case ReturnValues::kNone:
      break;
    case ReturnValues::kAllOld:
      if (trace.old_item) out["Attributes"] = *trace.old_item;
      break;
    case ReturnValues::kAllNew:
      out["Attributes"] = trace.new_item;
      break;
    case ReturnValues::kUpdatedOld:
    case ReturnValues::kUpdatedNew: {
      // The paths the update wrote, as they were before or are after (expressions.hpp).
      const auto& update = w.expressions->update;
      if (!update) break;
      static const json::object kNothing;
      json::object updated =
          expr::project_paths(update->targets(), wanted == ReturnValues::kUpdatedOld
                                                     ? (trace.old_item ? *trace.old_item : kNothing)
                                                     : trace.new_item);
      if (!updated.empty()) out["Attributes"] = std::move(updated);
      break;
    }
  }
  add_consumed(out, request, w.table,
               write_units(std::max(trace.size,
                                    trace.old_item ? item_size(*trace.old_item) : std::size_t{0})));
  return out;
}

Result batch_write_item(const Env& env, const json::object& request) {
  const json::value* items = member(request, "RequestItems");
  if (auto e = check_request_items(items)) return *e;
  std::vector<Store::Write> writes;
  std::map<std::string, double> units;  // per table
  std::size_t count = 0;
  for (const auto& [name, list] : items->get_object()) {
    if (!list.is_array()) return wrong_type();
    if (list.get_array().empty()) {
      return DynamoError::validation(
          "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map "
          "value must satisfy constraint: [Member must have length less than or equal to 25, "
          "Member must have length greater than or equal to 1]");
    }
    count += list.get_array().size();
    if (count > 25) {
      return DynamoError::validation("Too many items requested for the BatchWriteItem call");
    }
  }
  for (const auto& [name, list] : items->get_object()) {
    auto t = env.store.table(name);
    if (auto* e = std::get_if<DynamoError>(&t)) return *e;
    const TableSchema& schema = std::get<TableSchema>(t);
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& request_value : list.get_array()) {
      if (!request_value.is_object()) {
        return wrong_type();
      }
      const json::object& wr = request_value.get_object();
      const json::value* put = member(wr, "PutRequest");
      const json::value* del = member(wr, "DeleteRequest");
      if ((put != nullptr) == (del != nullptr)) {
        // UNVERIFIED wording: DynamoDB refuses a WriteRequest with neither or both.
        return DynamoError::validation(
            "One or more parameter values were invalid: a WriteRequest has exactly one of "
            "PutRequest and DeleteRequest");
      }
      if (!(put ? put : del)->is_object()) return wrong_type();
      Store::Write w;
      w.table = std::string(name);
      w.table_id = schema.table_id;
      const json::value* body =
          put ? member(put->get_object(), "Item") : member(del->get_object(), "Key");
      if (!body) return null_member(put ? "item" : "key");
      json::value value = *body;
      if (auto e = normalize_item(value)) return *e;
      auto key = extract_key(schema, value.get_object(), put != nullptr);
      if (auto* e = std::get_if<DynamoError>(&key)) return *e;
      w.key = std::get<Store::Key>(key);
      if (!seen.emplace(w.key.hash, w.key.range).second) {
        return DynamoError::validation("Provided list of item keys contains duplicates");
      }
      if (put) {
        w.size = item_size(value.get_object());
        if (w.size > kMaxItemBytes) {
          return DynamoError::validation("Item size has exceeded the maximum allowed size");
        }
        w.item = json::serialize(value);
      }
      units[w.table] += write_units(w.size);
      writes.push_back(std::move(w));
    }
  }
  if (auto e = env.store.write_batch(writes)) return *e;
  json::object out{{"UnprocessedItems", json::object{}}};
  add_batch_consumed(out, request, units);
  return out;
}

Result batch_get_item(const Env& env, const json::object& request) {
  const json::value* items = member(request, "RequestItems");
  if (auto e = check_request_items(items)) return *e;
  std::size_t count = 0;
  for (const auto& [name, spec] : items->get_object()) {
    if (!spec.is_object()) return wrong_type();
    const json::value* keys = member(spec.get_object(), "Keys");
    if (!keys) return null_member("requestItems." + std::string(name) + ".member.keys");
    if (!keys->is_array()) return wrong_type();
    if (keys->get_array().empty()) {
      return DynamoError::validation(
          "1 validation error detected: Value '[]' at 'requestItems." + std::string(name) +
          ".member.keys' failed to satisfy constraint: Member must have length greater than or "
          "equal to 1");
    }
    count += keys->get_array().size();
    if (count > 100) {
      return DynamoError::validation("Too many items requested for the BatchGetItem call");
    }
  }
  constexpr std::size_t kResponseBytes = 16 * 1024 * 1024;
  // Items of many tiny values are far larger as JSON than DynamoDB counts them: the stored
  // text is capped too, so one answer stays bounded in memory.
  constexpr std::size_t kResponseTextBytes = 64 * 1024 * 1024;
  std::size_t bytes = 0;
  std::size_t text_bytes = 0;
  json::object responses;
  json::object unprocessed;
  std::map<std::string, double> units;
  for (const auto& [name, spec] : items->get_object()) {
    auto t = env.store.table(name);
    if (auto* e = std::get_if<DynamoError>(&t)) return *e;
    const TableSchema& schema = std::get<TableSchema>(t);
    bool strong = consistent_read(spec.get_object());
    // Each table's ProjectionExpression, with that table's placeholders.
    auto expressions = parse_expressions(spec.get_object(), false, false, false, true);
    if (auto* e = std::get_if<DynamoError>(&expressions)) return *e;
    const auto& projection = std::get<RequestExpressions>(expressions).projection;
    std::vector<std::pair<Store::Key, const json::value*>> keys;
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& k : member(spec.get_object(), "Keys")->get_array()) {
      json::value copy = k;
      if (auto e = normalize_item(copy)) return *e;
      auto key = extract_key(schema, copy.get_object(), false);
      if (auto* e = std::get_if<DynamoError>(&key)) return *e;
      const Store::Key& sk = std::get<Store::Key>(key);
      if (!seen.emplace(sk.hash, sk.range).second) {
        return DynamoError::validation("Provided list of item keys contains duplicates");
      }
      keys.emplace_back(sk, &k);
    }
    json::array found;
    json::array left;
    for (const auto& [key, original] : keys) {
      if (bytes >= kResponseBytes || text_bytes >= kResponseTextBytes) {
        // The rest comes back as UnprocessedKeys.
        left.push_back(*original);
        continue;
      }
      auto item = env.store.get(schema.name, key);
      if (auto* e = std::get_if<DynamoError>(&item)) return *e;
      if (const auto& text = std::get<std::optional<std::string>>(item)) {
        json::value v = parse_stored(*text);
        std::size_t size = item_size(v.get_object());
        bytes += size;
        text_bytes += text->size();
        units[schema.name] += read_units(size, strong);
        found.push_back(projection ? json::value(expr::project(*projection, v.get_object()))
                                   : std::move(v));
      } else {
        units[schema.name] += read_units(0, strong);
      }
    }
    responses[name] = std::move(found);
    if (!left.empty()) {
      json::object rest = spec.get_object();
      rest["Keys"] = std::move(left);
      unprocessed[name] = std::move(rest);
    }
  }
  json::object out{{"Responses", std::move(responses)},
                   {"UnprocessedKeys", std::move(unprocessed)}};
  add_batch_consumed(out, request, units);
  return out;
}

}  // namespace gh::plugins::dynamodb::ops
