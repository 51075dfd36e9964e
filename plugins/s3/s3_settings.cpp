#include "plugins/s3/s3_settings.hpp"

#include <filesystem>

namespace gh::plugins::s3 {

S3Settings parse_settings(const core::CompileScope& scope, config::Diagnostics& diags) {
  S3Settings settings;
  std::string dir = ".gatehouse/s3";
  config::Node section = scope.root().child("s3");
  if (section.defined() && !section.is_null()) {
    config::MapReader r(section, diags);
    if (auto d = r.string("dataDir")) {
      if (d->empty()) {
        diags.error(r.get("dataDir").location(), r.get("dataDir").path(), "the dataDir is empty");
      } else {
        dir = *d;
      }
    }
    if (auto f = r.boolean("fsync")) settings.fsync = *f;
    r.finish();
  }
  std::filesystem::path p(dir);
  if (p.is_relative()) p = std::filesystem::path(scope.config_dir()) / p;
  settings.data_dir = p.lexically_normal().string();
  return settings;
}

}  // namespace gh::plugins::s3
