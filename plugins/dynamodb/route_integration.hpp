#pragma once
/// The `type: dynamodb` route integration: builds the DynamoDB request with its RequestMapper,
/// sends it to its DynamoBackend, and answers DynamoDB's response as it is (`response: raw`,
/// API Gateway's default for AWS service integrations) or unmarshalled (`response: plain`).
/// Statuses: 200 on success; `notFound` (GetItem/DeleteItem) when there was no item;
/// ConditionalCheckFailedException with `conditionFailed` (default 400, DynamoDB's own);
/// every other DynamoDB error with DynamoDB's status (400, 500) and error; 400 with
/// {"message": …} when the request lacks a value the mapping needs.

#include <memory>

#include "gateway/core/integration.hpp"
#include "plugins/dynamodb/backend.hpp"
#include "plugins/dynamodb/route_mapping.hpp"

namespace gh::plugins::dynamodb {

std::shared_ptr<const core::Integration> make_route_integration(
    std::shared_ptr<const RouteSpec> spec, std::shared_ptr<const RequestMapper> mapper,
    std::shared_ptr<const DynamoBackend> backend);

}  // namespace gh::plugins::dynamodb
