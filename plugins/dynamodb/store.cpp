#include "plugins/dynamodb/store.hpp"

#include <mutex>

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>

#include "plugins/dynamodb/sqlite_statement.hpp"
#include "plugins/dynamodb/wal_checkpointer.hpp"

namespace gh::plugins::dynamodb {

namespace {

/// Items of many tiny values are far larger as JSON text than DynamoDB counts them: a page
/// also stops at this much text, so one answer stays bounded in memory.
constexpr std::size_t kPageTextBytes = 16 * 1024 * 1024;

}  // namespace

Store::Store(std::string path)
    : path_(std::move(path)), statements_(std::make_unique<StatementCache>()) {}

Store::~Store() {
  checkpointer_.reset();  // before the connection it watches closes
  statements_->clear();
  if (db_) sqlite3_close_v2(db_);
}

DynamoError Store::sqlite_error(std::string_view what) const {
  std::string detail = db_ ? sqlite3_errmsg(db_) : "cannot open the database";
  spdlog::error("dynamodb store {}: {} failed: {}", path_, what, detail);
  return DynamoError::internal("Internal server error (the store could not " + std::string(what) +
                               ": " + detail + ")");
}

std::optional<DynamoError> Store::exec_locked(const char* sql) {
  char* message = nullptr;
  if (int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message); rc != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return exec_failed(rc, std::move(text));
  }
  return std::nullopt;
}

std::optional<DynamoError> Store::control_locked(const char* sql) {
  // BEGIN, SAVEPOINT, RELEASE, COMMIT and ROLLBACK run for every write: kept prepared, they
  // are not parsed again each time (sqlite3_exec() parses its SQL on every call).
  Statement statement(*statements_, db_, sql);
  const int rc = statement.ok() ? statement.step() : statement.prepare_rc();
  if (rc == SQLITE_DONE || rc == SQLITE_ROW) return std::nullopt;
  return exec_failed(rc, sqlite3_errmsg(db_));
}

DynamoError Store::exec_failed(int rc, std::string text) const {
  if ((rc & 0xff) == SQLITE_BUSY)
    text = "the store " + path_ +
           " is in use by another process; give each gateway its own "
           "dynamodb.dataDir";
  spdlog::error("dynamodb store {}: {}", path_, text);
  return DynamoError::internal("Internal server error (" + text + ")");
}

