#pragma once
/// Request identifiers in AWS's formats. Thread-safe (a random generator per thread), cheap
/// enough for every request.

#include <chrono>
#include <string>

namespace gh::util {

/// Random UUID v4, lower-case: REST `$context.requestId` / `x-amzn-RequestId`.
std::string uuid_v4();
/// 16 characters of URL-safe base64 ending in "=" (11 random bytes), like "R9NOvE-qIAMECfw=":
/// `$context.extendedRequestId`, and the HTTP API `$context.requestId` / `apigw-requestid`.
std::string short_request_id();
/// X-Ray trace id: "Root=1-<8 hex epoch seconds>-<24 hex random>".
std::string trace_id();
/// The same for a request that arrived `at`, appended to `out` (no string of its own).
void append_trace_id(std::string& out, std::chrono::system_clock::time_point at);
/// `n` random bytes from the per-thread generator (not for secrets).
void random_bytes(unsigned char* out, std::size_t n);

}  // namespace gh::util
