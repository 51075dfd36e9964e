#pragma once
/// The `type: s3` route integration (API Gateway's S3 proxy): renders the route's bucket and
/// key (or listing prefix) for the request, sends the S3 request to its S3Backend, and answers
/// S3's response: the object's bytes and headers (Content-Type, ETag, Last-Modified,
/// Content-Range …) as they are, listings as JSON or S3's XML, and S3's errors as JSON
/// ({"message": …}) or S3's XML. The YAML and the answers are documented in s3_plugin.hpp.
///
/// invoke() runs on the request's executor; the integration is immutable and shared by every
/// request of its route and stage.

#include <memory>

#include "gateway/core/integration.hpp"
#include "plugins/s3/backend.hpp"
#include "plugins/s3/route_config.hpp"

namespace gh::plugins::s3 {

std::shared_ptr<const core::Integration> make_route_integration(
    RouteSpec spec, std::shared_ptr<const S3Backend> backend);

}  // namespace gh::plugins::s3
