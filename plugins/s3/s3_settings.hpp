#pragma once
/// The top-level `s3:` section (its YAML is documented in s3_plugin.hpp): where the local
/// buckets live, or the remote S3-compatible endpoint that replaces them. Parsed once per config
/// compile (S3Factory::compile).
#include <optional>
#include <string>
#include <vector>

#include "gateway/core/compile_scope.hpp"
#include "plugins/s3/remote_backend.hpp"

namespace gh::plugins::s3 {

struct S3Settings {
  std::string data_dir;  // absolute or relative to the working directory, normalised
  bool fsync = true;
  /// `buckets:` created when the config is installed (start, reload) if missing.
  std::vector<std::string> buckets;
  /// `endpoint:` set: route integrations (and, with services_remote, the services endpoint's
  /// S3 API) go to this remote instead of the local buckets.
  std::optional<S3RemoteEndpoint> remote;
  bool services_remote = true;  // `servicesEndpoint: remote` (the default) or `local`
};

/// Reads `s3:` (absent: the defaults); problems go to `diags` with file:line:col.
S3Settings parse_settings(const core::CompileScope& scope, config::Diagnostics& diags);

}  // namespace gh::plugins::s3
