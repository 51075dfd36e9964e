#pragma once
/// Process logging (spdlog's default logger): level and text or JSON-lines format. Set up at
/// startup from the main thread, before any other thread exists; changed on reload.

#include <string>

#include "gateway/config/config.hpp"

namespace gh::app {

void configure_logging(const std::string& level, config::LogFormat format);
/// Changes the level and format of the logger configure_logging() set up, in place: safe while
/// other threads log (a reload on the control thread).
void reconfigure_logging(const std::string& level, config::LogFormat format);

}  // namespace gh::app
