// Store's secondary indexes: an entry per indexed item in index_items (table, index, index hash
// and range key bytes, the item's table key), kept in step with the items by write_locked, read
// back joined with the items. Items are not copied into the index: projections are applied
// when an index is read, so an entry costs only its keys.
#include <spdlog/spdlog.h>

#include <boost/json/object.hpp>

#include "plugins/dynamodb/attribute_value.hpp"
#include "plugins/dynamodb/secondary_index.hpp"
#include "plugins/dynamodb/sqlite_statement.hpp"
#include "plugins/dynamodb/store.hpp"

namespace gh::plugins::dynamodb {

namespace {

constexpr std::size_t kIndexPageTextBytes = 16 * 1024 * 1024;  // as the table pages

using IndexKeys = std::vector<std::optional<IndexKey>>;

/// The key of `item_text` in each index of `table` (nullopt: not in that index).
std::variant<IndexKeys, DynamoError> keys_of(const TableSchema& table,
                                             const std::optional<std::string>& item_text) {
  IndexKeys keys(table.indexes.size());
  if (!item_text) return keys;
  boost::json::value item = parse_stored(*item_text);
  if (!item.is_object()) return keys;
  for (std::size_t i = 0; i < table.indexes.size(); ++i) {
    auto key = index_key(table.indexes[i], item.get_object());
    if (auto* e = std::get_if<DynamoError>(&key)) return *e;
    keys[i] = std::move(std::get<std::optional<IndexKey>>(key));
  }
  return keys;
}

/// Reads index rows (tbl, idx, hk, rk, thk, trk joined with the item's size and text) into a
/// page with the table's page rules.
template <typename Accept>
std::variant<Store::Page, int> read_page(Statement& s, std::size_t limit, std::size_t max_bytes,
                                         const Accept& accept) {
  Store::Page page;
  std::size_t bytes = 0;
  std::size_t text = 0;
  for (;;) {
    int rc = s.step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return rc;
    std::string index_hash = s.column_blob(0);
    if (!accept(index_hash)) continue;
    if (page.rows.size() == limit || bytes >= max_bytes || text >= kIndexPageTextBytes) {
      page.more = true;
      break;
    }
    Store::Row row{Store::Key{s.column_blob(2), s.column_blob(3)}, s.column_text(5),
                   static_cast<std::size_t>(s.column_int(4))};
    bytes += row.size;
    text += row.item.size();
    page.rows.push_back(std::move(row));
  }
  return page;
}

constexpr const char* kIndexSelect =
    "SELECT i.hk, i.rk, i.thk, i.trk, t.size, t.item FROM index_items i JOIN items t "
    "ON t.tbl = i.tbl AND t.hk = i.thk AND t.rk = i.trk WHERE i.tbl = ? AND i.idx = ?";

}  // namespace

std::optional<DynamoError> Store::write_index_entries_locked(
    const TableSchema& table, const Key& key, const std::optional<std::string>& old,
    const std::optional<std::string>& item) {
  auto before = keys_of(table, old);
  if (auto* e = std::get_if<DynamoError>(&before)) return *e;
  auto after = keys_of(table, item);
  if (auto* e = std::get_if<DynamoError>(&after)) return *e;
  const IndexKeys& was = std::get<IndexKeys>(before);
  const IndexKeys& now = std::get<IndexKeys>(after);
  Statement del(*statements_, db_,
                "DELETE FROM index_items WHERE tbl = ? AND idx = ? AND hk = ? AND rk = ? AND "
                "thk = ? AND trk = ?");
  Statement put(*statements_, db_,
                "INSERT OR REPLACE INTO index_items (tbl, idx, hk, rk, thk, trk) "
                "VALUES (?, ?, ?, ?, ?, ?)");
  if (!del.ok() || !put.ok()) return sqlite_error("update an index");
  for (std::size_t i = 0; i < table.indexes.size(); ++i) {
    const std::string& name = table.indexes[i].name;
    bool same = was[i] && now[i] && was[i]->hash == now[i]->hash && was[i]->range == now[i]->range;
    if (same) continue;
    if (was[i]) {
      if (del.text(1, table.name)
              .text(2, name)
              .blob(3, was[i]->hash)
              .blob(4, was[i]->range)
              .blob(5, key.hash)
              .blob(6, key.range)
              .step() != SQLITE_DONE) {
        return sqlite_error("update an index");
      }
      del.reset();
    }
    if (now[i]) {
      if (put.text(1, table.name)
              .text(2, name)
              .blob(3, now[i]->hash)
              .blob(4, now[i]->range)
              .blob(5, key.hash)
              .blob(6, key.range)
              .step() != SQLITE_DONE) {
        return sqlite_error("update an index");
      }
      put.reset();
    }
  }
  return std::nullopt;
}

std::optional<DynamoError> Store::backfill_index_locked(const TableSchema& table,
                                                        const SecondaryIndex& index) {
  Statement items(*statements_, db_, "SELECT hk, rk, item FROM items WHERE tbl = ?");
  Statement put(*statements_, db_,
                "INSERT OR REPLACE INTO index_items (tbl, idx, hk, rk, thk, trk) "
                "VALUES (?, ?, ?, ?, ?, ?)");
  if (!items.ok() || !put.ok()) return sqlite_error("build the index");
  items.text(1, table.name);
  std::size_t skipped = 0;
  for (;;) {
    int rc = items.step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return sqlite_error("build the index");
    boost::json::value item = parse_stored(items.column_text(2));
    if (!item.is_object()) continue;
    auto key = index_key(index, item.get_object());
    auto* k = std::get_if<std::optional<IndexKey>>(&key);
    if (!k) {
      ++skipped;  // a "violation" in DynamoDB's words: the item stays out of the index
      continue;
    }
    if (!*k) continue;
    if (put.text(1, table.name)
            .text(2, index.name)
            .blob(3, (*k)->hash)
            .blob(4, (*k)->range)
            .blob(5, items.column_blob(0))
            .blob(6, items.column_blob(1))
            .step() != SQLITE_DONE) {
      return sqlite_error("build the index");
    }
    put.reset();
  }
  if (skipped) {
    spdlog::info("dynamodb table {}: index {} leaves out {} item(s) whose key has another type",
                 table.name, index.name, skipped);
  }
  return std::nullopt;
}

std::optional<DynamoError> Store::drop_index_entries_locked(std::string_view table,
                                                            std::string_view index_name) {
  Statement s(*statements_, db_,
              index_name.empty() ? "DELETE FROM index_items WHERE tbl = ?"
                                 : "DELETE FROM index_items WHERE tbl = ? AND idx = ?");
  if (!s.ok()) return sqlite_error("remove an index");
  s.text(1, table);
  if (!index_name.empty()) s.text(2, index_name);
  if (s.step() != SQLITE_DONE) return sqlite_error("remove an index");
  return std::nullopt;
}

std::variant<Store::Page, DynamoError> Store::query_index(
    const TableSchema& table, const SecondaryIndex& index, std::string_view hash,
    const RangeCondition& range, bool forward, const std::optional<IndexPosition>& after,
    std::size_t limit, std::size_t max_bytes) {
  Guard lock(*this);
  if (auto e = open_locked()) return *e;
  std::string sql = std::string(kIndexSelect) + " AND i.hk = ?";
  if (range.low) sql += range.low_inclusive ? " AND i.rk >= ?" : " AND i.rk > ?";
  if (range.high) sql += range.high_inclusive ? " AND i.rk <= ?" : " AND i.rk < ?";
  if (range.prefix) sql += " AND substr(i.rk, 1, ?) = ?";
  if (after)
    sql +=
        forward ? " AND (i.rk, i.thk, i.trk) > (?, ?, ?)" : " AND (i.rk, i.thk, i.trk) < (?, ?, ?)";
  sql += forward ? " ORDER BY i.rk ASC, i.thk ASC, i.trk ASC"
                 : " ORDER BY i.rk DESC, i.thk DESC, i.trk DESC";
  Statement s(*statements_, db_, sql.c_str());
  if (!s.ok()) return sqlite_error("query the index");
  s.text(1, table.name).text(2, index.name).blob(3, hash);
  int i = 3;
  if (range.low) s.blob(++i, *range.low);
  if (range.high) s.blob(++i, *range.high);
  if (range.prefix) {
    s.integer(++i, static_cast<std::int64_t>(range.prefix->size()));
    s.blob(++i, *range.prefix);
  }
  if (after) {
    s.blob(i + 1, after->range).blob(i + 2, after->table.hash).blob(i + 3, after->table.range);
  }
  auto page = read_page(s, limit, max_bytes, [](std::string_view) { return true; });
  if (std::holds_alternative<int>(page)) return sqlite_error("query the index");
  return std::get<Page>(std::move(page));
}

std::variant<Store::Page, DynamoError> Store::scan_index(
    const TableSchema& table, const SecondaryIndex& index,
    const std::optional<IndexPosition>& after, std::size_t limit, std::size_t max_bytes,
    const std::function<bool(std::string_view index_hash)>& accept) {
  Guard lock(*this);
  if (auto e = open_locked()) return *e;
  std::string sql = kIndexSelect;
  if (after) sql += " AND (i.hk, i.rk, i.thk, i.trk) > (?, ?, ?, ?)";
  sql += " ORDER BY i.hk, i.rk, i.thk, i.trk";
  Statement s(*statements_, db_, sql.c_str());
  if (!s.ok()) return sqlite_error("scan the index");
  s.text(1, table.name).text(2, index.name);
  if (after)
    s.blob(3, after->hash)
        .blob(4, after->range)
        .blob(5, after->table.hash)
        .blob(6, after->table.range);
  auto page =
      read_page(s, limit, max_bytes, [&](std::string_view h) { return !accept || accept(h); });
  if (std::holds_alternative<int>(page)) return sqlite_error("scan the index");
  return std::get<Page>(std::move(page));
}

std::variant<Store::Stats, DynamoError> Store::index_stats(const TableSchema& table,
                                                           const SecondaryIndex& index) {
  Guard lock(*this);
  if (auto e = open_locked()) return *e;
  Statement s(*statements_, db_,
              "SELECT count(*), coalesce(sum(t.size), 0) FROM index_items i JOIN items t "
              "ON t.tbl = i.tbl AND t.hk = i.thk AND t.rk = i.trk WHERE i.tbl = ? AND i.idx = ?");
  if (!s.ok() || s.text(1, table.name).text(2, index.name).step() != SQLITE_ROW) {
    return sqlite_error("count the index");
  }
  return Stats{s.column_int(0), s.column_int(1)};
}

}  // namespace gh::plugins::dynamodb
