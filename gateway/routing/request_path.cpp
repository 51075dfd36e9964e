#include "gateway/routing/request_path.hpp"

#include "gateway/util/encoding.hpp"

namespace gh::routing {

// AWS documents only that HTTP APIs decode URL-encoded request parameters before passing them
// to the integration ("Create routes for HTTP APIs", https://docs.aws.amazon.com/apigateway/
// latest/developerguide/http-api-develop-routes.html). The exact rules come from live captures
// of an HTTP API ($default stage and route, payload 2.0) in us-west-2, July 2026: hotsock/voker
// vokerhttp/testdata/ingress-paths.json (probe: examples/aws-ingress-probe/paths.py; cited by
// middleapi/standard-server#93). Per sent path, the integration's rawPath was:
//   /capture/space%20value        → /capture/space value
//   /capture/question%3Fvalue     → /capture/question          (cut at the decoded '?')
//   /capture/hash%23value         → /capture/hash#value        (a decoded '#' stays)
//   /capture/slash%2Fvalue        → /capture/slash/value
//   /capture/literal%252Fvalue    → /capture/literal/value     (decoded twice)
//   /capture/literal%253Fvalue    → /capture/literal?value     (second '?' not cut)
//   /capture/literal%2525value    → /capture/literal%value
//   /capture/percent%25done       → 400                        ("%do" fails the second pass)
// So the path is decoded, re-read as a request target (cut at '?'; the rest does not reach
// rawQueryString, which kept the sent query), and decoded again, and a '%' that starts no %XX
// escape is a 400. The captures do not show an invalid escape in the sent path itself
// ("/a%zz"): it would fail the second pass anyway if the first kept it, so both passes are
// strict here.
std::optional<std::string> decode_http_api_path(std::string_view raw) {
  std::optional<std::string> once = util::percent_decode_strict(raw);
  if (!once) return std::nullopt;
  std::string_view target = *once;
  return util::percent_decode_strict(target.substr(0, target.find('?')));
}

}  // namespace gh::routing
