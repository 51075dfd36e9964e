// Store::expire: the deletes of Time to Live (the TTL sweeper, ttl_sweeper.hpp, calls it).
//
// Which items expire, as the Developer Guide states it ("Using DynamoDB Time to Live",
// time-to-live-ttl-before-you-start.html, "Formatting an item's TTL attribute"): the item has
// the TTL attribute at the top level, its value is a Number, read as Unix epoch seconds, and it
// lies in the past but "no more than five years in the past" (older values are ignored, not
// deleted). Items without the attribute or with another type are ignored.
#include <sqlite3.h>

#include <vector>

#include "plugins/dynamodb/sqlite_statement.hpp"
#include "plugins/dynamodb/store.hpp"

namespace gh::plugins::dynamodb {

namespace {

/// Rows examined while the store's lock is held: a table of a million items is walked in
/// steps this size, and requests get the lock between two steps.
constexpr std::int64_t kRowsPerStep = 256;

/// "No more than five years in the past" (five years of 365 days).
constexpr std::int64_t kOldestExpirySeconds = 5LL * 365 * 24 * 60 * 60;

// The attribute is found with json_each and compared as a bound key, never spliced into a
// JSON path: names with dots, quotes or brackets (which SQLite's path syntax cannot all
// express) match exactly. `$.N` is the Number member of the attribute value; any other type
// gives NULL, and so does a missing attribute, and NULL never satisfies the comparison.
// ?1 table, ?2 attribute, ?3/?4 the key to continue after, ?5 now, ?6 oldest, ?7 rows.
constexpr const char* kExpiredFlag =
    "(SELECT 1 FROM json_each(items.item) AS e WHERE e.key = ?2 "
    "AND CAST(json_extract(e.value, '$.N') AS REAL) < ?5 "
    "AND CAST(json_extract(e.value, '$.N') AS REAL) >= ?6)";

std::string step_sql(bool continued) {
  return std::string("SELECT hk, rk, item, ") + kExpiredFlag +
         " IS NOT NULL FROM items WHERE tbl = ?1" + (continued ? " AND (hk, rk) > (?3, ?4)" : "") +
         " ORDER BY hk, rk LIMIT ?7";
}

}  // namespace

bool Store::is_open() {
  Guard lock(*this);
  return db_ != nullptr;
}

std::variant<std::size_t, DynamoError> Store::expire(const TableSchema& table,
                                                     std::string_view attribute, std::int64_t now,
                                                     std::size_t limit) {
  // One pass over the table in key order, in steps of kRowsPerStep rows, each step under the
  // lock and its deletes in one transaction; it ends at the table's end or after `limit`
  // deletes.
  std::size_t deleted = 0;
  std::optional<Key> after;
  while (deleted < limit) {
    Guard lock(*this);
    if (auto e = open_locked()) return *e;
    // Deleted (or deleted and created again) since the caller looked: nothing of it to expire.
    if (!same_table_locked(table.name, table.table_id)) return DynamoError::not_found();
    const TableSchema& current = tables_.find(table.name)->second;  // its indexes as they are now

    struct Expired {
      Key key;
      std::string item;
    };
    std::vector<Expired> expired;
    std::int64_t rows = 0;
    {
      Statement s(*statements_, db_, step_sql(after.has_value()).c_str());
      if (!s.ok()) return sqlite_error("expire items");
      s.text(1, table.name).text(2, attribute);
      if (after) s.blob(3, after->hash).blob(4, after->range);
      s.integer(5, now).integer(6, now - kOldestExpirySeconds).integer(7, kRowsPerStep);
      int rc;
      while ((rc = s.step()) == SQLITE_ROW) {
        ++rows;
        after = Key{s.column_blob(0), s.column_blob(1)};
        if (s.column_int(3) == 0) continue;
        expired.push_back({*after, s.column_text(2)});
        if (deleted + expired.size() == limit) break;
      }
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sqlite_error("expire items");
    }  // the read is finished before the writes begin

    if (!expired.empty()) {
      if (auto e = begin_locked()) return *e;
      for (const Expired& x : expired) {
        // write_locked: the one place items are deleted, with their secondary-index entries.
        if (auto e = write_locked(current, x.key, x.item, std::nullopt, 0)) {
          rollback_locked();
          return *e;
        }
      }
      if (auto e = commit_locked()) {
        rollback_locked();
        return *e;
      }
      deleted += expired.size();
    }
    if (rows < kRowsPerStep) break;  // the end of the table
  }
  return deleted;
}

}  // namespace gh::plugins::dynamodb
