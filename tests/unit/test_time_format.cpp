// Time formats: ISO 8601 parsing (util::parse_iso8601), as IAM conditions and STS expirations write
// times, and the UTC calendar arithmetic (utc_epoch_seconds).
#include <doctest/doctest.h>

#include <array>
#include <ctime>
#include <vector>

#include "gateway/util/time_format.hpp"

namespace {
double epoch(const char* text) {
  auto t = gh::util::parse_iso8601(text);
  REQUIRE(t);
  return std::chrono::duration<double>(t->time_since_epoch()).count();
}
}  // namespace

TEST_CASE("parse_iso8601: dates, times, fractions and zones") {
  CHECK(epoch("1970-01-01") == 0);
  CHECK(epoch("2026-12-02T10:00:00Z") == 1796205600);
  CHECK(epoch("2026-12-02T10:00Z") == 1796205600);
  CHECK(epoch("2026-12-02T10:00:00") == 1796205600);
  CHECK(epoch("2026-12-02T11:00:00+01:00") == 1796205600);
  CHECK(epoch("2026-12-02T09:30:00-00:30") == 1796205600);
  CHECK(epoch("2026-12-02T10:00:00.5Z") == doctest::Approx(1796205600.5));
  for (const char* bad : {"", "2026-12-02T", "2026-13-01", "2026-12-02 10:00:00",
                          "20261202T100000Z", "2026-12-02T10:00:00+0100", "2026-12-02T25:00:00Z",
                          "2026-12-02Tx", "2026-12-02T10:00:00Zjunk"}) {
    CAPTURE(std::string(bad));
    CHECK_FALSE(gh::util::parse_iso8601(bad));
  }
}

TEST_CASE("utc_epoch_seconds counts as timegm does, rollover included") {
  for (auto [y, mo, d, h, mi, s] : std::vector<std::array<int, 6>>{{1970, 1, 1, 0, 0, 0},
                                                                   {2000, 2, 29, 23, 59, 59},
                                                                   {2026, 12, 2, 10, 0, 0},
                                                                   {2026, 2, 31, 0, 0, 0},
                                                                   {2100, 3, 1, 12, 30, 60},
                                                                   {1969, 12, 31, 23, 59, 59}}) {
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    CAPTURE(y);
    CAPTURE(mo);
    CAPTURE(d);
    CHECK(gh::util::utc_epoch_seconds(y, mo, d, h, mi, s) ==
          static_cast<std::int64_t>(timegm(&tm)));
  }
}
