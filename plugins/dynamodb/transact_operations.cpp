#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <set>
#include <tuple>

#include "gateway/util/crypto.hpp"
#include "plugins/dynamodb/item_writes.hpp"
#include "plugins/dynamodb/operations.hpp"
#include "plugins/dynamodb/transaction_tokens.hpp"

// TransactWriteItems and TransactGetItems (AWS API reference of both; developer guide,
// "Amazon DynamoDB Transactions"). Every part is validated before anything is read; the
// writes then decide together inside Store::mutate_all with the same decisions PutItem,
// UpdateItem and DeleteItem make (item_writes.hpp), and commit all together or not at all.
namespace gh::plugins::dynamodb::ops {

namespace {

constexpr std::size_t kMaxActions = 100;
/// "The aggregate size of the items in the transaction cannot exceed 4 MB" (API reference).
constexpr std::size_t kMaxTransactionBytes = 4 * 1024 * 1024;
/// Transactional reads and writes cost twice the units of plain ones (developer guide,
/// "Capacity management for transactions").
constexpr double kTransactionalFactor = 2;
constexpr std::string_view kServicePrefix = "com.amazonaws.dynamodb.v20120810#";

/// An error of DynamoDB's own model whose body says "Message" (capital M), as DynamoDB's
/// transaction errors do (raw bodies quoted in aws/aws-sdk-net#1292 and pynamodb#1144).
DynamoError model_error(std::string_view type, std::string message) {
  DynamoError e{400, std::string(kServicePrefix) + std::string(type), message};
  e.fields["Message"] = std::move(message);
  return e;
}

/// TransactItems: present, a list, 1..100 entries. Coral's messages; above 100 it lists the
/// entries as Java renders them ("com.amazonaws.dynamodb.v20120810.TransactWriteItem@1a2b3c"),
/// as moto reproduces it (moto/dynamodb/responses.py, transact_get_items).
std::variant<const json::array*, DynamoError> transact_items(const json::object& request,
                                                             std::string_view element_type) {
  const json::value* items = member(request, "TransactItems");
  if (!items) return null_member("transactItems");
  if (!items->is_array()) return wrong_type();
  const json::array& list = items->get_array();
  if (list.empty()) {
    return DynamoError::validation(
        "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy "
        "constraint: Member must have length greater than or equal to 1");
  }
  if (list.size() > kMaxActions) {
    // The hash codes are Java's and arbitrary; the listing is capped so that a huge request
    // cannot make a huge answer (DynamoDB lists them all: UNVERIFIED beyond 1000).
    constexpr std::size_t kListed = 1000;
    std::string values;
    for (std::size_t i = 0; i < std::min(list.size(), kListed); ++i) {
      char hash[16];
      std::snprintf(hash, sizeof hash, "%x", 0x10000001u + static_cast<unsigned>(i));
      if (i) values += ", ";
      values += "com.amazonaws.dynamodb.v20120810." + std::string(element_type) + "@" + hash;
    }
    if (list.size() > kListed) values += ", ...";
    return DynamoError::validation(
        "1 validation error detected: Value '[" + values +
        "]' at 'transactItems' failed to satisfy constraint: Member must have length less than "
        "or equal to " +
        std::to_string(kMaxActions));
  }
  return &list;
}

/// "transactItems.<n>.member.<action>", Coral's path of a part (n counts from 1).
std::string part_path(std::size_t index, std::string_view action) {
  return "transactItems." + std::to_string(index + 1) + ".member." + std::string(action);
}

/// Coral's checks of one part's required members: TableName (its length and pattern too) and
/// the others `required` names (request member, path member).
std::optional<DynamoError> check_part(
    const json::value& part, const std::string& path,
    std::initializer_list<std::pair<std::string_view, std::string_view>> required) {
  if (!part.is_object()) return wrong_type();
  const json::object& o = part.get_object();
  if (auto e = check_table_name(member(o, "TableName"), path + ".tableName")) return e;
  for (const auto& [name, path_name] : required) {
    if (!member(o, name)) return null_member(path + "." + std::string(path_name));
  }
  return std::nullopt;
}

/// One of TransactWriteItems' parts, as the request names it.
struct WriteAction {
  std::string_view member;  // "Put"
  std::string_view path;    // "put"
};
constexpr WriteAction kWriteActions[] = {{"ConditionCheck", "conditionCheck"},
                                         {"Put", "put"},
                                         {"Update", "update"},
                                         {"Delete", "delete"}};

/// Which action a TransactWriteItem holds (exactly one), with Coral's checks of its members.
std::variant<const WriteAction*, DynamoError> write_action(const json::value& entry,
                                                           std::size_t index) {
  if (!entry.is_object()) return wrong_type();
  const WriteAction* found = nullptr;
  int count = 0;
  for (const WriteAction& a : kWriteActions) {
    if (member(entry.get_object(), a.member)) {
      found = &a;
      ++count;
    }
  }
  if (count != 1) {
    // moto's wording, which its tests check against DynamoDB (getmoto/moto#5521).
    return DynamoError::validation(
        "TransactItems can only contain one of Check, Put, Update or Delete");
  }
  const json::value& part = *member(entry.get_object(), found->member);
  std::string path = part_path(index, found->path);
  std::optional<DynamoError> e;
  if (found->member == "Put") {
    e = check_part(part, path, {{"Item", "item"}});
  } else if (found->member == "Update") {
    e = check_part(part, path, {{"Key", "key"}, {"UpdateExpression", "updateExpression"}});
  } else if (found->member == "ConditionCheck") {
    e = check_part(part, path, {{"Key", "key"}, {"ConditionExpression", "conditionExpression"}});
  } else {
    e = check_part(part, path, {{"Key", "key"}});
  }
  if (e) return *e;
  return found;
}

/// ClientRequestToken: optional, 1..36 characters.
std::variant<std::optional<std::string>, DynamoError> client_token(const json::object& request) {
  const json::value* t = member(request, "ClientRequestToken");
  if (!t) return std::optional<std::string>();
  if (!t->is_string()) return wrong_type();
  std::string token(t->get_string());
  if (token.empty() || token.size() > 36) {
    return DynamoError::validation(
        "1 validation error detected: Value '" + token +
        "' at 'clientRequestToken' failed to satisfy constraint: Member must have length " +
        (token.empty() ? "greater than or equal to 1" : "less than or equal to 36"));
  }
  return std::optional<std::string>(std::move(token));
}

/// `v` with every object's members in name order, so that two requests that differ only in
/// member order have one fingerprint (DynamoDB ignores the order: localstack#6529).
json::value sorted(const json::value& v) {
  if (v.is_array()) {
    json::array out;
    out.reserve(v.get_array().size());
    for (const auto& e : v.get_array()) out.push_back(sorted(e));
    return out;
  }
  if (!v.is_object()) return v;
  std::vector<std::string_view> names;
  for (const auto& m : v.get_object()) names.push_back(m.key());
  std::sort(names.begin(), names.end());
  json::object out;
  out.reserve(names.size());
  for (std::string_view n : names) out[n] = sorted(v.get_object().at(n));
  return out;
}

/// Refuses a second action on an item already in `seen`.
std::optional<DynamoError> check_distinct(
    std::set<std::tuple<std::string, std::string, std::string>>& seen, const TableSchema& table,
    const Store::Key& key) {
  if (seen.emplace(table.name, key.hash, key.range).second) return std::nullopt;
  return DynamoError::validation(
      "Transaction request cannot include multiple operations on one item");
}

/// TransactionCanceledException for outcomes of which at least one refused: a reason per
/// action in request order. A refusal that is neither a failed condition nor a validation
/// error (none is known) is answered as it is.
DynamoError cancellation(const std::vector<Store::Outcome>& outcomes) {
  json::array reasons;
  std::string codes;
  for (const Store::Outcome& o : outcomes) {
    json::object reason;
    if (!o.refused) {
      reason["Code"] = "None";
    } else if (o.refused->type.ends_with("#ConditionalCheckFailedException")) {
      reason["Code"] = "ConditionalCheckFailed";
      reason["Message"] = o.refused->message;
      // ReturnValuesOnConditionCheckFailure ALL_OLD: condition_failed() put the item there.
      if (auto it = o.refused->fields.find("Item"); it != o.refused->fields.end()) {
        reason["Item"] = it->value();
      }
    } else if (o.refused->type.ends_with("#ValidationException")) {
      reason["Code"] = "ValidationError";
      reason["Message"] = o.refused->message;
    } else {
      return *o.refused;
    }
    if (!codes.empty()) codes += ", ";
    codes += std::string_view(reason["Code"].as_string());
    reasons.push_back(std::move(reason));
  }
  DynamoError e = model_error(
      "TransactionCanceledException",
      "Transaction cancelled, please refer cancellation reasons for specific reasons [" + codes +
          "]");
  // DynamoDB sends CancellationReasons before Message.
  json::object fields{{"CancellationReasons", std::move(reasons)}};
  fields["Message"] = e.fields["Message"];
  e.fields = std::move(fields);
  return e;
}

/// Holds a ClientRequestToken claimed as kNew; releases it unless the transaction committed.
class TokenClaim {
 public:
  TokenClaim(TransactionTokens* tokens, std::string token)
      : tokens_(tokens), token_(std::move(token)) {}
  ~TokenClaim() {
    if (tokens_) tokens_->finish(token_, std::nullopt);
  }
  TokenClaim(const TokenClaim&) = delete;
  TokenClaim& operator=(const TokenClaim&) = delete;
  void commit(TransactionTokens::Units replay_units) {
    if (tokens_) tokens_->finish(token_, std::move(replay_units));
    tokens_ = nullptr;
  }

