#pragma once
/// SigV4 verification of a received request, in the Authorization header or presigned in the
/// query string, with AWS's answers for each failure (aws-behaviour.md §3.3, §4). It knows no
/// policies and no HTTP server: the caller maps the Verdict to its error response. Pure, any
/// thread; the credential lookup must not block.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/sigv4/canonical.hpp"
#include "gateway/sigv4/signing.hpp"

namespace gh::sigv4 {

/// A received request: path and query exactly as they arrived (percent-encoded), every header.
struct ReceivedRequest {
  std::string_view method;
  std::string_view path;
  std::string_view query;
  std::span<const HeaderView> headers;
  std::string_view body;
  /// The body has not arrived yet (it streams to a service after this check): a stated
  /// X-Amz-Content-Sha256 is signed as stated, and the caller must compare it with the body.
  bool body_pending = false;
};

/// The strings are views: they must outlive the verify() call.
struct VerifyOptions {
  std::string_view region;
  std::string_view service;  // "execute-api", "s3", "lambda" …
  UriMode uri_mode = UriMode::kNormalizedDoubleEncoded;
  std::chrono::system_clock::time_point now;
  std::chrono::seconds max_skew{300};  // AWS: 5 minutes either way
  /// S3: a presigned URL signs the literal payload hash UNSIGNED-PAYLOAD (S3 API reference,
  /// "Authenticating Requests: Using Query Parameters"); other services sign the body's hash.
  bool presigned_unsigned_payload = false;
  /// Keep what a verified request claimed and what it was checked with (the Verdict's strings
  /// below) on success too; failures always have them. Off on the hot path when only the
  /// answer and the signer are needed (every copy is an allocation).
  bool keep_details = true;
};

/// The credentials of an access key id, or nullptr if unknown.
using CredentialLookup = std::function<const Credentials*(std::string_view access_key_id)>;

struct Verdict {
  enum class Failure {
    kNone,
    kMissingAuthenticationToken,  // no Authorization header, no X-Amz-Algorithm parameter
    kIncompleteSignature,         // present but unparseable / incomplete
    kInvalidSignature,            // mismatch, clock skew, wrong scope
    kUnrecognizedClient,          // unknown access key, bad session token
  };
  /// The finer cause, for services whose error codes tell them apart (S3).
  enum class Detail {
    kNone,
    kMalformed,            // unparseable header / query parameters (kIncompleteSignature)
    kBadExpires,           // X-Amz-Expires not 1..604800
    kWrongScope,           // credential scope: terminator, service, region or date
    kNotYetValid,          // X-Amz-Date later than now + skew
    kExpired,              // X-Amz-Date earlier than now - skew, or presigned URL expired
    kUnknownAccessKey,     // no such access key id
    kBadSessionToken,      // the key exists but the session token does not match
    kHostNotSigned,        // SignedHeaders lacks host
    kPayloadHashMismatch,  // X-Amz-Content-Sha256 is not the body's SHA-256
    kSignatureMismatch,
  };
  Failure failure = Failure::kNone;
  Detail detail = Detail::kNone;
  std::string message;                       // AWS's message text for the failure
  const Credentials* credentials = nullptr;  // the signer's, when verified
  bool presigned = false;
  // What the request claims, once it parsed (empty before). On success only with
  // VerifyOptions::keep_details.
  std::string access_key_id;
  std::string amz_date;                         // "20130524T000000Z"
  std::string scope;                            // "20130524/us-east-1/s3/aws4_request" (as claimed)
  std::string signature;                        // the hex signature provided
  std::chrono::system_clock::time_point time;   // X-Amz-Date
  std::optional<std::chrono::seconds> expires;  // X-Amz-Expires (presigned)
  // Set once the signature was computed (kSignatureMismatch or success).
  std::string canonical_request;
  std::string string_to_sign;
  std::string signing_key;  // raw; success only (S3 chains chunk signatures from it)

  bool ok() const { return failure == Failure::kNone; }
};

Verdict verify(const ReceivedRequest& request, const VerifyOptions& options,
               const CredentialLookup& lookup);

/// AWS's IncompleteSignatureException message for an Authorization header that is not a
/// complete SigV4 header (e.g. "Bearer x"), or nullopt when it parses. REST APIs check the header
/// even for a request that matches no route (aws-behaviour.md §3.3).
std::optional<std::string> incomplete_authorization(std::string_view value,
                                                    std::span<const HeaderView> headers);

}  // namespace gh::sigv4
