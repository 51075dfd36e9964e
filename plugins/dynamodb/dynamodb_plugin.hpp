#pragma once
/// The DynamoDB plugin: the embedded store (store.hpp) and its API on the services endpoint
/// (dynamodb_api.hpp), configured by the top-level `dynamodb:` section:
///
///   dynamodb:
///     dataDir: .gatehouse/dynamodb   # relative to the config file; the database is
///                                    # <dataDir>/dynamodb.sqlite3
///     inMemory: false                # true: nothing on disk (tests, throw-away runs)
///
/// The store is a long-lived service: a reload keeps it (and its open database); a changed
/// dataDir or inMemory takes effect at the next start, and the reload says so.
///
/// Route integrations of `type: dynamodb` (GetItem/PutItem/Query … mapped from requests) come
/// with the rest of the DynamoDB work; until then such a route is a config error that says so.

#include <memory>

#include "gateway/core/integration.hpp"

namespace gh::plugins::dynamodb {

std::unique_ptr<core::IntegrationFactory> make_factory();

}  // namespace gh::plugins::dynamodb
