// ISO 8601 parsing (util::parse_iso8601): the forms IAM conditions and STS expirations use.
#include <doctest/doctest.h>

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
