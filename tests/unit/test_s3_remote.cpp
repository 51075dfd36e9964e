// The remote S3 backend's pure parts: endpoint URLs (net::parse_endpoint_url, shared with the
// remote DynamoDB backend) and the addressing style chosen per bucket (path_style_for).
#include <doctest/doctest.h>

#include <string>

#include "gateway/net/remote_endpoint.hpp"
#include "plugins/s3/remote_backend.hpp"

namespace s3 = gh::plugins::s3;
using gh::net::RemoteEndpoint;

namespace {

RemoteEndpoint endpoint(const std::string& url) {
  RemoteEndpoint e;
  std::string error;
  REQUIRE_MESSAGE(gh::net::parse_endpoint_url(url, e, error), error);
  return e;
}

std::string refusal(const std::string& url) {
  RemoteEndpoint e;
  std::string error;
  CHECK_FALSE(gh::net::parse_endpoint_url(url, e, error));
  return error;
}

s3::S3RemoteEndpoint remote(const std::string& url, std::optional<bool> force = std::nullopt) {
  return s3::S3RemoteEndpoint{endpoint(url), force};
}

}  // namespace

TEST_CASE("endpoint URLs: scheme, host, port, path") {
  RemoteEndpoint e = endpoint("https://s3.eu-west-1.amazonaws.com");
  CHECK(e.origin.https);
  CHECK(e.origin.host == "s3.eu-west-1.amazonaws.com");
  CHECK(e.origin.port == 443);
  CHECK(e.path == "/");
  e = endpoint("http://127.0.0.1:9000/prefix/");
  CHECK_FALSE(e.origin.https);
  CHECK(e.origin.port == 9000);
  CHECK(e.path == "/prefix/");
  e = endpoint("http://[::1]:4566");
  CHECK(e.origin.host == "::1");
  CHECK(e.origin.authority() == "[::1]:4566");

  CHECK(refusal("ftp://x") == "the scheme must be http or https");
  CHECK(refusal("localhost:9000") == "expected http[s]://host[:port][/path]");
  CHECK(refusal("not a url") == "expected http[s]://host[:port][/path]");
  CHECK(refusal("http://u:p@host") == "user information (user:password@) is not supported");
  CHECK(refusal("http://host/?a=b") == "an endpoint has no query string or fragment");
  CHECK(refusal("http://host:0") == "invalid port '0'");
  CHECK(refusal("http://host:70000") == "invalid port '70000'");
}

TEST_CASE("addressing: path style for local endpoints, virtual-hosted for DNS names") {
  CHECK(s3::path_style_for(remote("http://127.0.0.1:9000"), "photos"));
  CHECK(s3::path_style_for(remote("http://[::1]:9000"), "photos"));
  CHECK(s3::path_style_for(remote("http://localhost:9000"), "photos"));
  CHECK(s3::path_style_for(remote("http://s3.localhost:9000"), "photos"));
  CHECK(s3::path_style_for(remote("http://minio:9000"), "photos"));  // docker-compose name
  CHECK_FALSE(s3::path_style_for(remote("https://s3.eu-west-1.amazonaws.com"), "photos"));
  // forcePathStyle decides either way.
  CHECK(s3::path_style_for(remote("https://s3.eu-west-1.amazonaws.com", true), "photos"));
  CHECK_FALSE(s3::path_style_for(remote("http://127.0.0.1:9000", false), "photos"));
  // Names that cannot be a host label, and dotted names over https, stay path style.
  CHECK(s3::path_style_for(remote("https://s3.amazonaws.com", false), "Upper_Case"));
  CHECK(s3::path_style_for(remote("https://s3.amazonaws.com", false), "my.bucket"));
  CHECK_FALSE(s3::path_style_for(remote("http://s3.example.com", false), "my.bucket"));
  CHECK(s3::path_style_for(remote("https://s3.amazonaws.com", false), ""));  // ListBuckets
}
