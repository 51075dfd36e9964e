#include "plugins/dynamodb/store.hpp"

// TransactWriteItems and TransactGetItems on the store (store.hpp): every item read, and every
// change written, under the store's one lock, so no other request sees a transaction half done
// or writes between its reads and its writes.
namespace gh::plugins::dynamodb {

std::variant<std::vector<Store::Outcome>, DynamoError> Store::mutate_all(
    const std::vector<Mutation>& items) {
  Guard lock(*this);
  if (auto e = open_locked()) return *e;
  for (const Mutation& m : items) {
    if (!m.table || !same_table_locked(m.table->name, m.table->table_id)) {
      return DynamoError::not_found();
    }
  }
  // Every decide sees the items as they were before the transaction (the caller refuses two
  // actions on one item, so no decide could see another's change anyway).
  std::vector<Outcome> outcomes(items.size());
  std::vector<Change> changes(items.size());
  bool refused = false;
  bool writes = false;
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::optional<DynamoError> error;
    outcomes[i].old = get_locked(items[i].table->name, items[i].key, error);
    if (error) return *error;
    auto decision = items[i].decide(outcomes[i].old);
    if (auto* e = std::get_if<DynamoError>(&decision)) {
      outcomes[i].refused = std::move(*e);
      refused = true;
      continue;
    }
    changes[i] = std::move(std::get<Change>(decision));
    writes = writes || changes[i].action == Change::Action::kPut ||
             (changes[i].action == Change::Action::kDelete && outcomes[i].old);
  }
  if (refused || !writes) return outcomes;
  if (auto e = begin_locked()) return *e;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Change& change = changes[i];
    if (change.action == Change::Action::kKeep ||
        (change.action == Change::Action::kDelete && !outcomes[i].old)) {
      continue;
    }
    std::optional<std::string> item;
    if (change.action == Change::Action::kPut) item = change.item;
    if (auto e = write_locked(*items[i].table, items[i].key, outcomes[i].old, item, change.size)) {
      rollback_locked();
      return *e;
    }
  }
  if (auto e = commit_locked()) {
    rollback_locked();
    return *e;
  }
  return outcomes;
}

std::variant<std::vector<std::optional<std::string>>, DynamoError> Store::get_all(
    const std::vector<std::pair<const TableSchema*, Key>>& reads) {
  Guard lock(*this);
  if (auto e = open_locked()) return *e;
  std::vector<std::optional<std::string>> items;
  items.reserve(reads.size());
  for (const auto& [table, key] : reads) {
    if (!table || !same_table_locked(table->name, table->table_id)) {
      return DynamoError::not_found();
    }
    std::optional<DynamoError> error;
    items.push_back(get_locked(table->name, key, error));
    if (error) return *error;
  }
  return items;
}

}  // namespace gh::plugins::dynamodb
