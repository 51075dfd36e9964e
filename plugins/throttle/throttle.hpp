#pragma once
/// Throttling (the Throttle phase): each route of each stage has a token bucket (its stage's
/// `routeSettings`, else the route's `throttling`, else the stage's `defaultRouteSettings`), all
/// APIs share the account's bucket (`throttling:` at the top, AWS's 10,000 rps / 5,000 burst by
/// default), and optionally each client IP has one (`throttling.perClientIp`, not an AWS
/// feature). An empty bucket answers 429 {"message":"Too Many Requests"}. Usage-plan (API key)
/// throttles run earlier, in the ApiKey phase (plugins/api_key). See config/README.md.

#include <memory>

#include "gateway/core/middleware.hpp"

namespace gh::plugins::throttle {

std::unique_ptr<core::MiddlewareFactory> make_factory();

}  // namespace gh::plugins::throttle
