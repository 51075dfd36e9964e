#pragma once
/// The S3 plugin: local buckets (object_store.hpp) served through the S3 API on the services
/// endpoint (s3_api.hpp), so the AWS SDKs and CLI work against Gatehouse with an endpoint
/// override, path-style or virtual-hosted (`{bucket}.s3.localhost:4566`).
///
/// The top-level `s3:` section (s3_settings.hpp), optional:
///
///   s3:
///     dataDir: .gatehouse/s3   # relative to the config file; a directory per bucket
///     fsync: true              # false: no fsync on writes (throw-away data, faster tests)
///
/// The store is a long-lived service: a reload keeps it (and its open buckets); a changed
/// dataDir takes effect at the next start, and the reload says so. It is opened on the first
/// S3 request, so `validate` and `routes` never touch the disk.
///
/// Operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation;
/// PutObject, GetObject (Range, If-* conditions, response-* overrides), HeadObject,
/// DeleteObject, DeleteObjects, CopyObject; ListObjects, ListObjectsV2; CreateMultipartUpload,
/// UploadPart, CompleteMultipartUpload, AbortMultipartUpload, ListParts, ListMultipartUploads.
/// Other sub-resources (?acl, ?versioning …) answer 501 NotImplemented. Request bodies share
/// server.limits.maxBodyBytes (10 MB by default) with every listener: larger PutObjects need
/// multipart uploads (or a larger limit).
///
/// Route integrations (`type: s3`, the S3 proxy of API Gateway) are not implemented yet: a route
/// that uses one is a config error.

#include <memory>

#include "gateway/core/integration.hpp"

namespace gh::plugins::s3 {

std::unique_ptr<core::IntegrationFactory> make_factory();

}  // namespace gh::plugins::s3