std::optional<DynamoError> Store::open_locked() {
  if (db_) return std::nullopt;
  if (path_ != ":memory:") {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  }
  // SQLite counts every allocation it makes under a global mutex (its memory statistics, which
  // nothing here reads): off, before SQLite initialises (the first open in the process).
  static std::once_flag no_memory_statistics;
  std::call_once(no_memory_statistics, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const bool on_disk = path_ != ":memory:";
  // unix-excl: see wal_checkpointer.hpp.
  if (sqlite3_open_v2(path_.c_str(), &db, flags, on_disk ? "unix-excl" : nullptr) != SQLITE_OK) {
    std::string detail = db ? sqlite3_errmsg(db) : "out of memory";
    if (db) sqlite3_close_v2(db);
    spdlog::error("dynamodb store {}: cannot open: {}", path_, detail);
    return DynamoError::internal("Internal server error (cannot open the store " + path_ + ": " +
                                 detail + ")");
  }
  db_ = db;
  sqlite3_busy_timeout(db_, 5000);
  // WAL + NORMAL: a commit is in the log before the call returns, so killing the process loses
  // nothing committed (only a power loss may lose the last transactions).
  // The unix-excl VFS: this process is the store's only user, so WAL keeps its index in heap
  // memory instead of a shared-memory file and no read or write takes a file lock (two fcntl
  // calls a request otherwise). A second process opening the same directory waits for the busy
  // timeout and is refused. mmap reads pages without a pread each.
  for (const char* sql :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA mmap_size=1073741824",
        "PRAGMA cache_size=-65536",
        // A group's savepoints (run_group) keep what they would undo in a sub-journal: in
        // memory, not in a temporary file written on every change.
        "PRAGMA temp_store=MEMORY",
        "CREATE TABLE IF NOT EXISTS tables (name TEXT PRIMARY KEY, "
        "schema TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS items (tbl TEXT NOT NULL, hk BLOB NOT NULL, "
        "rk BLOB NOT NULL, size INTEGER NOT NULL, item TEXT NOT NULL, "
        "PRIMARY KEY (tbl, hk, rk)) WITHOUT ROWID",
        // Secondary indexes: the index key, then the item's table key.
        "CREATE TABLE IF NOT EXISTS index_items (tbl TEXT NOT NULL, "
        "idx TEXT NOT NULL, hk BLOB NOT NULL, rk BLOB NOT NULL, "
        "thk BLOB NOT NULL, trk BLOB NOT NULL, "
        "PRIMARY KEY (tbl, idx, hk, rk, thk, trk)) WITHOUT ROWID"}) {
    if (auto e = exec_locked(sql)) {
      sqlite3_close_v2(db_);
      db_ = nullptr;
      return e;
    }
  }
  auto fail = [this](std::string_view what) {
    DynamoError e = sqlite_error(what);
    tables_.clear();
    sqlite3_close_v2(db_);
    db_ = nullptr;  // the next call tries again
    return e;
  };
  Statement s(db_, "SELECT name, schema FROM tables");
  if (!s.ok()) return fail("read its tables");
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    std::string name = s.column_text(0);
    boost::system::error_code ec;
    auto doc = boost::json::parse(s.column_text(1), ec);
    std::optional<TableSchema> schema;
    if (!ec && doc.is_object()) schema = TableSchema::from_json(doc.get_object());
    if (!schema) {
      spdlog::error("dynamodb store {}: table {} has an unreadable definition; skipped", path_,
                    name);
      continue;
    }
    tables_.emplace(name, std::move(*schema));
  }
  if (rc != SQLITE_DONE) return fail("read its tables");
  if (on_disk) {
    try {
      checkpointer_ = std::make_unique<WalCheckpointer>(path_, db_);
    } catch (const std::exception& e) {  // no thread to be had: SQLite checkpoints by itself
      spdlog::warn("dynamodb store {}: no checkpoint thread ({}); writes checkpoint instead", path_,
                   e.what());
    }
  }
  spdlog::info("dynamodb store {}: {} table(s)", path_, tables_.size());
  return std::nullopt;
}

std::optional<DynamoError> Store::create_table(const TableSchema& schema) {
  Guard lock(*this);
  if (auto e = open_locked()) return e;
  if (tables_.count(schema.name)) {
    return DynamoError::in_use("Table already exists: " + schema.name);
  }
  Statement s(*statements_, db_, "INSERT INTO tables (name, schema) VALUES (?, ?)");
  if (!s.ok() || s.text(1, schema.name).text(2, boost::json::serialize(schema.to_json())).step() !=
                     SQLITE_DONE) {
    return sqlite_error("create the table");
  }
  tables_.emplace(schema.name, schema);
  return std::nullopt;
}

std::variant<TableSchema, DynamoError> Store::table(std::string_view name) {
  Guard lock(*this);
  if (auto e = open_locked()) return *e;
  auto it = tables_.find(name);
  if (it == tables_.end()) return DynamoError::not_found();
  return it->second;
}

std::variant<std::vector<std::string>, DynamoError> Store::table_names(std::string_view after,
                                                                       std::size_t limit,
                                                                       bool& more) {
  Guard lock(*this);
  if (auto e = open_locked()) return *e;
  std::vector<std::string> names;
  more = false;
  for (auto it = after.empty() ? tables_.begin() : tables_.upper_bound(after); it != tables_.end();
       ++it) {
    if (names.size() == limit) {
      more = true;
      break;
    }
    names.push_back(it->first);
  }
  return names;
}

std::variant<TableSchema, DynamoError> Store::delete_table(std::string_view name) {
  Guard lock(*this);
  if (auto e = open_locked()) return *e;
  auto it = tables_.find(name);
  if (it == tables_.end()) return DynamoError::not_found();
  if (auto e = begin_locked()) return *e;
  Statement items(*statements_, db_, "DELETE FROM items WHERE tbl = ?");
  Statement table(*statements_, db_, "DELETE FROM tables WHERE name = ?");
  if (!items.ok() || !table.ok() || items.text(1, name).step() != SQLITE_DONE ||
      table.text(1, name).step() != SQLITE_DONE || drop_index_entries_locked(name, "")) {
    DynamoError e = sqlite_error("delete the table");
    rollback_locked();
    return e;
  }
  if (auto e = commit_locked()) {
    rollback_locked();
    return *e;
  }
  TableSchema schema = std::move(it->second);
  tables_.erase(it);
  return schema;
}

