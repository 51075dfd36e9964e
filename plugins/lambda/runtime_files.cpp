#include "plugins/lambda/runtime_files.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>

#include "gateway/util/encoding.hpp"

namespace gh::plugins::lambda {

namespace fs = std::filesystem;

std::string runtimes_dir() {
  if (const char* dir = std::getenv("GATEHOUSE_RUNTIMES_DIR"); dir && *dir) return dir;
  // One directory per content version, so two gateways of different versions never share
  // (or rewrite under each other) a bootstrap.
  std::size_t hash = 0;
  for (const auto& f : embedded_runtime_files()) {
    hash = hash * 31 + std::hash<std::string_view>{}(f.path);
    hash = hash * 31 + std::hash<std::string_view>{}(f.content);
  }
  const char* tmp = std::getenv("TMPDIR");
  fs::path base = fs::path(tmp && *tmp ? tmp : "/tmp") /
                  ("gatehouse-" + std::to_string(::getuid())) /
                  ("runtimes-" + util::hex_lower(std::string_view(
                                     reinterpret_cast<const char*>(&hash), sizeof hash)));
  std::error_code ec;
  fs::create_directories(base, ec);
  if (ec) throw std::runtime_error("cannot create " + base.string() + ": " + ec.message());
  fs::permissions(base.parent_path(), fs::perms::owner_all, fs::perm_options::replace, ec);
  for (const auto& f : embedded_runtime_files()) {
    fs::path target = base / f.path;
    if (fs::exists(target) && fs::file_size(target, ec) == f.content.size()) continue;
    fs::create_directories(target.parent_path(), ec);
    // Write then rename: a concurrently starting gateway never runs a half-written file.
    fs::path partial = target;
    partial += ".tmp" + std::to_string(::getpid());
    {
      std::ofstream out(partial, std::ios::binary | std::ios::trunc);
      out.write(f.content.data(), static_cast<std::streamsize>(f.content.size()));
      if (!out) throw std::runtime_error("cannot write " + partial.string());
    }
    fs::rename(partial, target, ec);
    if (ec) throw std::runtime_error("cannot write " + target.string() + ": " + ec.message());
  }
  return base.string();
}

}  // namespace gh::plugins::lambda
