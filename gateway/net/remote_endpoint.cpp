#include "gateway/net/remote_endpoint.hpp"

#include <boost/url/parse.hpp>
#include <charconv>
#include <filesystem>

#include "gateway/core/header_map.hpp"

namespace gh::net {

bool parse_endpoint_url(std::string_view url, RemoteEndpoint& endpoint, std::string& error) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || !parsed->has_authority()) {
    error = "expected http[s]://host[:port][/path]";
    return false;
  }
  const boost::urls::url_view& u = *parsed;
  std::string scheme = core::to_lower(std::string_view(u.scheme()));
  if (scheme != "http" && scheme != "https") {
    error = "the scheme must be http or https";
    return false;
  }
  if (u.has_userinfo()) {
    error = "user information (user:password@) is not supported";
    return false;
  }
  if (u.has_query() || u.has_fragment()) {
    error = "an endpoint has no query string or fragment";
    return false;
  }
  Origin origin;
  origin.https = scheme == "https";
  switch (u.host_type()) {
    case boost::urls::host_type::ipv6:
      origin.host = u.host_ipv6_address().to_string();
      break;
    case boost::urls::host_type::ipv4:
    case boost::urls::host_type::name:
      origin.host = std::string(u.encoded_host());
      break;
    default:
      break;
  }
  if (origin.host.empty()) {
    error = "missing host";
    return false;
  }
  origin.port = origin.https ? 443 : 80;
  if (u.has_port() && !u.port().empty()) {
    std::string_view port = u.port();
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || ptr != port.data() + port.size() || value == 0 || value > 65535) {
      error = "invalid port '" + std::string(port) + "'";
      return false;
    }
    origin.port = static_cast<std::uint16_t>(value);
  }
  endpoint.url = std::string(url);
  endpoint.origin = std::move(origin);
  endpoint.path = std::string(u.encoded_path());
  if (endpoint.path.empty()) endpoint.path = "/";
  return true;
}

RemoteSettings parse_remote_settings(config::MapReader& r, std::string_view section,
                                     const std::string& config_dir,
                                     const std::string& default_region,
                                     config::Diagnostics& diags) {
  RemoteSettings settings;
  const std::string name(section);
  config::Node endpoint_node = r.get("endpoint");
  auto url = r.string("endpoint");
  config::Node region_node = r.get("region");
  auto region = r.string("region");
  config::Node credentials_node = r.get("credentials");
  config::Node tls_node = r.get("tls");
  config::Node timeout_node = r.get("timeoutInMillis");
  auto timeout = r.integer("timeoutInMillis", 50, 300000);
  config::Node services_node = r.get("servicesEndpoint");
  auto services = r.string("servicesEndpoint");

  if (!endpoint_node.defined() || endpoint_node.is_null()) {
    // Without an endpoint, the remote-only keys would silently do nothing: refuse them.
    for (const config::Node* n :
         {&region_node, &credentials_node, &tls_node, &timeout_node, &services_node}) {
      if (n->defined() && !n->is_null()) {
        diags.error(n->location(), n->path(), "only meaningful with " + name + ".endpoint");
      }
    }
    return settings;
  }
  if (!url) return settings;  // not a string: reported
  RemoteEndpoint remote;
  std::string error;
  if (!parse_endpoint_url(*url, remote, error)) {
    diags.error(endpoint_node.location(), endpoint_node.path(),
                "invalid endpoint '" + *url + "': " + error);
    return settings;
  }
  remote.region = region.value_or(default_region);
  if (region && region->empty()) {
    diags.error(region_node.location(), region_node.path(), "the region is empty");
  }
  if (!credentials_node.defined() || credentials_node.is_null()) {
    diags.error(endpoint_node.location(), endpoint_node.path(),
                "a remote endpoint needs " + name +
                    ".credentials {accessKeyId, secretAccessKey, sessionToken} to sign its "
                    "requests (SigV4)");
  } else {
    config::MapReader c(credentials_node, diags);
    auto id = c.string("accessKeyId", config::Need::kRequired);
    auto secret = c.string("secretAccessKey", config::Need::kRequired);
    auto token = c.string("sessionToken");
    c.finish();
    if (id && id->empty()) {
      diags.error(c.get("accessKeyId").location(), c.get("accessKeyId").path(),
                  "the access key id is empty");
    }
    if (secret && secret->empty()) {
      diags.error(c.get("secretAccessKey").location(), c.get("secretAccessKey").path(),
                  "the secret access key is empty");
    }
    remote.credentials = {id.value_or(""), secret.value_or(""), token.value_or("")};
  }
  // The same `tls` block as http_proxy upstreams: verify (default true), caFile.
  if (tls_node.defined() && !tls_node.is_null()) {
    config::MapReader t(tls_node, diags);
    if (auto verify = t.boolean("verify")) remote.client.tls_verify = *verify;
    if (auto ca = t.string("caFile")) {
      std::filesystem::path path(*ca);
      if (path.is_relative()) path = std::filesystem::path(config_dir) / path;
      remote.client.ca_file = path.lexically_normal().string();
    }
    t.finish();
  }
  if (timeout) remote.timeout = std::chrono::milliseconds(*timeout);
  if (services) {
    if (*services == "remote" || *services == "local") {
      settings.services_remote = *services == "remote";
    } else {
      diags.error(services_node.location(), services_node.path(),
                  "expected remote (the services endpoint's " + name +
                      " API proxies to the endpoint, the default) or local (" + name +
                      " is served locally), got '" + *services + "'");
    }
  }
  settings.endpoint = std::move(remote);
  return settings;
}

}  // namespace gh::net
