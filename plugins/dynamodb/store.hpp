#pragma once
/// The embedded DynamoDB store: tables and items in one SQLite database (WAL journal,
/// synchronous=NORMAL: a committed write survives the gateway being killed; `:memory:` for
/// tests). Items are stored as their normalised DynamoDB JSON text under their table name and
/// the order-preserving bytes of their hash and range keys (attribute_value.hpp), in a
/// WITHOUT ROWID table whose primary key (table, hash, range) orders a partition's items by
/// range key as DynamoDB does.
///
/// A long-lived core::Services object: it outlives config reloads. Thread-safe: every call takes
/// the store's mutex around its SQLite statements (one connection; point reads and writes take
/// microseconds, a group of writes as long as its writes and its COMMIT). The database is opened
/// on first use, never while a config is only validated.
///
/// Group commit (run_group, driven by group_commit.hpp): writes that arrive together share one
/// SQLite transaction, so a page changed by many of them is written to the WAL once per group
/// instead of once per write.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "gateway/util/spinning_mutex.hpp"
#include "plugins/dynamodb/errors.hpp"
#include "plugins/dynamodb/table_schema.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace gh::plugins::dynamodb {

class WalCheckpointer;
class StatementCache;
}  // namespace gh::plugins::dynamodb

namespace gh::plugins::dynamodb {

class Store {
 public:
  /// `path`: the database file (its directory is created), or ":memory:".
  explicit Store(std::string path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& path() const noexcept { return path_; }

  // --- tables ---------------------------------------------------------------------------
  /// ResourceInUseException if it exists.
  std::optional<DynamoError> create_table(const TableSchema& schema);
  /// The table's schema, or nullopt.
  std::variant<TableSchema, DynamoError> table(std::string_view name);
  /// Names in order, starting after `after` (exclusive), at most `limit`; `more` says whether
  /// names remain.
  std::variant<std::vector<std::string>, DynamoError> table_names(std::string_view after,
                                                                  std::size_t limit, bool& more);
  /// Removes the table and its items (ResourceNotFoundException if absent); returns its schema.
  std::variant<TableSchema, DynamoError> delete_table(std::string_view name);
  struct Stats {
    std::int64_t items = 0;
    std::int64_t bytes = 0;
  };
  std::variant<Stats, DynamoError> stats(std::string_view table);

  /// Runs `jobs` in order on this thread, in one SQLite transaction, holding the store's lock
  /// throughout. The store calls a job makes take no lock of their own and open a savepoint
  /// instead of a transaction (none for a write that is one statement, atomic by itself), so a
  /// call that fails undoes only its own writes. Returns what
  /// kept the group from committing (opening the store, BEGIN or COMMIT failing): then no job's
  /// writes are kept, and every job must be answered with that error. A job should not throw:
  /// if one does, the group is rolled back and the exception goes on to the caller.
  std::optional<DynamoError> run_group(std::span<const std::function<void()>> jobs);

  // --- items ------------------------------------------------------------------------------
  struct Key {
    std::string hash;   // key_bytes() of the hash key
    std::string range;  // of the range key, "" without one
  };
  /// The stored item's JSON text, or nullopt.
  std::variant<std::optional<std::string>, DynamoError> get(std::string_view table, const Key& key);
  /// What a conditional write decides, having seen the stored item.
  struct Change {
    enum class Action { kKeep, kPut, kDelete } action = Action::kKeep;
    std::string item;  // kPut: the new item's JSON text
    std::size_t size = 0;
  };
  using Decide =
      std::function<std::variant<Change, DynamoError>(const std::optional<std::string>& old)>;
  /// Reads the item and applies what `decide` makes of it, under the store's lock, so no other
  /// write comes in between (ConditionExpression, UpdateItem). Returns the item as it was, or
  /// decide's error (nothing written). ResourceNotFoundException if `table` was deleted (or
  /// deleted and created again: its table_id tells) since the caller looked it up.
  /// `needs_old` false: neither `decide` nor the caller looks at the item as it was (a PutItem
  /// with no condition, ReturnValues or ReturnConsumedCapacity). It is then read only when the
  /// table's indexes need it, `decide` sees nullopt, and so does the caller.
  std::variant<std::optional<std::string>, DynamoError> mutate(const TableSchema& table,
                                                               const Key& key, const Decide& decide,
                                                               bool needs_old);

  /// One item as a page read returns it.
  struct Row {
    Key key;
    std::string item;  // JSON text
    std::size_t size = 0;
  };
  struct Page {
    std::vector<Row> rows;
    bool more = false;  // rows remain after the last one returned
  };
  /// Items of `table` in key order after `after` (exclusive; nullopt: from the first), for a
  /// Scan page: at most `limit` rows for which `accept(key)` holds, stopping after the row
  /// whose sizes reach `max_bytes` (DynamoDB's 1 MB page includes the item that crosses it).
  std::variant<Page, DynamoError> scan(std::string_view table, const std::optional<Key>& after,
                                       std::size_t limit, std::size_t max_bytes,
                                       const std::function<bool(const Key&)>& accept);

  /// The sort-key part of a Query's key condition, on key bytes: lower and upper bounds and/or
  /// a prefix (begins_with on S and B keys).
  struct RangeCondition {
    std::optional<std::string> low;
    bool low_inclusive = true;
    std::optional<std::string> high;
    bool high_inclusive = true;
    std::optional<std::string> prefix;
  };
  /// The items of one partition whose range key satisfies `range`, in range-key order
  /// (descending unless `forward`), after `after` (the range key bytes of the last item of the
  /// previous page), with the same page rules as scan().
  std::variant<Page, DynamoError> query(std::string_view table, std::string_view hash,
                                        const RangeCondition& range, bool forward,
                                        const std::optional<std::string>& after, std::size_t limit,
                                        std::size_t max_bytes);

  /// A put (item set) or a delete (item unset) for write_batch().
  struct Write {
    std::string table;
    std::string table_id;  // the table as the caller found it (see mutate())
    Key key;
    std::optional<std::string> item;
    std::size_t size = 0;
  };
  /// Applies every write in one transaction: all of them or none.
  std::optional<DynamoError> write_batch(const std::vector<Write>& writes);

  // --- secondary indexes (store_indexes.cpp) -----------------------------------------------
  /// A position in an index: the index key, then the table key (entries with equal index keys
  /// are ordered by the table key).
  struct IndexPosition {
    std::string hash;
    std::string range;
    Key table;
  };
  /// Query on an index: the items whose index hash key is `hash` and range key satisfies
  /// `range`, in index order, with query()'s page rules. Rows carry the table's key and item.
  std::variant<Page, DynamoError> query_index(const TableSchema& table, const SecondaryIndex& index,
                                              std::string_view hash, const RangeCondition& range,
                                              bool forward,
                                              const std::optional<IndexPosition>& after,
                                              std::size_t limit, std::size_t max_bytes);
  /// Scan on an index; `accept` sees the index hash key bytes (parallel scan segments).
  std::variant<Page, DynamoError> scan_index(
      const TableSchema& table, const SecondaryIndex& index,
      const std::optional<IndexPosition>& after, std::size_t limit, std::size_t max_bytes,
      const std::function<bool(std::string_view index_hash)>& accept);
  /// Items in the index and the sizes of those items.
  std::variant<Stats, DynamoError> index_stats(const TableSchema& table,
                                               const SecondaryIndex& index);

  // --- transactions (store_transactions.cpp) ----------------------------------------------
  /// One item of a TransactWriteItems: `decide` sees the stored item as mutate()'s does.
  struct Mutation {
    const TableSchema* table = nullptr;
    Key key;
    Decide decide;
  };
  struct Outcome {
    std::optional<std::string> old;      // the item as it was
    std::optional<DynamoError> refused;  // what its decide answered instead of a Change
  };
  /// Reads every item and asks its decide, under the lock and in one SQLite transaction. If
  /// any decide refuses, nothing is written and the outcomes say which refused (and what each
  /// item was); otherwise every change is committed. ResourceNotFoundException if a table was
  /// deleted since the caller looked it up; a store failure writes nothing.
  std::variant<std::vector<Outcome>, DynamoError> mutate_all(const std::vector<Mutation>& items);
  /// TransactGetItems: every item read under the lock, so no write lands between two reads.
  std::variant<std::vector<std::optional<std::string>>, DynamoError> get_all(
      const std::vector<std::pair<const TableSchema*, Key>>& reads);

  // --- time to live (store_expiry.cpp) ----------------------------------------------------
  /// Deletes up to `limit` items of `table` whose `attribute` is a number (epoch seconds)
  /// below `now`, as the TTL sweeper does; returns how many it deleted.
  std::variant<std::size_t, DynamoError> expire(const TableSchema& table,
                                                std::string_view attribute, std::int64_t now,
                                                std::size_t limit);
  /// Whether the database has been opened (by a request): the TTL sweeper never opens it, so
  /// `validate` and `routes` never touch the disk.
  bool is_open();

  /// Changes a table's stored definition (tags, TTL settings) with `edit`, under the lock, so
  /// concurrent edits compose; ResourceNotFoundException if the table is gone.
  std::optional<DynamoError> update_table(
      std::string_view name, const std::function<std::optional<DynamoError>(TableSchema&)>& edit);

 private:
  /// The store's lock, taken by every call, except on the thread running a group, which
  /// already holds it (run_group).
  class Guard {
   public:
    explicit Guard(Store& store) : store_(grouping_ == &store ? nullptr : &store) {
      if (store_) store_->mutex_.lock();
    }
    ~Guard() {
      if (store_) store_->mutex_.unlock();
    }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    Store* store_;
  };
  /// The store whose group this thread is running, if any.
  static thread_local const Store* grouping_;

  /// A write's transaction: BEGIN IMMEDIATE / COMMIT, or inside a group a savepoint and its
  /// RELEASE. rollback_locked() undoes whichever is open.
  std::optional<DynamoError> begin_locked();
  std::optional<DynamoError> commit_locked();
  /// The error of a group whose transaction SQLite rolled back by itself.
  DynamoError group_lost() const;
  std::optional<DynamoError> open_locked();
  /// One-off SQL (the schema, pragmas), parsed each time.
  std::optional<DynamoError> exec_locked(const char* sql);
  /// A transaction-control statement, kept prepared in the statement cache.
  std::optional<DynamoError> control_locked(const char* sql);
  DynamoError exec_failed(int rc, std::string text) const;
  DynamoError sqlite_error(std::string_view what) const;
  std::optional<std::string> get_locked(std::string_view table, const Key& key,
                                        std::optional<DynamoError>& error);
  /// The one place items are written (`item` set) or deleted, with their secondary-index
  /// entries; `old` is the stored item (needed only when the table has indexes). Inside a
  /// transaction or savepoint the caller opened, except for a table without indexes, where it
  /// is one statement (see mutate()).
  std::optional<DynamoError> write_locked(const TableSchema& table, const Key& key,
                                          const std::optional<std::string>& old,
                                          const std::optional<std::string>& item, std::size_t size);
  /// write_locked's index part: replaces the entries of `old` with those of `item`.
  std::optional<DynamoError> write_index_entries_locked(const TableSchema& table, const Key& key,
                                                        const std::optional<std::string>& old,
                                                        const std::optional<std::string>& item);
  /// Fills the entries of `index` from the table's items (a GSI added by UpdateTable); items
  /// whose index key has the wrong type are left out, as DynamoDB's backfill does.
  std::optional<DynamoError> backfill_index_locked(const TableSchema& table,
                                                   const SecondaryIndex& index);
  /// Removes every entry of index `index_name` of `table` ("" : of all its indexes).
  std::optional<DynamoError> drop_index_entries_locked(std::string_view table,
                                                       std::string_view index_name);
  /// Ends an open transaction after a failure (a failed COMMIT can leave one open); in a group,
  /// rolls back and releases the open savepoint.
  void rollback_locked();
  /// Whether `name` still is the table with `table_id`.
  bool same_table_locked(std::string_view name, std::string_view table_id) const;

  std::string path_;
  util::SpinningMutex mutex_;
  sqlite3* db_ = nullptr;
  int savepoints_ = 0;  // open inside the running group (0 or 1)
  /// db_'s statements kept prepared (cleared before db_ closes).
  std::unique_ptr<StatementCache> statements_;
  /// On disk only: copies the WAL back beside the writes (wal_checkpointer.hpp).
  std::unique_ptr<WalCheckpointer> checkpointer_;
  std::map<std::string, TableSchema, std::less<>> tables_;  // cached from the tables table
};

}  // namespace gh::plugins::dynamodb
