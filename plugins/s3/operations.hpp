#pragma once
/// The S3 operations of the services endpoint's S3 API, one function each, split by area
/// (bucket_operations.cpp, object_operations.cpp, list_operations.cpp,
/// multipart_operations.cpp). s3_api.cpp routes a request to one of them. Each answers S3's
/// response or error; none throws for anything a client sends.
#include "gateway/core/response.hpp"
#include "plugins/s3/operation_support.hpp"

namespace gh::plugins::s3::ops {

// Buckets.
core::Response list_buckets(S3Call& call);
core::Response create_bucket(S3Call& call);
core::Response head_bucket(S3Call& call);
core::Response delete_bucket(S3Call& call);
core::Response get_bucket_location(S3Call& call);

// Objects.
core::Response put_object(S3Call& call);
/// PutObject's first step (validation, the writer), for a body streamed as it arrives
/// (upload_stream.hpp); finish_upload() (operation_support.hpp) is the last.
OpenedUpload open_put_object(S3Call& call);
/// GetObject, and HeadObject for a HEAD request (the same headers, no body).
core::Response get_object(S3Call& call);
core::Response delete_object(S3Call& call);
core::Response delete_objects(S3Call& call);
core::Response copy_object(S3Call& call);
/// Object tagging: the tag set is kept in the object's trailer (ObjectHeaders::tags).
core::Response get_object_tagging(S3Call& call);
core::Response put_object_tagging(S3Call& call);
core::Response delete_object_tagging(S3Call& call);

// Listings.
core::Response list_objects_v1(S3Call& call);
core::Response list_objects_v2(S3Call& call);

// Multipart uploads.
core::Response create_multipart_upload(S3Call& call);
core::Response upload_part(S3Call& call);
/// UploadPart's first step, as open_put_object().
OpenedUpload open_upload_part(S3Call& call);
/// UploadPartCopy (part_copy_operation.cpp).
core::Response upload_part_copy(S3Call& call);
core::Response complete_multipart_upload(S3Call& call);
core::Response abort_multipart_upload(S3Call& call);
core::Response list_parts(S3Call& call);
core::Response list_multipart_uploads(S3Call& call);

}  // namespace gh::plugins::s3::ops