std::variant<Store::Stats, DynamoError> Store::stats(std::string_view table) {
  Guard lock(*this);
  if (auto e = open_locked()) return *e;
  Statement s(*statements_, db_,
              "SELECT count(*), coalesce(sum(size), 0) FROM items WHERE tbl = ?");
  if (!s.ok() || s.text(1, table).step() != SQLITE_ROW) return sqlite_error("count the items");
  return Stats{s.column_int(0), s.column_int(1)};
}

std::optional<std::string> Store::get_locked(std::string_view table, const Key& key,
                                             std::optional<DynamoError>& error) {
  Statement s(*statements_, db_, "SELECT item FROM items WHERE tbl = ? AND hk = ? AND rk = ?");
  if (!s.ok()) {
    error = sqlite_error("read the item");
    return std::nullopt;
  }
  s.text(1, table).blob(2, key.hash).blob(3, key.range);
  int rc = s.step();
  if (rc == SQLITE_ROW) return s.column_text(0);
  if (rc != SQLITE_DONE) error = sqlite_error("read the item");
  return std::nullopt;
}

std::variant<std::optional<std::string>, DynamoError> Store::get(std::string_view table,
                                                                 const Key& key) {
  Guard lock(*this);
  if (auto e = open_locked()) return *e;
  std::optional<DynamoError> error;
  auto item = get_locked(table, key, error);
  if (error) return *error;
  return item;
}

bool Store::same_table_locked(std::string_view name, std::string_view table_id) const {
  auto it = tables_.find(name);
  return it != tables_.end() && it->second.table_id == table_id;
}

thread_local const Store* Store::grouping_ = nullptr;

std::optional<DynamoError> Store::begin_locked() {
  if (grouping_ != this) return control_locked("BEGIN IMMEDIATE");
  // SQLite may have rolled the group's transaction back by itself after an I/O error or a full
  // disk: a savepoint now would open a transaction of its own, committed by its RELEASE.
  if (sqlite3_get_autocommit(db_)) return group_lost();
  if (auto e = control_locked("SAVEPOINT write")) return e;
  ++savepoints_;
  return std::nullopt;
}

DynamoError Store::group_lost() const {
  spdlog::error("dynamodb store {}: a group of writes was rolled back by SQLite", path_);
  return DynamoError::internal(
      "Internal server error (the store rolled back a group of writes after an error)");
}

std::optional<DynamoError> Store::commit_locked() {
  if (grouping_ != this) return control_locked("COMMIT");
  if (auto e = control_locked("RELEASE write")) return e;
  --savepoints_;
  return std::nullopt;
}

void Store::rollback_locked() {
  if (grouping_ != this) {
    if (db_ && !sqlite3_get_autocommit(db_)) control_locked("ROLLBACK");
    return;
  }
  if (savepoints_ == 0) return;
  control_locked("ROLLBACK TO write");
  control_locked("RELEASE write");
  --savepoints_;
}

std::optional<DynamoError> Store::run_group(std::span<const std::function<void()>> jobs) {
  Guard lock(*this);
  if (auto e = open_locked()) return e;
  if (auto e = control_locked("BEGIN IMMEDIATE")) return e;
  // Until the COMMIT, store calls on this thread are the group's.
  auto end_group = [this] {
    grouping_ = nullptr;
    savepoints_ = 0;
  };
  grouping_ = this;
  try {
    for (const auto& job : jobs) {
      job();
      rollback_locked();  // a savepoint its job left open (none unless a call failed oddly)
      // SQLite rolled the whole transaction back (an I/O error, a full disk): every write of
      // the group is gone, those already answered for included.
      if (sqlite3_get_autocommit(db_)) {
        end_group();
        return group_lost();
      }
    }
  } catch (...) {  // a job threw after all: the group is undone, the store as it was before
    end_group();
    rollback_locked();
    throw;
  }
  end_group();
  if (auto e = control_locked("COMMIT")) {
    rollback_locked();
    return e;
  }
  return std::nullopt;
}

