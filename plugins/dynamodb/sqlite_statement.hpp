#pragma once
/// A prepared SQLite statement for the store's files (store.cpp and its store_*.cpp parts).
/// Internal to the DynamoDB plugin.

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace gh::plugins::dynamodb {

/// Statements kept prepared for reuse, by their SQL text: preparing costs more than running a
/// point lookup or an insert. Each is lent to one Statement at a time (a second user of the same
/// SQL meanwhile prepares its own). Guarded by the store's mutex, like the connection; clear()
/// it before the connection closes, while no statement is lent.
class StatementCache {
 public:
  struct Entry {
    sqlite3_stmt* stmt = nullptr;
    bool lent = false;
  };
  StatementCache() = default;
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;
  ~StatementCache() { clear(); }

  /// The entry for `sql`, prepared on first use, or nullptr when it is lent or the cache is full
  /// (generated SQL could otherwise grow it without bound). A failed prepare sets `rc` (and
  /// returns nullptr): the caller reports it without preparing again.
  Entry* lend(sqlite3* db, const char* sql, int& rc) {
    rc = SQLITE_OK;
    auto it = entries_.find(std::string_view(sql));
    if (it == entries_.end()) {
      if (entries_.size() >= kMaxEntries) return nullptr;
      sqlite3_stmt* stmt = nullptr;
      rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
      if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return nullptr;
      }
      it = entries_.emplace(sql, Entry{stmt, false}).first;
    }
    if (it->second.lent) return nullptr;
    it->second.lent = true;
    return &it->second;
  }
  void clear() {
    for (auto& [sql, entry] : entries_) sqlite3_finalize(entry.stmt);
    entries_.clear();
  }

 private:
  // The store's fixed statements plus the generated query forms (key condition × start key ×
  // direction, for tables and for indexes) fit with room to spare.
  static constexpr std::size_t kMaxEntries = 256;
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;
};

class Statement {
 public:
  /// Prepared now, finalised when it goes out of scope.
  Statement(sqlite3* db, const char* sql) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  /// Borrowed from `cache` (reset and returned when it goes out of scope), or prepared now
  /// when the cache cannot lend it.
  Statement(StatementCache& cache, sqlite3* db, const char* sql) {
    int rc = SQLITE_OK;
    entry_ = cache.lend(db, sql, rc);
    if (entry_) {
      stmt_ = entry_->stmt;
      rc_ = SQLITE_OK;
    } else if (rc != SQLITE_OK) {
      rc_ = rc;  // the prepare failed: reported by ok() and sqlite3_errmsg, not tried again
    } else {     // lent meanwhile, or the cache is full
      rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
    }
  }
  ~Statement() {
    if (entry_) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
      entry_->lent = false;
    } else {
      sqlite3_finalize(stmt_);
    }
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const noexcept { return rc_ == SQLITE_OK; }
  /// The prepare's result code (SQLITE_OK when ok()).
  int prepare_rc() const noexcept { return rc_; }
  Statement& text(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& blob(int i, std::string_view v) {
    // A zero-length blob, not NULL, for tables without a range key.
    sqlite3_bind_blob(stmt_, i, v.empty() ? "" : v.data(), static_cast<int>(v.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Statement& integer(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  /// SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(stmt_); }
  /// Ready to bind and step again.
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string column_blob(int i) {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, i));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)))
             : std::string();
  }
  std::string column_text(int i) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)))
             : std::string();
  }
  std::int64_t column_int(int i) { return sqlite3_column_int64(stmt_, i); }

 private:
  StatementCache::Entry* entry_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

}  // namespace gh::plugins::dynamodb
