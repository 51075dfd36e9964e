#include "gateway/app/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>

#include "gateway/util/encoding.hpp"
#include "gateway/util/time_format.hpp"

namespace gh::app {

namespace {

/// One JSON object per line: {"time":"…","level":"info","message":"…"}.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string line = "{\"time\":\"";
    line += util::iso8601_millis(msg.time);
    line += "\",\"level\":\"";
    auto level = spdlog::level::to_string_view(msg.level);
    line.append(level.data(), level.size());
    line += "\",\"message\":";
    line += util::json_quote(std::string_view(msg.payload.data(), msg.payload.size()));
    line += "}\n";
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

void set_format(spdlog::logger& logger, config::LogFormat format) {
  if (format == config::LogFormat::kJson) {
    logger.set_formatter(std::make_unique<JsonFormatter>());
  } else {
    logger.set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ %v", spdlog::pattern_time_type::utc);
  }
}

}  // namespace

void configure_logging(const std::string& level, config::LogFormat format) {
  // Logs go to stderr; stdout is the access log's by default.
  auto logger = std::make_shared<spdlog::logger>("gatehouse",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  set_format(*logger, format);
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

void reconfigure_logging(const std::string& level, config::LogFormat format) {
  // The logger stays (other threads hold its raw pointer through spdlog::info() & co.); its
  // level is atomic and the sink swaps its formatter under the sink's own mutex.
  spdlog::logger& logger = *spdlog::default_logger_raw();
  set_format(logger, format);
  logger.set_level(spdlog::level::from_str(level));
}

}  // namespace gh::app