std::variant<std::optional<std::string>, DynamoError> Store::mutate(const TableSchema& schema,
                                                                    const Key& key,
                                                                    const Decide& decide,
                                                                    bool needs_old) {
  Guard lock(*this);
  if (auto e = open_locked()) return *e;
  if (!same_table_locked(schema.name, schema.table_id)) return DynamoError::not_found();
  // Without indexes, the write is one statement and nobody needs the item it replaces.
  const bool one_statement = !schema.has_indexes();
  std::optional<std::string> old;
  if (needs_old || !one_statement) {
    std::optional<DynamoError> error;
    old = get_locked(schema.name, key, error);
    if (error) return *error;
  }
  auto decision = decide(old);
  if (auto* e = std::get_if<DynamoError>(&decision)) return *e;
  Change& change = std::get<Change>(decision);
  if (change.action == Change::Action::kKeep || (change.action == Change::Action::kDelete && !old))
    return old;
  std::optional<std::string> item;
  if (change.action == Change::Action::kPut) item = std::move(change.item);
  // One statement needs no transaction or savepoint of its own: SQLite applies a statement
  // whole or not at all (in autocommit mode it is its own transaction). A full disk, an I/O
  // error or no memory rolls back a group's whole transaction, which run_group checks after
  // every job, as it does with savepoints. (Only a corrupt database fails such a statement
  // otherwise, where a savepoint could undo a half-done insert and this cannot.) Outside a
  // group, only in autocommit mode: a transaction left open would take the write in without
  // committing it, so BEGIN below reports that as it always did.
  if (one_statement && (grouping_ == this || sqlite3_get_autocommit(db_))) {
    // As begin_locked(): in a group SQLite has rolled back, the statement would commit alone.
    if (grouping_ == this && sqlite3_get_autocommit(db_)) return group_lost();
    if (auto e = write_locked(schema, key, old, item, change.size)) return *e;
    return old;
  }
  if (auto e = begin_locked()) return *e;
  if (auto e = write_locked(schema, key, old, item, change.size)) {
    rollback_locked();
    return *e;
  }
  if (auto e = commit_locked()) {
    rollback_locked();
    return *e;
  }
  return old;
}

std::variant<Store::Page, DynamoError> Store::scan(std::string_view table,
                                                   const std::optional<Key>& after,
                                                   std::size_t limit, std::size_t max_bytes,
                                                   const std::function<bool(const Key&)>& accept) {
  Guard lock(*this);
  if (auto e = open_locked()) return *e;
  Statement s(*statements_, db_,
              after ? "SELECT hk, rk, size, item FROM items WHERE tbl = ? AND "
                      "(hk, rk) > (?, ?) ORDER BY hk, rk"
                    : "SELECT hk, rk, size, item FROM items WHERE tbl = ? ORDER BY hk, rk");
  if (!s.ok()) return sqlite_error("scan the table");
  s.text(1, table);
  if (after) s.blob(2, after->hash).blob(3, after->range);
  Page page;
  std::size_t bytes = 0;
  std::size_t text = 0;
  for (;;) {
    int rc = s.step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return sqlite_error("scan the table");
    Key key{s.column_blob(0), s.column_blob(1)};
    if (accept && !accept(key)) continue;
    if (page.rows.size() == limit || bytes >= max_bytes || text >= kPageTextBytes) {
      page.more = true;
      break;
    }
    Row row{std::move(key), s.column_text(3), static_cast<std::size_t>(s.column_int(2))};
    bytes += row.size;
    text += row.item.size();
    page.rows.push_back(std::move(row));
  }
  return page;
}

std::variant<Store::Page, DynamoError> Store::query(std::string_view table, std::string_view hash,
                                                    const RangeCondition& range, bool forward,
                                                    const std::optional<std::string>& after,
                                                    std::size_t limit, std::size_t max_bytes) {
  Guard lock(*this);
  if (auto e = open_locked()) return *e;
  std::string sql = "SELECT hk, rk, size, item FROM items WHERE tbl = ? AND hk = ?";
  if (range.low) sql += range.low_inclusive ? " AND rk >= ?" : " AND rk > ?";
  if (range.high) sql += range.high_inclusive ? " AND rk <= ?" : " AND rk < ?";
  if (range.prefix) sql += " AND substr(rk, 1, ?) = ?";
  if (after) sql += forward ? " AND rk > ?" : " AND rk < ?";
  sql += forward ? " ORDER BY rk ASC" : " ORDER BY rk DESC";
  Statement s(*statements_, db_, sql.c_str());
  if (!s.ok()) return sqlite_error("query the table");
  int i = 0;
  s.text(++i, table);
  s.blob(++i, hash);
  if (range.low) s.blob(++i, *range.low);
  if (range.high) s.blob(++i, *range.high);
  if (range.prefix) {
    s.integer(++i, static_cast<std::int64_t>(range.prefix->size()));
    s.blob(++i, *range.prefix);
  }
  if (after) s.blob(++i, *after);
  Page page;
  std::size_t bytes = 0;
  std::size_t text = 0;
  for (;;) {
    int rc = s.step();
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return sqlite_error("query the table");
    if (page.rows.size() == limit || bytes >= max_bytes || text >= kPageTextBytes) {
      page.more = true;
      break;
    }
    Row row{Key{s.column_blob(0), s.column_blob(1)}, s.column_text(3),
            static_cast<std::size_t>(s.column_int(2))};
    bytes += row.size;
    text += row.item.size();
    page.rows.push_back(std::move(row));
  }
  return page;
}

