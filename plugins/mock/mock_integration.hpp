#pragma once
/// `type: mock` (AWS MOCK, simplified): answers from config without calling anything.
///
///   integration:
///     type: mock
///     statusCode: 200                     # default 200
///     headers: {Content-Type: application/json}
///     body: '{"petId": "$request.path.petId", "requestId": "$context.requestId"}'
///
/// Body and header values may use $context.*, $request.path|querystring|header.*, $request.path
/// and $stageVariables.* (see core/value_template.hpp).

#include <memory>

#include "gateway/core/integration.hpp"

namespace gh::plugins::mock {

std::unique_ptr<core::IntegrationFactory> make_factory();

}  // namespace gh::plugins::mock
