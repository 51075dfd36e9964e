#pragma once
/// Read-only descriptions of the API, stage and route a request matched. They are owned by the
/// compiled snapshot (pipeline/), which every in-flight request keeps alive, so plain pointers
/// to them are safe for the whole life of a request.

#include <string>
#include <utility>
#include <vector>

#include "gateway/core/api_protocol.hpp"

namespace gh::core {

struct ApiInfo {
  std::string id;  // $context.apiId, used in ARNs and the execute-api host name
  std::string name;
  ApiProtocol protocol = ApiProtocol::kHttp;
  std::string account_id;  // $context.accountId
  std::string region;
  /// REST: lower-cased binaryMediaTypes ("image/png", "image/*", "*/*"); empty for HTTP APIs.
  std::vector<std::string> binary_media_types;
  /// WEBSOCKET: how a message picks its route, e.g. "$request.body.action".
  std::string route_selection_expression;
};

struct StageInfo {
  std::string name;  // "$default" for an HTTP API's default stage
  /// Stage variables, sorted by name.
  std::vector<std::pair<std::string, std::string>> variables;

  const std::string* variable(std::string_view key) const noexcept {
    for (const auto& [k, v] : variables) {
      if (k == key) return &v;
    }
    return nullptr;
  }
};

struct RouteInfo {
  std::string route_key;    // "GET /pets/{id}", "ANY /{proxy+}", "$default"
  std::string method;       // "GET", "ANY", or "" for $default
  std::string path;         // "/pets/{id}" (the resource path), "" for $default
  std::string resource_id;  // $context.resourceId: stable short id derived from the route key
  /// WEBSOCKET: a two-way route (routeResponseSelectionExpression set): the integration's
  /// answer is sent back to the client.
  bool two_way = false;
};

}  // namespace gh::core
