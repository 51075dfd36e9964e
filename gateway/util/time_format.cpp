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

std::int64_t utc_epoch_seconds(int year, int month, int day, int hour, int minute, int second) {
  std::chrono::sys_days first = std::chrono::year_month_day(
      std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
      std::chrono::day(1));
  std::int64_t days = first.time_since_epoch().count() + day - 1;
  return days * 86400 + std::int64_t{hour} * 3600 + minute * 60 + second;
}

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
  // The precise clock: the coarse one (the last tick) lags it by up to a tick, so just after a
  // second boundary a Date would name the second before, and an S3 PUT's Date could precede the
  // object's Last-Modified (a client echoing it in If-Unmodified-Since would get a 412).
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

std::optional<SystemTime> parse_iso8601(std::string_view s) {
  std::string text(s);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, n = 0;
  double sec = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10) {
    return std::nullopt;
  }
  std::size_t pos = 10;
  double offset = 0;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == 't')) {
    int m = 0;
    if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d%n", &h, &mi, &m) != 2 || m != 5) {
      return std::nullopt;
    }
    pos += 1 + static_cast<std::size_t>(m);
    if (pos < text.size() && text[pos] == ':') {
      char* end = nullptr;
      sec = std::strtod(text.c_str() + pos + 1, &end);
      if (end == text.c_str() + pos + 1) return std::nullopt;
      pos = static_cast<std::size_t>(end - text.c_str());
    }
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
      ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      int oh = 0, om = 0;
      if (pos + 6 != text.size() || std::sscanf(text.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2) {
        return std::nullopt;
      }
      offset = (text[pos] == '+' ? 1 : -1) * (oh * 3600.0 + om * 60.0);
      pos += 6;
    }
  }
  if (pos != text.size() || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec < 0 ||
      sec >= 61) {
    return std::nullopt;
  }
  double seconds = static_cast<double>(utc_epoch_seconds(y, mo, d, h, mi, 0)) + sec - offset;
  return SystemTime(
      std::chrono::duration_cast<SystemTime::duration>(std::chrono::duration<double>(seconds)));
}

}  // namespace gh::util
