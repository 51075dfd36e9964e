#pragma once
/// QuotaStore (a Service): how many requests each API key made under each usage plan, per UTC
/// day, and the quota check on top of it (aws-behaviour.md §5.3). Counters survive config
/// reloads (the service outlives snapshots) and restarts: once started, the store writes its
/// state to a small JSON file within a second of a change (temporary file + fsync + rename, so
/// a crash leaves the old or the new file, never half of one) and at shutdown.
///
/// consume() is called on request threads and locks only the counter of that plan and key.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace gh::plugins::api_key {

enum class QuotaPeriod { kDay, kWeek, kMonth };

struct Quota {
  std::int64_t limit = 0;
  std::int64_t offset = 0;  // subtracted from the limit in the first period (AWS's offset)
  QuotaPeriod period = QuotaPeriod::kDay;
};

/// Days since 1970-01-01 (UTC) of `t`.
std::int64_t epoch_day(std::chrono::system_clock::time_point t);
/// First day of the period holding `day`: itself, the Monday before, or the 1st of its month.
std::int64_t period_start(std::int64_t day, QuotaPeriod period);
/// "2026-12-02" <-> day numbers.
std::string day_text(std::int64_t day);
std::optional<std::int64_t> parse_day(std::string_view text);

class QuotaStore {
 public:
  /// One plan's counts for one key. Stable address for the life of the store.
  class Counter {
   public:
    /// Counts a request on `day` if `quota` (when given) still allows one.
    bool consume(std::int64_t day, const Quota* quota);
    /// Requests on `day`.
    std::int64_t on(std::int64_t day) const;
    /// Requests in `quota`'s period holding `day`, up to and including `day`, and the quota
    /// left after them.
    std::int64_t used_in_period(std::int64_t day, QuotaPeriod period) const;
    std::int64_t remaining(std::int64_t day, const Quota& quota) const;

   private:
    friend class QuotaStore;
    mutable std::mutex mutex_;
    std::int64_t first_day_ = -1;  // first day this key was counted under the plan
    std::map<std::int64_t, std::int64_t> days_;
    std::atomic<bool>* dirty_ = nullptr;
  };

  QuotaStore();
  ~QuotaStore();
  QuotaStore(const QuotaStore&) = delete;
  QuotaStore& operator=(const QuotaStore&) = delete;

  /// The counter of `key_id` under `plan_id` (created empty).
  Counter& counter(const std::string& plan_id, const std::string& key_id);

  /// Reads `path` if it exists (a corrupt file is reported and kept aside as `path.corrupt`),
  /// then writes changes back to it. Only the first call has an effect (and returns true).
  bool start(const std::string& path);
  /// Writes pending changes and stops the writer thread.
  void stop();
  /// Reads a state file into this (stopped) store; false with `error` set when unreadable.
  bool load(const std::string& path, std::string& error);

 private:
  void run_writer();
  bool save(std::string& error) const;

  mutable std::mutex map_mutex_;
  std::unordered_map<std::string, std::unique_ptr<Counter>> counters_;  // "plan\nkey"
  std::atomic<bool> dirty_{false};
  std::string path_;
  std::mutex writer_mutex_;
  std::condition_variable writer_cv_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace gh::plugins::api_key
