#pragma once
/// API keys and usage plans (the ApiKey phase), REST APIs only as on AWS. A route with
/// `apiKeyRequired: true` needs a key (`x-api-key`, or the authorizer's usageIdentifierKey with
/// `apiKeySource: AUTHORIZER`) that exists, is enabled and is in a usage plan of the API stage,
/// else 403 {"message":"Forbidden"}. The plan's per-route and plan-wide token buckets (per key)
/// answer 429 Too Many Requests, its quota 429 Limit Exceeded; every accepted request is
/// counted for GetUsage (GET /usageplans/{id}/usage on the services listener). See
/// config/README.md "API keys and usage plans".

#include <memory>

#include "gateway/core/middleware.hpp"

namespace gh::plugins::api_key {

std::unique_ptr<core::MiddlewareFactory> make_factory();

}  // namespace gh::plugins::api_key
