#pragma once
/// The DynamoDB API on the services endpoint: the JSON 1.0 protocol (POST /, X-Amz-Target
/// `DynamoDB_20120810.<Operation>`, application/x-amz-json-1.0) that the AWS SDKs, the CLI and
/// NoSQL tools speak, answered from the embedded Store with DynamoDB's shapes and errors
/// (x-amz-crc32 included, which the SDKs check).
///
/// The operations themselves are in operations.hpp (tables, items and batches, Query and
/// Scan); this file is the protocol: the target header, JSON bodies (32 levels of nesting),
/// x-amz-crc32, DynamoDB's error bodies, and with `iam.enforce`, SigV4 (service dynamodb) and
/// `dynamodb:<Operation>` on the table's ARN (each table's, for batches).

#include <memory>

#include "gateway/config/config.hpp"
#include "gateway/core/service_api.hpp"
#include "plugins/dynamodb/store.hpp"

namespace gh::plugins::dynamodb {

class DynamoBackend;
class GroupCommit;

/// Item writes go through `group` (group commit). With `remote` (dynamodb.endpoint,
/// servicesEndpoint: remote), every operation is checked against IAM as here and then forwarded to
/// it; its answer (or error) is returned in this API's envelope (our request id, x-amz-crc32 of the
/// body we send).
std::shared_ptr<const core::ServiceApi> make_dynamodb_api(
    Store& store, GroupCommit& group, const config::AwsConfig& aws,
    std::shared_ptr<const DynamoBackend> remote = nullptr);

}  // namespace gh::plugins::dynamodb
