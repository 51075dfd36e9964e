#pragma once
/// The Lambda bootstraps Gatehouse ships (runtimes/node, runtimes/python), compiled into the
/// binary by cmake/embed_runtimes.cmake and written out once per content version to a private
/// directory the first time a function needs them. GATEHOUSE_RUNTIMES_DIR points at a
/// runtimes/ tree to use instead (developing a bootstrap without rebuilding).

#include <string>
#include <string_view>
#include <vector>

namespace gh::plugins::lambda {

struct EmbeddedFile {
  std::string_view path;  // relative to runtimes/, e.g. "node/bootstrap.mjs"
  std::string_view content;
};

/// Defined in the generated embedded_runtimes.cpp.
const std::vector<EmbeddedFile>& embedded_runtime_files();

/// The directory holding node/ and python/ bootstraps, extracting them if needed.
/// Throws std::runtime_error when it cannot be written.
std::string runtimes_dir();

}  // namespace gh::plugins::lambda
