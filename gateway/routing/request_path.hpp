#pragma once
/// The request path an HTTP API routes on. REST APIs route on the raw (percent-encoded) path and
/// pass it on raw; HTTP APIs decode it first, then match routes and hand integrations the
/// decoded path and path parameters. Pure function, called by dispatch for every HTTP API
/// request whose path holds a '%'.

#include <optional>
#include <string>
#include <string_view>

namespace gh::routing {

/// `raw` (the wire path, starting with '/') as an HTTP API sees it, or nullopt when API Gateway
/// answers 400 Bad Request instead. Live captures (request → what reached the integration):
///   /a%20b → "/a b", /a%2Fb → "/a/b", /a%3Fb → "/a" (the rest is dropped), /a%23b → "/a#b",
///   /a%252Fb → "/a/b", /a%253Fb → "/a?b", /a%2525b → "/a%b", /a%25zz → 400.
/// That is: decode, cut at the first '?', decode again; every '%' must start a %XX escape.
std::optional<std::string> decode_http_api_path(std::string_view raw);

}  // namespace gh::routing
