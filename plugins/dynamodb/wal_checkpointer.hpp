#pragma once
/// WalCheckpointer: copies the store's write-ahead log back into its database file on a thread
/// of its own, through a second SQLite connection, so that writes do not wait for it.
///
/// Why: SQLite's automatic checkpoint runs inside the COMMIT that takes the log past 1,000
/// pages: that commit copies every page back and flushes the database file while holding the
/// store's lock, so every read and write waits behind it (a PutItem p99 of ~20 ms) and each
/// page was read back from the log and written again on the write path (about 3.6 of the 7.4
/// file calls a PutItem cost). Here the copying and the flush happen beside the writes.
///
/// How: the store's connection reports each commit's log size through SQLite's WAL hook
/// (which replaces the automatic checkpoint). Past kWakeFrames the thread runs PASSIVE
/// checkpoints, which never block the writer. A log is restarted from its beginning only by a
/// write that starts when every frame has been copied, which a steady stream of writes never
/// lets happen, so past kCatchUpFrames the committing thread itself copies what is left (a
/// few pages and one flush, with the thread held off meanwhile), and the next write restarts
/// the log.
///
/// Both connections use the "unix-excl" VFS: this process holds the database's lock against
/// other processes (as locking_mode=EXCLUSIVE did), while its own connections share the WAL
/// index in heap memory, with no shared-memory file and no file lock per transaction.
/// Durability is unchanged: a commit is in the log before it returns; a checkpoint flushes the
/// database before the log may be reused (synchronous=NORMAL on both connections).

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace gh::plugins::dynamodb {

class WalCheckpointer {
 public:
  /// Log size at which the thread is woken, and at which the writer finishes the job itself.
  static constexpr int kWakeFrames = 1000;
  static constexpr int kCatchUpFrames = 4000;

  /// `path`: the database file the store's connection `writer` has open in WAL mode.
  WalCheckpointer(std::string path, sqlite3* writer);
  /// Stops the thread and closes its connection; call before closing the writer's.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

 private:
  static int on_commit(void* self, sqlite3* db, const char* name, int frames);
  /// On the writer's thread, after a commit that left `frames` frames in the log.
  void committed(sqlite3* db, int frames);
  /// On the writer's thread: ends a catch-up's hold on the thread.
  void release();
  void run();
  /// On the thread: a PASSIVE checkpoint on its own connection (opened on first use).
  void checkpoint();
  /// Logs a failure, at most once a minute.
  void warn(const char* what, sqlite3* db);

  std::string path_;
  sqlite3* writer_;
  sqlite3* db_ = nullptr;  // the thread's connection
  std::mutex mutex_;
  std::condition_variable wake_;
  bool pending_ = false;  // the log is past kWakeFrames
  bool held_ = false;     // the writer is catching up: no new checkpoint here meanwhile
  bool holding_ = false;  // the writer's copy of held_ (read without the mutex on each commit)
  bool stop_ = false;
  std::chrono::steady_clock::time_point quiet_until_;
  std::thread thread_;
};

}  // namespace gh::plugins::dynamodb
