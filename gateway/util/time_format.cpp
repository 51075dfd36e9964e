#include "gateway/util/time_format.hpp"

#include <cstdio>
#include <ctime>

namespace gh::util {

namespace {
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

std::tm utc(std::time_t secs) {
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}
}  // namespace

std::int64_t epoch_millis(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string clf_time(SystemTime t) {
  std::tm tm = utc(std::chrono::system_clock::to_time_t(t));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%02d/%s/%04d:%02d:%02d:%02d +0000", tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string http_date(SystemTime t) {
  std::tm tm = utc(std::chrono::system_clock::to_time_t(t));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::string_view http_date_now() {
  thread_local std::time_t cached_second = -1;
  thread_local std::string cached;
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  if (secs != cached_second) {
    cached = http_date(now);
    cached_second = secs;
  }
  return cached;
}

std::string iso8601_millis(SystemTime t) {
  auto ms = epoch_millis(t);
  std::tm tm = utc(static_cast<std::time_t>(ms / 1000));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

}  // namespace gh::util
