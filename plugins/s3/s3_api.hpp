#pragma once
/// The S3 API on the services endpoint: S3's REST protocol (path-style `/{bucket}/{key}` and
/// virtual-hosted `{bucket}.s3.localhost[:port]` / `{bucket}.localhost` addressing) answered
/// from the local ObjectStore with S3's status codes, headers and XML (operations.hpp).
///
/// It claims what the other services-endpoint APIs do not: not DynamoDB (X-Amz-Target), not the
/// Lambda Invoke API (/2015-03-31/…), not @connections, /usageplans/…/usage or /_gatehouse/…
/// (S3 bucket names cannot start with '_' or '2015-03-31' contain '/', so no bucket is lost).
///
/// With `iam.enforce`, each request is checked with S3's SigV4 rules and IAM actions
/// (s3_auth.hpp) before it acts. aws-chunked bodies (the SDKs' default for uploads with
/// checksums) are decoded (aws_chunked.hpp) and their trailing checksums verified by the store.
///
/// Threading: handle() runs on the connection's executor and calls the store inline, which
/// blocks on file I/O (fsync included): the core has no executor for blocking work yet.
#include <memory>

#include "gateway/config/config.hpp"
#include "gateway/core/service_api.hpp"
#include "plugins/s3/store_service.hpp"

namespace gh::plugins::s3 {

std::shared_ptr<const core::ServiceApi> make_s3_api(StoreService& store,
                                                    const config::AwsConfig& aws);

}  // namespace gh::plugins::s3
