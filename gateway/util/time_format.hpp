#pragma once
/// Time formats AWS uses. Thread-safe; the HTTP Date value is cached per thread per second.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gh::util {

using SystemTime = std::chrono::system_clock::time_point;

/// "10/Mar/2020:00:03:59 +0000" ($context.requestTime, CLF).
std::string clf_time(SystemTime t);
/// "Tue, 10 Mar 2020 00:03:59 GMT" (HTTP Date). Returns a per-thread cached view, valid until
/// the next call on the same thread.
std::string_view http_date_now();
std::string http_date(SystemTime t);
/// "2020-03-10T00:03:59.123Z"
std::string iso8601_millis(SystemTime t);
/// ISO 8601 extended form as IAM and STS write times: "2026-12-02", "2026-12-02T10:00Z",
/// "2026-12-02T10:00:00.5Z", "2026-12-02T11:00:00+01:00" (no zone = UTC). nullopt otherwise.
std::optional<SystemTime> parse_iso8601(std::string_view text);
/// Seconds since the Unix epoch of a UTC calendar time, as timegm() counts them (a day past the
/// month's end rolls into the next) but without its time-zone and locale work. `month` must be
/// 1..12 (callers check it; timegm would also roll months over).
std::int64_t utc_epoch_seconds(int year, int month, int day, int hour, int minute, int second);
/// Milliseconds since the Unix epoch ($context.requestTimeEpoch).
std::int64_t epoch_millis(SystemTime t);

}  // namespace gh::util
