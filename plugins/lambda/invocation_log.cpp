#include "plugins/lambda/invocation_log.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>

#include "gateway/util/encoding.hpp"
#include "gateway/util/ids.hpp"

namespace gh::plugins::lambda {

namespace {
constexpr std::size_t kTailBytes = 4096;
}  // namespace

std::string millis_text(std::chrono::steady_clock::duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", std::chrono::duration<double, std::milli>(d).count());
  return buf;
}

std::string log_stream_name() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char date[16];
  std::strftime(date, sizeof date, "%Y/%m/%d", &tm);
  unsigned char id[16];
  util::random_bytes(id, sizeof id);
  return std::string(date) + "/[$LATEST]" +
         util::hex_lower(std::string_view(reinterpret_cast<const char*>(id), sizeof id));
}

std::string report_line(std::string_view request_id, std::chrono::steady_clock::duration elapsed,
                        unsigned memory_mb, long peak_rss_kb,
                        std::optional<std::chrono::steady_clock::duration> init,
                        std::optional<std::chrono::milliseconds> billed_override) {
  // Billed in 1 ms increments, rounded up (AWS, December 2020); a timeout bills the timeout
  // ("Duration: 3004.92 ms  Billed Duration: 3000 ms", aws-notes-lambda.md §5.2).
  auto billed = billed_override ? static_cast<long long>(billed_override->count())
                                : static_cast<long long>(std::ceil(
                                      std::chrono::duration<double, std::milli>(elapsed).count()));
  if (billed < 1) billed = 1;
  long used_mb = (peak_rss_kb + 1023) / 1024;
  // Every field ends with a tab, the last one too (decoded X-Amz-Log-Result captures).
  std::string line = "REPORT RequestId: " + std::string(request_id) + "\t";
  line += "Duration: " + millis_text(elapsed) + " ms\t";
  line += "Billed Duration: " + std::to_string(billed) + " ms\t";
  line += "Memory Size: " + std::to_string(memory_mb) + " MB\t";
  line += "Max Memory Used: " + std::to_string(used_mb) + " MB\t";
  if (init) line += "Init Duration: " + millis_text(*init) + " ms\t";
  return line;
}

void append_log(std::string& log, std::string_view line) {
  log.append(line);
  log.push_back('\n');
  if (log.size() > 2 * kTailBytes) log.erase(0, log.size() - kTailBytes);
}

std::string log_tail(const std::string& log) {
  std::string_view tail = log;
  if (tail.size() > kTailBytes) tail.remove_prefix(tail.size() - kTailBytes);
  return util::base64_encode(tail);
}

}  // namespace gh::plugins::lambda
