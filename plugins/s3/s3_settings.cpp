#include "plugins/s3/s3_settings.hpp"

#include <algorithm>
#include <filesystem>

#include "plugins/s3/names.hpp"

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
    if (auto names = r.string_list("buckets")) {
      config::Node list = r.get("buckets");
      for (const std::string& name : *names) {
        if (!is_valid_bucket_name(name)) {
          diags.error(list.location(), list.path(),
                      "'" + name +
                          "' is not a valid bucket name (3-63 characters: lower-case letters, "
                          "digits, '.' and '-', starting and ending with a letter or digit)");
        } else if (std::find(settings.buckets.begin(), settings.buckets.end(), name) ==
                   settings.buckets.end()) {
          settings.buckets.push_back(name);
        }
      }
    }
    // Remote mode: endpoint, region, credentials, tls, timeoutInMillis, servicesEndpoint (as
    // dynamodb's), and forcePathStyle.
    config::Node path_style_node = r.get("forcePathStyle");
    auto path_style = r.boolean("forcePathStyle");
    net::RemoteSettings remote =
        net::parse_remote_settings(r, "s3", scope.config_dir(), scope.config().aws.region, diags);
    if (remote.endpoint) {
      settings.remote = S3RemoteEndpoint{std::move(*remote.endpoint), path_style};
    } else if (path_style_node.defined() && !path_style_node.is_null() &&
               r.get("endpoint").is_null()) {
      diags.error(path_style_node.location(), path_style_node.path(),
                  "only meaningful with s3.endpoint");
    }
    settings.services_remote = remote.services_remote;
    r.finish();
  }
  std::filesystem::path p(dir);
  if (p.is_relative()) p = std::filesystem::path(scope.config_dir()) / p;
  settings.data_dir = p.lexically_normal().string();
  return settings;
}

}  // namespace gh::plugins::s3
