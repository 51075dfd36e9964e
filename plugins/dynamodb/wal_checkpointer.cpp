#include "plugins/dynamodb/wal_checkpointer.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <chrono>

namespace gh::plugins::dynamodb {

WalCheckpointer::WalCheckpointer(std::string path, sqlite3* writer)
    : path_(std::move(path)), writer_(writer) {
  thread_ = std::thread([this] { run(); });
  sqlite3_wal_hook(writer_, &WalCheckpointer::on_commit, this);
}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_hook(writer_, nullptr, nullptr);
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
  if (db_) sqlite3_close_v2(db_);
}

int WalCheckpointer::on_commit(void* self, sqlite3* db, const char*, int frames) {
  static_cast<WalCheckpointer*>(self)->committed(db, frames);
  return SQLITE_OK;
}

void WalCheckpointer::committed(sqlite3* db, int frames) {
  // The log restarted (the thread's checkpoint finished what a busy catch-up left): let the
  // thread work again.
  if (holding_ && frames < kCatchUpFrames) release();
  if (frames < kWakeFrames) return;
  if (frames < kCatchUpFrames) {
    // A checkpoint after every commit past kWakeFrames, as SQLite's own would, but here: each
    // is small, so the catch-up below finds little left. (Fewer, larger ones, every 100 or
    // 500 frames, measured the same throughput and a longer tail.)
    bool wake;
    {
      std::lock_guard lock(mutex_);
      wake = !pending_;
      pending_ = true;
    }
    if (wake) wake_.notify_one();
    return;
  }
  // The log keeps growing under a steady stream of writes: copy what the thread has not. The
  // thread starts no new checkpoint meanwhile; one it is running makes this one busy, and the
  // next commit tries again (or, if the log restarts first, the check above lets it go).
  if (!holding_) {
    holding_ = true;
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  int log = 0, copied = 0;
  int rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
  if (rc == SQLITE_BUSY || (rc == SQLITE_OK && copied < log)) return;
  if (rc != SQLITE_OK) warn("checkpoint", db);
  release();
}

void WalCheckpointer::release() {
  holding_ = false;
  {
    std::lock_guard lock(mutex_);
    held_ = false;
  }
  wake_.notify_one();  // it may have been woken meanwhile, and gone back to waiting
}

void WalCheckpointer::warn(const char* what, sqlite3* db) {
  // A full disk fails every checkpoint until space is freed: one line a minute says so.
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    if (now < quiet_until_) return;
    quiet_until_ = now + std::chrono::minutes(1);
  }
  spdlog::warn("dynamodb store {}: cannot {}: {} (the write-ahead log grows meanwhile)", path_,
               what, db ? sqlite3_errmsg(db) : "out of memory");
}

void WalCheckpointer::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || (pending_ && !held_); });
    if (stop_) return;
    pending_ = false;
    lock.unlock();
    checkpoint();
    lock.lock();
  }
}

void WalCheckpointer::checkpoint() {
  if (!db_) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                             "unix-excl");
    if (rc == SQLITE_OK) {
      rc = sqlite3_exec(db, "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr);
    }
    if (rc != SQLITE_OK) {
      warn("open a connection to checkpoint with", db);
      if (db) sqlite3_close_v2(db);
      return;  // the writer catches up by itself past kCatchUpFrames
    }
    db_ = db;
  }
  int log = 0, copied = 0;
  int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) warn("checkpoint", db_);
}

}  // namespace gh::plugins::dynamodb
