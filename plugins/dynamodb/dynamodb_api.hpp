#pragma once
/// The DynamoDB API on the services endpoint: the JSON 1.0 protocol (POST /, X-Amz-Target
/// `DynamoDB_20120810.<Operation>`, application/x-amz-json-1.0) that the AWS SDKs, the CLI and
/// NoSQL tools speak, answered from the embedded Store with DynamoDB's shapes and errors
/// (x-amz-crc32 included, which the SDKs check).
///
/// Operations so far: CreateTable, DescribeTable, ListTables, DeleteTable, PutItem, GetItem,
/// DeleteItem (ReturnValues ALL_OLD, ReturnConsumedCapacity), Scan (pages, segments, COUNT),
/// BatchWriteItem (one transaction), BatchGetItem, TagResource, UntagResource,
/// ListTagsOfResource. With `iam.enforce`, every call
/// needs SigV4 (service dynamodb) and `dynamodb:<Operation>` on the table's ARN.

#include <memory>

#include "gateway/config/config.hpp"
#include "gateway/core/service_api.hpp"
#include "plugins/dynamodb/store.hpp"

namespace gh::plugins::dynamodb {

std::shared_ptr<const core::ServiceApi> make_dynamodb_api(Store& store,
                                                          const config::AwsConfig& aws);

}  // namespace gh::plugins::dynamodb