 private:
  TransactionTokens* tokens_;
  std::string token_;
};

}  // namespace

Result transact_write_items(const Env& env, const json::object& request) {
  // Coral's checks of the whole request first, then the service's, then the transaction.
  auto listed = transact_items(request, "TransactWriteItem");
  if (auto* e = std::get_if<DynamoError>(&listed)) return *e;
  const json::array& list = *std::get<const json::array*>(listed);
  std::vector<const WriteAction*> actions;
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto a = write_action(list[i], i);
    if (auto* e = std::get_if<DynamoError>(&a)) return *e;
    actions.push_back(std::get<const WriteAction*>(a));
  }
  auto token = client_token(request);
  if (auto* e = std::get_if<DynamoError>(&token)) return *e;

  std::vector<PreparedWrite> writes;
  writes.reserve(list.size());
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json::object& part = member(list[i].get_object(), actions[i]->member)->get_object();
    Prepared p = actions[i]->member == "Put"      ? prepare_put(env, part, nullptr)
                 : actions[i]->member == "Update" ? prepare_update(env, part, nullptr)
                 : actions[i]->member == "Delete" ? prepare_delete(env, part, nullptr)
                                                  : prepare_condition_check(env, part);
    if (auto* e = std::get_if<DynamoError>(&p)) return *e;
    PreparedWrite& w = writes.emplace_back(std::move(std::get<PreparedWrite>(p)));
    if (auto e = check_distinct(seen, w.table, w.key)) return *e;
    bytes += w.trace->size;  // known before the store runs for Puts only
  }
  if (bytes > kMaxTransactionBytes) {
    // UNVERIFIED wording (dynoxide's, src/actions/transact_write_items.rs).
    return DynamoError::validation(
        "Collection size of items exceeded, which can also be caused by the aggregate size of "
        "the items in the transaction exceeding the 4MB limit");
  }

  std::optional<TokenClaim> claim;
  if (const auto& t = std::get<std::optional<std::string>>(token); t && env.tokens) {
    std::string fingerprint = util::sha256(json::serialize(sorted(json::value(list))));
    auto c = env.tokens->claim(*t, fingerprint);
    switch (c.status) {
      case TransactionTokens::Status::kReplay: {
        // Nothing is written again; the capacity reported is that of reading the items
        // (API reference, ClientRequestToken).
        json::object out;
        add_batch_consumed(out, request, c.replay_units);
        return out;
      }
      case TransactionTokens::Status::kMismatch:
        // UNVERIFIED wording.
        return model_error("IdempotentParameterMismatchException",
                           "The request uses the same client token as a previous, but "
                           "non-identical request.");
      case TransactionTokens::Status::kInProgress:
        // The text DynamoDB sends (quoted in aws/aws-sdk-java-v2#2518).
        return model_error("TransactionInProgressException",
                           "Transaction from previous request is still in progress");
      case TransactionTokens::Status::kNew:
        claim.emplace(env.tokens, *t);
        break;
    }
  }

  std::vector<Store::Mutation> mutations;
  mutations.reserve(writes.size());
  for (const PreparedWrite& w : writes) mutations.push_back({&w.table, w.key, w.decide});
  auto result = env.store.mutate_all(mutations);
  if (auto* e = std::get_if<DynamoError>(&result)) return *e;
  const auto& outcomes = std::get<std::vector<Store::Outcome>>(result);
  if (std::any_of(outcomes.begin(), outcomes.end(),
                  [](const auto& o) { return o.refused.has_value(); })) {
    return cancellation(outcomes);
  }

  // Each action costs the larger of the item before and after it, ConditionChecks included
  // (they are charged as writes).
  std::map<std::string, double> units;
  TransactionTokens::Units replay_units;
  for (std::size_t i = 0; i < writes.size(); ++i) {
    std::size_t size = writes[i].trace->size;
    if (outcomes[i].old) {
      size = std::max(size, item_size(parse_stored(*outcomes[i].old).get_object()));
    }
    const std::string& table = writes[i].table.name;
    units[table] += kTransactionalFactor * write_units(size);
    replay_units[table] += kTransactionalFactor * read_units(size, true);
  }
  if (claim) claim->commit(std::move(replay_units));
  json::object out;
  add_batch_consumed(out, request, units);
  // ReturnItemCollectionMetrics: DynamoDB reports item collections of tables with local
  // secondary indexes only; there is nothing to report here.
  return out;
}

