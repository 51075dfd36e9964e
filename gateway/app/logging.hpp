#pragma once
/// Process logging (spdlog's default logger): level and text or JSON-lines format. Called at
/// startup from the main thread, before any other thread exists.

#include <string>

#include "gateway/config/config.hpp"

namespace gh::app {

void configure_logging(const std::string& level, config::LogFormat format);

}  // namespace gh::app
