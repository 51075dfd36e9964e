#pragma once
/// SigV4 signing: the key derivation, the string to sign, and signing an outgoing request in
/// the Authorization header or in the query string (a presigned URL). Used by the verifier (it
/// recomputes the signature), by outbound clients (remote DynamoDB/S3/Lambda endpoints,
/// @connections callers) and by the tests. Pure functions, any thread.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/sigv4/canonical.hpp"
#include "gateway/util/crypto.hpp"

namespace gh::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
/// Hex SHA-256 of an empty body.
inline constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // "" = long-term credentials
};

/// "<yyyymmdd>/<region>/<service>/aws4_request".
std::string scope(std::string_view date, std::string_view region, std::string_view service);
void append_scope(std::string& out, std::string_view date, std::string_view region,
                  std::string_view service);

/// kSigning = HMAC chain over "AWS4"+secret, date, region, service, "aws4_request" (raw bytes).
std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service);
/// A derived signing key, raw and prepared for HMAC.
struct SigningKey {
  std::string raw;
  util::HmacSha256Key hmac;
};
/// The same, remembered per thread (a key is valid for a whole UTC day): what the verifier
/// uses, so a request costs one HMAC of the string to sign instead of five. The reference is
/// the calling thread's and valid until its next call.
const SigningKey& cached_signing_key(std::string_view secret, std::string_view date,
                                     std::string_view region, std::string_view service);
/// "AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex sha256(canonical request)>".
std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);
/// The same, appended to `out` (the verifier builds it in a buffer it keeps).
void append_string_to_sign(std::string& out, std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);
/// Lower-case hex HMAC-SHA256(signing key, string to sign).
std::string signature(std::string_view signing_key, std::string_view string_to_sign);

/// "20150830T123600Z" (ISO 8601 basic, UTC), as X-Amz-Date carries it.
std::string amz_date(std::chrono::system_clock::time_point t);
/// The inverse; nullopt unless exactly that shape and a valid time.
std::optional<std::chrono::system_clock::time_point> parse_amz_date(std::string_view text);
/// An RFC 1123 Date header ("Sun, 30 Aug 2015 12:36:00 GMT"); nullopt if not one.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text);

/// An outgoing request as the signer sees it. `path` and `query` are what goes on the wire
/// (already percent-encoded); `headers` must include Host.
struct OutgoingRequest {
  std::string method;
  std::string path;
  std::string query;
  std::vector<Header> headers;
  std::string_view body;
};

struct SigningParams {
  Credentials credentials;
  std::string region;
  std::string service;
  std::chrono::system_clock::time_point time;
  UriMode uri_mode = UriMode::kNormalizedDoubleEncoded;
  /// The payload hash to sign instead of the body's ("UNSIGNED-PAYLOAD" for S3), "" = hash it.
  std::string payload_hash;
  /// Header form: also send (and sign) X-Amz-Content-Sha256 with the payload hash (S3 needs it).
  bool content_sha256_header = false;
};

struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;        // hex
  std::vector<Header> headers;  // Authorization-header form: the headers to add
  std::string query;            // presigned form: the whole new query string
};

/// Adds X-Amz-Date (and X-Amz-Security-Token) to the signed headers — every header of the
/// request is signed — and returns them with the Authorization header to add.
Signature sign_headers(const OutgoingRequest& request, const SigningParams& params);
/// A presigned request: the X-Amz-* parameters (Algorithm, Credential, Date, Expires,
/// SignedHeaders, Security-Token) join the query and X-Amz-Signature is appended last.
Signature presign(const OutgoingRequest& request, const SigningParams& params,
                  std::chrono::seconds expires);

}  // namespace gh::sigv4
