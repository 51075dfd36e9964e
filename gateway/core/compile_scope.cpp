#include "gateway/core/compile_scope.hpp"

#include <filesystem>

namespace gh::core {

std::string CompileScope::config_dir() const {
  if (config_.source_file.empty()) return std::filesystem::current_path().string();
  return std::filesystem::absolute(config_.source_file).parent_path().string();
}

}  // namespace gh::core
