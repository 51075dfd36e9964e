#pragma once
/// The top-level `s3:` section (its YAML is documented in s3_plugin.hpp): where the local
/// buckets live. Parsed once per config compile (S3Factory::compile).
#include <string>

#include "gateway/core/compile_scope.hpp"

namespace gh::plugins::s3 {

struct S3Settings {
  std::string data_dir;  // absolute or relative to the working directory, normalised
  bool fsync = true;
};

/// Reads `s3:` (absent: the defaults); problems go to `diags` with file:line:col.
S3Settings parse_settings(const core::CompileScope& scope, config::Diagnostics& diags);

}  // namespace gh::plugins::s3
