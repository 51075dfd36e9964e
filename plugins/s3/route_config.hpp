#pragma once
/// The YAML of a `type: s3` route integration (documented for users in s3_plugin.hpp), parsed
/// and checked once per route at config load. Pure; one thread (the compile's).

#include <optional>
#include <string>

#include "gateway/config/yaml_reader.hpp"
#include "gateway/core/api_info.hpp"
#include "gateway/core/value_template.hpp"

namespace gh::plugins::s3 {

/// The S3 operations a route can do. kByMethod: an ANY (or $default) route without `action`
/// picks one per request from the method (GET GetObject or ListObjectsV2, HEAD HeadObject,
/// PUT PutObject, DELETE DeleteObject).
enum class RouteAction {
  kGetObject,
  kHeadObject,
  kPutObject,
  kDeleteObject,
  kListObjectsV2,
  kByMethod
};

std::string_view action_name(RouteAction a) noexcept;

/// How listings and S3's errors are answered: JSON (the default) or S3's XML as it is.
enum class RouteFormat { kJson, kXml };

struct RouteSpec {
  RouteAction action = RouteAction::kGetObject;
  core::ValueTemplate bucket;
  /// The object key (object actions); unset for a ListObjectsV2-only route.
  std::optional<core::ValueTemplate> key;
  /// ListObjectsV2's prefix (default `$request.querystring.prefix`; a missing value is "").
  std::optional<core::ValueTemplate> prefix;
  RouteFormat format = RouteFormat::kJson;
  /// The bucket when it depends on nothing but stage variables (for `routes` and load checks).
  std::string static_bucket;
};

/// Parses a route's `integration:` node (type: s3). `{name}` and `{name+}` in bucket, key and
/// prefix stand for `${request.path.name}`; a path parameter the route does not have is an
/// error, and so are an unknown action, a key on a listing, a method that implies no action,
/// and a bucket name S3 refuses (when it depends only on stage variables).
std::optional<RouteSpec> parse_route_spec(const config::Node& node, const core::RouteInfo& route,
                                          const core::StageInfo& stage, config::Diagnostics& diags);

}  // namespace gh::plugins::s3
