#pragma once
/// RemoteEndpoint: a remote AWS-compatible service endpoint that a plugin's backend sends
/// SigV4-signed requests to (dynamodb.endpoint, s3.endpoint), and the YAML keys that configure
/// one, shared by those plugins so that they read them alike:
///
///   endpoint: https://host[:port][/path]   # http or https; no query, no user info
///   region: eu-west-1                      # default: aws.region
///   credentials: {accessKeyId, secretAccessKey, sessionToken}   # required with an endpoint
///   tls: {verify: true, caFile: ca.pem}    # as http_proxy upstreams
///   timeoutInMillis: 10000                 # 50 … 300000, each request
///   servicesEndpoint: remote               # remote (default) | local
///
/// Parsed at config compile time (one thread); the result is a plain value.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/config/yaml_reader.hpp"
#include "gateway/net/http_client.hpp"
#include "gateway/sigv4/signing.hpp"

namespace gh::net {

struct RemoteEndpoint {
  std::string url;         // as configured, for messages and `gatehouse routes`
  Origin origin;           // scheme, host, port
  std::string path = "/";  // the endpoint URL's path, percent-encoded as written ("/" if none)
  std::string region;
  sigv4::Credentials credentials;
  ClientOptions client;  // tls.verify, tls.caFile
  std::chrono::milliseconds timeout{10000};
};

/// What a section's remote keys say.
struct RemoteSettings {
  /// Set when `endpoint` is: the plugin's backend becomes the remote one.
  std::optional<RemoteEndpoint> endpoint;
  /// `servicesEndpoint: remote` (the default): the services listener's API of that service
  /// proxies to the endpoint too; `local`: it keeps the local implementation.
  bool services_remote = true;
};

/// Reads the keys above from the section reader `r` (they become known keys either way).
/// `section` names the section in messages ("dynamodb"); relative caFile paths are resolved
/// against `config_dir`; `default_region` is aws.region. Without an endpoint, any of the other
/// keys is an error ("only meaningful with <section>.endpoint"). Problems go to `diags`.
RemoteSettings parse_remote_settings(config::MapReader& r, std::string_view section,
                                     const std::string& config_dir,
                                     const std::string& default_region, config::Diagnostics& diags);

/// Parses "http[s]://host[:port][/path]" into `endpoint` (url, origin, path). On failure
/// returns false and sets `error` to the reason (without the URL itself).
bool parse_endpoint_url(std::string_view url, RemoteEndpoint& endpoint, std::string& error);

}  // namespace gh::net
