#pragma once
/// An incremental decoder of `Content-Encoding: aws-chunked` request bodies, the framing S3
/// clients use for streaming uploads (x-amz-content-sha256 = STREAMING-…). Feed it the body as
/// it arrives (the whole buffered body at once, or piece by piece, even one byte at a time): it
/// appends the decoded payload to the caller's buffer, verifies chunk signatures when given a
/// signing context, and collects the trailing headers.
///
/// Wire format (AWS S3 API reference, "Signature Calculations for the Authorization Header:
/// Transferring Payload in Multiple Chunks (Chunked Upload)" and "… Including Trailing Headers";
/// S3 user guide "Using trailing checksums"):
///   signed:    <hex size>;chunk-signature=<64 hex>\r\n<data>\r\n … 0;chunk-signature=<sig>\r\n
///              then \r\n (no trailer) or trailer lines + x-amz-trailer-signature:<sig>\r\n\r\n
///   unsigned:  <hex size>\r\n<data>\r\n … 0\r\n <trailer lines>\r\n \r\n
/// Chunk data is never buffered (memory is bounded whatever the chunk size); a chunk header line
/// and the trailer section are bounded by kMaxChunkHeaderLine / kMaxTrailerBytes.
///
/// Checksums: the decoder does NOT verify trailing x-amz-checksum-* values against the payload.
/// It checks that the trailer announced in `x-amz-trailer` arrived and exposes it (trailer());
/// the API layer passes it to the store as PutOptions::expected_crc32/… which computes and
/// checks it (BadDigest) while writing, so the digest is computed once, in one place.
///
/// Not thread-safe: one decoder per request body.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gh::plugins::s3 {

/// An S3 error answer: `<Error><Code>code</Code><Message>message</Message>` then one element
/// per `details` entry in order (e.g. StringToSign, CanonicalRequest for SignatureDoesNotMatch),
/// rendered by the API layer with the HTTP `status`.
struct S3ErrorReply {
  std::string code;
  std::string message;
  int status = 400;
  std::vector<std::pair<std::string, std::string>> details;
};

/// What an `x-amz-content-sha256` value announces about the body.
enum class PayloadMode {
  kHashed,                    // 64 hex digits: the SHA-256 of the (plain) body
  kUnsigned,                  // UNSIGNED-PAYLOAD: plain body, not covered by the signature
  kStreamingUnsignedTrailer,  // STREAMING-UNSIGNED-PAYLOAD-TRAILER: aws-chunked, unsigned
  kStreamingSigned,           // STREAMING-AWS4-HMAC-SHA256-PAYLOAD
  kStreamingSignedTrailer,    // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
  kInvalid,                   // anything else (ECDSA variants included: not supported)
};

/// Classifies an x-amz-content-sha256 value (as sent; surrounding blanks ignored).
PayloadMode payload_mode(std::string_view content_sha256) noexcept;
/// True for the three STREAMING-… modes: the body is aws-chunked and must be decoded.
bool is_aws_chunked(PayloadMode mode) noexcept;
/// True for the two STREAMING-AWS4-HMAC-SHA256-… modes (chunks carry signatures).
bool has_chunk_signatures(PayloadMode mode) noexcept;
/// True for the two …-TRAILER modes.
bool has_trailer(PayloadMode mode) noexcept;

/// What verifying chunk signatures needs, from the request's verified Authorization header
/// (s3_auth.hpp's authorize_s3 fills it).
struct ChunkSigning {
  std::string signing_key;     // raw 32-byte SigV4 signing key (date/region/s3/aws4_request)
  std::string amz_date;        // "20130524T000000Z", as signed
  std::string scope;           // "20130524/us-east-1/s3/aws4_request"
  std::string seed_signature;  // hex Signature of the Authorization header
};

struct ChunkedOptions {
  PayloadMode mode = PayloadMode::kStreamingUnsignedTrailer;  // one of the STREAMING-… modes
  /// x-amz-decoded-content-length; nullopt when absent (then not checked).
  std::optional<std::uint64_t> decoded_length;
  /// The x-amz-trailer header's value (e.g. "x-amz-checksum-crc32"), "" when none: finish()
  /// fails unless that trailer arrived.
  std::string declared_trailer;
  /// Verify chunk (and trailer) signatures: only for the signed modes, only when IAM is
  /// enforced. nullopt: signatures are parsed (they must be well-formed) but not checked.
  std::optional<ChunkSigning> signing;
};

inline constexpr std::size_t kMaxChunkHeaderLine = 4096;  // "<hex>;chunk-signature=<sig>"
inline constexpr std::size_t kMaxTrailerBytes = 16384;    // all trailer lines together
inline constexpr std::uint64_t kMaxChunkSize = std::uint64_t{5} << 30;  // S3's single-PUT max

class AwsChunkedDecoder {
 public:
  explicit AwsChunkedDecoder(ChunkedOptions options);
  ~AwsChunkedDecoder();
  AwsChunkedDecoder(const AwsChunkedDecoder&) = delete;
  AwsChunkedDecoder& operator=(const AwsChunkedDecoder&) = delete;

  /// Decodes the next `bytes` of the body, appending decoded payload bytes to `out_payload`.
  /// On failure returns S3's answer; the error is sticky (every later call returns it again)
  /// and `out_payload` may have received part of the payload (discard the upload). Bytes after
  /// the end of the encoding are an error.
  std::optional<S3ErrorReply> feed(std::string_view bytes, std::string& out_payload);
  /// The body ended: checks the encoding is complete (else IncompleteBody), the decoded size
  /// against x-amz-decoded-content-length, the declared trailer's presence. Call once.
  std::optional<S3ErrorReply> finish();

  /// True once the final chunk and the trailer section were read completely.
  bool complete() const noexcept;
  /// Payload bytes decoded so far.
  std::uint64_t decoded_size() const noexcept;
  /// The trailing headers (names lower-cased, values trimmed), in received order, without
  /// x-amz-trailer-signature.
  const std::vector<std::pair<std::string, std::string>>& trailers() const noexcept;
  /// The value of trailer `name` (case-insensitive), if it arrived.
  std::optional<std::string_view> trailer(std::string_view name) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Decodes a whole buffered body at once (feed + finish). On success `out_payload` holds the
/// payload and `trailers` (when given) receives the trailing headers as trailers() has them.
std::optional<S3ErrorReply> decode_aws_chunked(
    std::string_view body, const ChunkedOptions& options, std::string& out_payload,
    std::vector<std::pair<std::string, std::string>>* trailers = nullptr);

}  // namespace gh::plugins::s3
