#include "plugins/api_key/quota_store.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace gh::plugins::api_key {

namespace chr = std::chrono;

std::int64_t epoch_day(chr::system_clock::time_point t) {
  return chr::floor<chr::days>(t).time_since_epoch().count();
}

std::int64_t period_start(std::int64_t day, QuotaPeriod period) {
  switch (period) {
    case QuotaPeriod::kDay:
      return day;
    case QuotaPeriod::kWeek:
      // Weeks start on Monday, 00:00 UTC (ISO 8601). AWS does not document the week's first
      // day (UNVERIFIED); 1970-01-01 was a Thursday, day 4 of its ISO week.
      return day - ((day % 7 + 7 + 3) % 7);
    case QuotaPeriod::kMonth: {
      chr::year_month_day ymd{chr::sys_days{chr::days{day}}};
      return chr::sys_days{ymd.year() / ymd.month() / 1}.time_since_epoch().count();
    }
  }
  return day;
}

std::string day_text(std::int64_t day) {
  chr::year_month_day ymd{chr::sys_days{chr::days{day}}};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

std::optional<std::int64_t> parse_day(std::string_view text) {
  int y = 0;
  unsigned m = 0, d = 0;
  int n = 0;
  std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2u-%2u%n", &y, &m, &d, &n) != 3 || n != 10 || s.size() != 10) {
    return std::nullopt;
  }
  chr::year_month_day ymd{chr::year{y}, chr::month{m}, chr::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return chr::sys_days{ymd}.time_since_epoch().count();
}

// --- Counter --------------------------------------------------------------------------------

bool QuotaStore::Counter::consume(std::int64_t day, const Quota* quota) {
  std::lock_guard lock(mutex_);
  if (first_day_ < 0) first_day_ = day;
  if (quota) {
    std::int64_t start = period_start(day, quota->period);
    std::int64_t used = 0;
    for (auto it = days_.lower_bound(start); it != days_.end() && it->first <= day; ++it) {
      used += it->second;
    }
    std::int64_t limit = quota->limit;
    if (period_start(first_day_, quota->period) == start) limit -= quota->offset;
    if (used >= limit) return false;
  }
  ++days_[day];
  // Keep a little over a year of history (GetUsage looks back at most 90 days on AWS).
  while (!days_.empty() && days_.begin()->first < day - 400) days_.erase(days_.begin());
  if (dirty_) dirty_->store(true, std::memory_order_relaxed);
  return true;
}

std::int64_t QuotaStore::Counter::on(std::int64_t day) const {
  std::lock_guard lock(mutex_);
  auto it = days_.find(day);
  return it == days_.end() ? 0 : it->second;
}

std::int64_t QuotaStore::Counter::used_in_period(std::int64_t day, QuotaPeriod period) const {
  std::lock_guard lock(mutex_);
  std::int64_t used = 0;
  for (auto it = days_.lower_bound(period_start(day, period));
       it != days_.end() && it->first <= day; ++it) {
    used += it->second;
  }
  return used;
}

std::int64_t QuotaStore::Counter::remaining(std::int64_t day, const Quota& quota) const {
  std::int64_t used = used_in_period(day, quota.period);
  std::int64_t limit = quota.limit;
  {
    std::lock_guard lock(mutex_);
    // The offset applies to the key's first period; a key not used yet is still in it.
    if (first_day_ < 0 ||
        period_start(first_day_, quota.period) == period_start(day, quota.period)) {
      limit -= quota.offset;
    }
  }
  return std::max<std::int64_t>(0, limit - used);
}

// --- QuotaStore -----------------------------------------------------------------------------

QuotaStore::QuotaStore() = default;

QuotaStore::~QuotaStore() { stop(); }

QuotaStore::Counter& QuotaStore::counter(const std::string& plan_id, const std::string& key_id) {
  std::lock_guard lock(map_mutex_);
  auto& slot = counters_[plan_id + "\n" + key_id];
  if (!slot) {
    slot = std::make_unique<Counter>();
    slot->dirty_ = &dirty_;
  }
  return *slot;
}

bool QuotaStore::load(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return true;  // no file yet: nothing counted
  std::stringstream buf;
  buf << in.rdbuf();
  boost::system::error_code ec;
  boost::json::value doc = boost::json::parse(buf.str(), ec);
  if (ec || !doc.is_object()) {
    error = "not a JSON object";
    return false;
  }
  const auto* plans = doc.as_object().if_contains("plans");
  if (!plans || !plans->is_object()) {
    error = "no \"plans\" object";
    return false;
  }
  for (const auto& [plan, keys] : plans->as_object()) {
    if (!keys.is_object()) continue;
    for (const auto& [key, entry] : keys.as_object()) {
      if (!entry.is_object()) continue;
      Counter& c = counter(std::string(plan), std::string(key));
      std::lock_guard lock(c.mutex_);
      if (const auto* first = entry.as_object().if_contains("firstDay");
          first && first->is_string()) {
        if (auto d = parse_day(first->as_string())) c.first_day_ = *d;
      }
      if (const auto* days = entry.as_object().if_contains("days"); days && days->is_object()) {
        for (const auto& [day, count] : days->as_object()) {
          auto d = parse_day(day);
          if (d && count.is_int64()) c.days_[*d] = count.as_int64();
        }
      }
    }
  }
  return true;
}

bool QuotaStore::save(std::string& error) const {
  boost::json::object plans;
  {
    std::lock_guard lock(map_mutex_);
    for (const auto& [name, c] : counters_) {
      auto nl = name.find('\n');
      boost::json::object entry;
      boost::json::object days;
      std::lock_guard clock(c->mutex_);
      if (c->first_day_ < 0) continue;
      entry["firstDay"] = day_text(c->first_day_);
      for (const auto& [day, count] : c->days_) days[day_text(day)] = count;
      entry["days"] = std::move(days);
      auto& plan = plans[name.substr(0, nl)];
      if (!plan.is_object()) plan = boost::json::object();
      plan.as_object()[name.substr(nl + 1)] = std::move(entry);
    }
  }
  boost::json::object doc;
  doc["version"] = 1;
  doc["plans"] = std::move(plans);
  std::string text = boost::json::serialize(doc) + "\n";
  std::filesystem::path target(path_);
  std::error_code fs_ec;
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path(), fs_ec);
  std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = std::string("cannot write ") + tmp + ": " + std::strerror(errno);
    return false;
  }
  std::size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = std::string("cannot write ") + tmp + ": " + std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return false;
    }
    off += static_cast<std::size_t>(n);
  }
  bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || ::rename(tmp.c_str(), path_.c_str()) != 0) {
    error = std::string("cannot replace ") + path_ + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

bool QuotaStore::start(const std::string& path) {
  std::lock_guard lock(writer_mutex_);
  if (writer_.joinable() || path.empty()) return false;
  path_ = path;
  std::string error;
  if (!load(path, error)) {
    std::string aside = path + ".corrupt";
    std::rename(path.c_str(), aside.c_str());
    spdlog::error("usage state file {}: {}; kept as {}, counting from zero", path, error, aside);
  }
  stopping_ = false;
  writer_ = std::thread([this] { run_writer(); });
  return true;
}

void QuotaStore::run_writer() {
  std::unique_lock lock(writer_mutex_);
  bool warned = false;
  while (true) {
    writer_cv_.wait_for(lock, chr::seconds(1), [this] { return stopping_; });
    bool last = stopping_;
    if (dirty_.exchange(false)) {
      lock.unlock();
      std::string error;
      if (!save(error)) {
        dirty_ = true;  // try again next second (a full disk may drain)
        if (!warned) spdlog::error("usage state not saved: {}", error);
        warned = true;
      } else {
        warned = false;
      }
      lock.lock();
    }
    if (last) return;
  }
}

void QuotaStore::stop() {
  {
    std::lock_guard lock(writer_mutex_);
    if (!writer_.joinable()) return;
    stopping_ = true;
  }
  writer_cv_.notify_all();
  writer_.join();
}

}  // namespace gh::plugins::api_key