std::optional<DynamoError> Store::write_batch(const std::vector<Write>& writes) {
  Guard lock(*this);
  if (auto e = open_locked()) return e;
  if (auto e = begin_locked()) return e;
  for (const Write& w : writes) {
    auto it = tables_.find(w.table);
    if (it == tables_.end() || it->second.table_id != w.table_id) {
      rollback_locked();
      return DynamoError::not_found();
    }
    std::optional<DynamoError> error;
    std::optional<std::string> old;
    // Only secondary indexes need the item being replaced or deleted.
    if (it->second.has_indexes()) old = get_locked(w.table, w.key, error);
    if (!error) error = write_locked(it->second, w.key, old, w.item, w.size);
    if (error) {
      rollback_locked();
      return error;
    }
  }
  if (auto e = commit_locked()) {
    rollback_locked();
    return e;
  }
  return std::nullopt;
}

std::optional<DynamoError> Store::write_locked(const TableSchema& table, const Key& key,
                                               const std::optional<std::string>& old,
                                               const std::optional<std::string>& item,
                                               std::size_t size) {
  if (table.has_indexes()) {
    if (auto e = write_index_entries_locked(table, key, old, item)) return e;
  }
  if (item) {
    Statement s(*statements_, db_,
                "INSERT OR REPLACE INTO items (tbl, hk, rk, size, item) VALUES (?, ?, ?, ?, ?)");
    if (!s.ok() || s.text(1, table.name)
                           .blob(2, key.hash)
                           .blob(3, key.range)
                           .integer(4, static_cast<std::int64_t>(size))
                           .text(5, *item)
                           .step() != SQLITE_DONE) {
      return sqlite_error("write the item");
    }
  } else {
    Statement s(*statements_, db_, "DELETE FROM items WHERE tbl = ? AND hk = ? AND rk = ?");
    if (!s.ok() ||
        s.text(1, table.name).blob(2, key.hash).blob(3, key.range).step() != SQLITE_DONE) {
      return sqlite_error("delete the item");
    }
  }
  return std::nullopt;
}

std::optional<DynamoError> Store::update_table(
    std::string_view name, const std::function<std::optional<DynamoError>(TableSchema&)>& edit) {
  Guard lock(*this);
  if (auto e = open_locked()) return e;
  auto it = tables_.find(name);
  if (it == tables_.end()) return DynamoError::not_found();
  TableSchema schema = it->second;
  if (auto e = edit(schema)) return e;
  // One transaction: the definition and the entries of indexes it adds or removes.
  if (auto e = begin_locked()) return e;
  auto fail = [this](DynamoError e) {
    rollback_locked();
    return std::optional<DynamoError>(std::move(e));
  };
  for (const auto& old : it->second.indexes) {
    if (!schema.index(old.name)) {
      if (auto e = drop_index_entries_locked(schema.name, old.name)) return fail(*e);
    }
  }
  for (const auto& added : schema.indexes) {
    if (!it->second.index(added.name)) {
      if (auto e = backfill_index_locked(schema, added)) return fail(*e);
    }
  }
  Statement s(*statements_, db_, "UPDATE tables SET schema = ? WHERE name = ?");
  if (!s.ok() || s.text(1, boost::json::serialize(schema.to_json())).text(2, schema.name).step() !=
                     SQLITE_DONE) {
    return fail(sqlite_error("update the table"));
  }
  if (auto e = commit_locked()) return fail(*e);
  it->second = std::move(schema);
  return std::nullopt;
}

}  // namespace gh::plugins::dynamodb