Result transact_get_items(const Env& env, const json::object& request) {
  auto listed = transact_items(request, "TransactGetItem");
  if (auto* e = std::get_if<DynamoError>(&listed)) return *e;
  const json::array& list = *std::get<const json::array*>(listed);
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_object()) return wrong_type();
    const json::value* get = member(list[i].get_object(), "Get");
    std::string path = part_path(i, "get");
    if (!get) return null_member(path);
    if (auto e = check_part(*get, path, {{"Key", "key"}})) return *e;
  }

  struct Read {
    TableSchema table;
    Store::Key key;
    std::optional<expr::Projection> projection;
  };
  std::vector<Read> reads;
  reads.reserve(list.size());
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  for (const auto& entry : list) {
    const json::object& get = member(entry.get_object(), "Get")->get_object();
    auto expressions = parse_expressions(get, false, false, false, true);
    if (auto* e = std::get_if<DynamoError>(&expressions)) return *e;
    auto t = existing_table(env, get, false);
    if (auto* e = std::get_if<DynamoError>(&t)) return *e;
    Read r{std::move(std::get<TableSchema>(t)),
           {},
           std::move(std::get<RequestExpressions>(expressions).projection)};
    auto key = key_member(r.table, get);
    if (auto* e = std::get_if<DynamoError>(&key)) return *e;
    r.key = std::move(std::get<Store::Key>(key));
    // UNVERIFIED for reads: DynamoDB refuses a second Get of one item as it refuses writes.
    if (auto e = check_distinct(seen, r.table, r.key)) return *e;
    reads.push_back(std::move(r));
  }

  std::vector<std::pair<const TableSchema*, Store::Key>> keys;
  keys.reserve(reads.size());
  for (const Read& r : reads) keys.emplace_back(&r.table, r.key);
  auto result = env.store.get_all(keys);
  if (auto* e = std::get_if<DynamoError>(&result)) return *e;
  const auto& items = std::get<std::vector<std::optional<std::string>>>(result);

  json::array responses;
  std::map<std::string, double> units;
  for (std::size_t i = 0; i < reads.size(); ++i) {
    json::object response;  // {} for an item that does not exist
    std::size_t size = 0;
    if (items[i]) {
      json::value v = parse_stored(*items[i]);
      size = item_size(v.get_object());
      response["Item"] = reads[i].projection
                             ? json::value(expr::project(*reads[i].projection, v.get_object()))
                             : std::move(v);
    }
    units[reads[i].table.name] += kTransactionalFactor * read_units(size, true);
    responses.push_back(std::move(response));
  }
  json::object out;
  add_batch_consumed(out, request, units);
  out["Responses"] = std::move(responses);
  return out;
}

}  // namespace gh::plugins::dynamodb::ops
