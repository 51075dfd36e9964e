#pragma once
/// SigV4's canonical request (AWS4-HMAC-SHA256), for both sides: the verifier rebuilds it from
/// a received request, the signer from an outgoing one. The rules are AWS's (IAM user guide,
/// "Create a signed AWS API request"; ../shared/reference/aws-behaviour.md §4.2) and are checked
/// against AWS's own test vectors (tests/fixtures/sigv4). Pure functions, any thread.
///
/// Two path rules exist: every service but S3 normalises the path (dot segments, repeated
/// slashes) and encodes it a second time; S3 does neither. They are kept apart here so the S3
/// API reuses the same code with UriMode::kS3.

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gh::sigv4 {

enum class UriMode {
  kNormalizedDoubleEncoded,  // execute-api, lambda, dynamodb … (every service but S3)
  kS3,                       // the path exactly as sent
};

/// One request header as received (several with the same name may exist).
struct Header {
  std::string name;
  std::string value;
};

/// A header seen in place (the verifier reads the received request without copying it).
struct HeaderView {
  std::string_view name;
  std::string_view value;
};

/// Views of `headers` (valid while they live).
std::vector<HeaderView> views(const std::vector<Header>& headers);

/// SigV4's UriEncode: every byte but the unreserved A-Z a-z 0-9 - _ . ~ as %XX (upper-case
/// hex); `/` is kept when `keep_slash` (paths), encoded otherwise.
std::string uri_encode(std::string_view bytes, bool keep_slash);

/// The canonical URI of `path` as sent on the wire (percent-encoded by the client). Non-S3:
/// dot segments removed and repeated slashes collapsed as botocore does, then UriEncode'd again
/// (a client that sends /a%20b signs /a%2520b). S3: no normalisation, encoded once (the wire
/// path decoded, then UriEncode'd: /a%20b and /a b both sign /a%20b).
std::string canonical_uri(std::string_view path, UriMode mode);
/// The same, appended to `out` (a path of unreserved characters and single slashes, without
/// dot segments, is its own canonical form and is copied as it is).
void append_canonical_uri(std::string& out, std::string_view path, UriMode mode);

/// The canonical query string of a raw query (without '?'): pairs split on '&' and the first
/// '=', percent-decoded ('+' stays a plus) and UriEncode'd, sorted by name then value, joined
/// with '&' ("key=" when a key has no value). Parameters named in `exclude` (X-Amz-Signature
/// for a presigned request) are left out.
std::string canonical_query(std::string_view raw_query,
                            std::initializer_list<std::string_view> exclude = {});

/// A header value as SigV4 canonicalises it: trimmed, every run of spaces, tabs and line breaks
/// (obsolete folding) collapsed to one space.
std::string trim_all(std::string_view value);
void append_trimmed(std::string& out, std::string_view value);

/// Canonical headers for the signed header names (lower-case, sorted, as in SignedHeaders):
/// "name:value\n" for each, the values of repeated headers joined with ',' in received order.
/// `missing` receives the signed names no header has.
std::string canonical_headers(std::span<const HeaderView> headers,
                              const std::vector<std::string>& signed_names,
                              std::vector<std::string>* missing = nullptr);
std::string canonical_headers(const std::vector<Header>& headers,
                              const std::vector<std::string>& signed_names,
                              std::vector<std::string>* missing = nullptr);
/// The same, appended to `out`, for names seen in place.
void append_canonical_headers(std::string& out, std::span<const HeaderView> headers,
                              std::span<const std::string_view> signed_names,
                              std::vector<std::string>* missing = nullptr);

struct CanonicalRequest {
  std::string method;
  std::string uri;             // canonical_uri()
  std::string query;           // canonical_query()
  std::string headers;         // canonical_headers()
  std::string signed_headers;  // "host;x-amz-date"
  std::string payload_hash;    // hex SHA-256 of the body, or UNSIGNED-PAYLOAD …

  /// The six lines joined as AWS hashes them.
  std::string text() const;
};

/// Lower-case header names, sorted and without duplicates: the SignedHeaders list a signer uses.
std::vector<std::string> signed_header_names(const std::vector<Header>& headers);
/// "a;b;c".
std::string join_signed_headers(const std::vector<std::string>& names);

}  // namespace gh::sigv4
